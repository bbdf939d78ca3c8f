"""Flat import/export of 資料2 (see flatfiles/resources.py): chapters by number 「(1)」, 提言 by
chapter and number 「(1)①」, policies and actions by their reference 「(1)ア」, 「(1)イ(ｳ)」,
reports and their 実施状況 paragraphs by period code and action reference (and position)."""

import re

from core.marks import GOJUON, action_letter, policy_letter
from departments.resources import organizations_widget
from flatfiles.resources import (
    BatchedFlatResource,
    ChoiceWidget,
    CircledNumberWidget,
    Field,
    FlatResource,
    LetterWidget,
    NaturalKeysWidget,
    NaturalKeyWidget,
    NumberWidget,
    ParenNumberWidget,
    RowError,
    by,
    cell_text,
    every,
    locked,
    normalized,
    number_field,
    text_field,
    verbose,
)
from recommendations.models import (
    Action,
    ActionReport,
    Chapter,
    Classification,
    ImplementationStatus,
    Policy,
    Recommendation,
    VerificationReport,
)
from recommendations.services import PARAGRAPHS, StatusInput
from reporting import access
from reporting.models import MAX_TEXT_LENGTH
from reporting.resources import (
    WORKFLOW_COLUMNS,
    EntryResourceMixin,
    file_version,
    period_widget,
    stale_message,
    workflow_fields,
    write_changes,
)
from reporting.rules import denial_reason
from reporting.services import Change

# After normalized(): 「（１）イ（ｳ）」 reads as "(1)イ(ウ)".
CHAPTER_RE = re.compile(r"^\((\d+)\)")
RECOMMENDATION_RE = re.compile(r"^\((\d+)\)\(?(\d+)\)?$")
POLICY_RE = re.compile(r"^\((\d+)\)(\D)$")
ACTION_RE = re.compile(r"^\((\d+)\)(\D)\((\D)\)$")


def _chapter(number):
    chapters = list(Chapter.objects.filter(number=number)[:2])
    if len(chapters) > 1:
        raise ValueError(f"項目「({number})」が複数の検証報告書にあります。")
    return chapters[0] if chapters else None


def find_chapter(text, row=None):
    """「(1)」 or 1."""
    number = normalized(text).strip("()")
    return _chapter(int(number)) if number.isdecimal() else None


def _letter_number(letter):
    return GOJUON.index(letter) + 1 if letter in GOJUON else None


def find_recommendation(text, row=None):
    match = RECOMMENDATION_RE.match(normalized(text))
    if not match:
        return None
    chapter = _chapter(int(match[1]))
    return (
        chapter
        and chapter.recommendations.filter(number=int(match[2])).select_related("chapter").first()
    )


def find_policy(text, row=None):
    match = POLICY_RE.match(normalized(text))
    number = match and _letter_number(match[2])
    if not number:
        return None
    chapter = _chapter(int(match[1]))
    return chapter and chapter.policies.filter(number=number).select_related("chapter").first()


def find_action(text, row=None):
    match = ACTION_RE.match(normalized(text))
    policy_number = match and _letter_number(match[2])
    number = match and _letter_number(match[3])
    if not (policy_number and number):
        return None
    chapter = _chapter(int(match[1]))
    return (
        chapter
        and Action.objects.filter(
            policy__chapter=chapter, policy__number=policy_number, number=number
        )
        .select_related("policy__chapter")
        .first()
    )


def recommendation_reference(recommendation):
    return f"{recommendation.chapter.mark}{recommendation.mark}"


def policy_reference(policy):
    return f"{policy.chapter.mark}{policy.mark}"


def chapter_widget(name):
    return NaturalKeyWidget(name, key=lambda chapter: chapter.mark, find=find_chapter)


def _reference(obj):
    return obj.reference


def action_widget(name, *, required=True):
    # The departments: the permission checks of ActionReport imports read them.
    actions = Action.objects.select_related("policy__chapter").prefetch_related("departments")
    return NaturalKeyWidget(
        name,
        key=_reference,
        find=find_action,
        preload=every(actions, _reference),
        required=required,
    )


class VerificationReportResource(FlatResource):
    title = text_field(VerificationReport, "title")
    document_title = text_field(VerificationReport, "document_title")
    note = text_field(VerificationReport, "note")

    class Meta:
        model = VerificationReport
        fields = ("title", "document_title", "note")
        import_id_fields = ("title",)

    def row_name(self, instance):
        return instance.title


class ChapterResource(FlatResource):
    report = Field(
        attribute="report",
        column_name=verbose(Chapter, "report"),
        widget=NaturalKeyWidget(
            verbose(Chapter, "report"),
            key=lambda report: report.title,
            find=by(VerificationReport, "title"),
        ),
    )
    number = number_field(Chapter, "number", ParenNumberWidget)
    title = text_field(Chapter, "title")

    export_select_related = ("report",)

    class Meta:
        model = Chapter
        fields = ("report", "number", "title")
        import_id_fields = ("report", "number")

    def row_name(self, instance):
        return instance.mark


def _chapter_field(model):
    column = verbose(model, "chapter")
    return Field(attribute="chapter", column_name=column, widget=chapter_widget(column))


class RecommendationResource(FlatResource):
    chapter = _chapter_field(Recommendation)
    number = number_field(Recommendation, "number", CircledNumberWidget)
    text = text_field(Recommendation, "text")

    export_select_related = ("chapter",)

    class Meta:
        model = Recommendation
        fields = ("chapter", "number", "text")
        import_id_fields = ("chapter", "number")

    def row_name(self, instance):
        return f"{instance.chapter.mark}{instance.mark}" if instance.chapter_id else "この行"


class PolicyResource(FlatResource):
    chapter = _chapter_field(Policy)
    number = Field(
        attribute="number",
        column_name=verbose(Policy, "number"),
        widget=LetterWidget(verbose(Policy, "number"), GOJUON, policy_letter),
    )
    text = text_field(Policy, "text")
    recommendations = Field(
        attribute="recommendations",
        column_name=verbose(Policy, "recommendations"),
        widget=NaturalKeysWidget(
            verbose(Policy, "recommendations"),
            model=Recommendation,
            key=recommendation_reference,
            find=find_recommendation,
            preload=every(
                Recommendation.objects.select_related("chapter"), recommendation_reference
            ),
        ),
    )

    export_select_related = ("chapter",)
    export_prefetch_related = ("recommendations__chapter",)

    class Meta:
        model = Policy
        fields = ("chapter", "number", "text", "recommendations")
        import_id_fields = ("chapter", "number")

    def row_name(self, instance):
        return policy_reference(instance) if instance.chapter_id else "この行"


class ActionResource(FlatResource):
    policy = Field(
        attribute="policy",
        column_name=verbose(Action, "policy"),
        widget=NaturalKeyWidget(
            verbose(Action, "policy"),
            key=policy_reference,
            find=find_policy,
            preload=every(Policy.objects.select_related("chapter"), policy_reference),
        ),
    )
    number = Field(
        attribute="number",
        column_name=verbose(Action, "number"),
        widget=LetterWidget(verbose(Action, "number"), GOJUON, action_letter),
    )
    text = text_field(Action, "text")
    departments = Field(
        attribute="departments",
        column_name=verbose(Action, "departments"),
        widget=organizations_widget(verbose(Action, "departments")),
    )
    department_note = text_field(Action, "department_note")
    repost_of = Field(
        attribute="repost_of",
        column_name=verbose(Action, "repost_of"),
        widget=action_widget(verbose(Action, "repost_of"), required=False),
    )

    export_select_related = ("policy__chapter", "repost_of__policy__chapter")
    export_prefetch_related = ("departments",)

    class Meta:
        model = Action
        fields = ("policy", "number", "text", "departments", "department_note", "repost_of")
        import_id_fields = ("policy", "number")

    def row_name(self, instance):
        return instance.reference if instance.policy_id else "この行"


ACTION = verbose(ActionReport, "action")
PERIOD = verbose(ActionReport, "period")


class ActionReportResource(EntryResourceMixin, BatchedFlatResource):
    period = Field(attribute="period", column_name=PERIOD, widget=period_widget(PERIOD))
    action = Field(attribute="action", column_name=ACTION, widget=action_widget(ACTION))
    state, return_comment, version, updated_by, updated_at = workflow_fields(ActionReport)

    export_select_related = ("period", "updated_by", "action__policy__chapter")
    stored_prefetch_related = ("updated_by",)

    class Meta:
        model = ActionReport
        fields = ("period", "action", *WORKFLOW_COLUMNS)
        import_id_fields = ("period", "action")


def find_report(text, row):
    """The report of the row's 報告期間 for the action 「(1)イ(ｳ)」."""
    action = find_action(text)
    code = cell_text(row.get(PERIOD))
    return action and reports_with_related().filter(action=action, period__code=code).first()


def reports_with_related():
    """With what the 具体的な取組 column and the permission checks read, each period, action,
    policy and chapter loaded once (not once per report, as joins would)."""
    return ActionReport.objects.prefetch_related(
        "period", "action__policy__chapter", "action__departments"
    )


def every_report(periods=None):
    """Every report (of the `periods` codes, if given) under its action and period."""
    # Locked from this first read: the import gives the reports of changed paragraphs a new
    # version at its end, and a page saving one of them meanwhile would otherwise hold the
    # report while waiting for its paragraphs (a lock cycle).
    reports = reports_with_related()
    if periods is not None:
        reports = reports.filter(period__code__in=periods)
    for report in locked(reports):
        yield (report.action.reference, report.period.code), report


def report_name(report):
    return f"{report.period.code} {report.action.reference}"


# Once: Classification.values builds its list on each call (10,000 calls in a 5,000-row file).
CLASSIFICATIONS = frozenset(Classification.values)


class ClassificationWidget(ChoiceWidget):
    """区分 as the document prints it (Ａ); A, ａ and the legend's wording are read too."""

    def __init__(self, name):
        super().__init__(name, Classification, message=f"{name}はＡ〜Ｄから選んでください。")

    def label(self, value):
        return Classification(value).mark

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        letter = normalized(text).upper()
        if letter in CLASSIFICATIONS:
            return letter
        return super().clean(text, row, **kwargs)


REPORT_VERSION = "報告の版"


class ImplementationStatusResource(BatchedFlatResource):
    """One 実施状況 paragraph. Whoever may change its report may change it. The file's
    paragraphs are a change of their reports: each changed report goes through the one writer
    (reporting.services.write_many) with its paragraphs as the file leaves them, once, with the
    version the file was made from (報告の版), so a report changed since refuses the import."""

    period = Field(
        attribute="report__period",
        column_name=PERIOD,
        widget=period_widget(PERIOD),
        readonly=True,  # read with 具体的な取組, to find the report
    )
    report = Field(
        attribute="report",
        column_name=ACTION,
        widget=NaturalKeyWidget(
            ACTION,
            key=lambda report: report.action.reference,
            find=find_report,
            depends_on=(PERIOD,),
            preload=every_report,
        ),
    )
    position = number_field(ImplementationStatus, "position")
    text = text_field(ImplementationStatus, "text")
    classification = Field(
        attribute="classification",
        column_name=verbose(ImplementationStatus, "classification"),
        widget=ClassificationWidget(verbose(ImplementationStatus, "classification")),
    )
    report_version = Field(
        attribute="report__version",
        column_name=REPORT_VERSION,
        widget=NumberWidget(REPORT_VERSION, required=False),
        readonly=True,  # shown, and read back as the version the file was made from
    )

    required_columns = ("period",)
    text_limits = {"text": MAX_TEXT_LENGTH}
    export_select_related = ("report__period", "report__action__policy__chapter")

    class Meta:
        model = ImplementationStatus
        fields = ("period", "report", "position", "text", "classification", "report_version")
        import_id_fields = ("report", "position")

    def row_name(self, instance):
        if not instance.report_id:
            return "この行"
        return f"{report_name(instance.report)}-{instance.position}"

    def before_import(self, dataset, **kwargs):
        self.report_rows = {}  # report pk -> (report, version, {position: StatusInput})
        super().before_import(dataset, **kwargs)
        # A row's report is found by the row's period code as written (find_report): the reports
        # and paragraphs of the periods the file does not name cannot match any of its rows, and
        # reading them all made an import slower with every period the portal kept.
        self.file_periods = {cell_text(code) for code in dataset[PERIOD]}
        self.fields["report"].widget.preload = lambda: every_report(self.file_periods)

    def stored_rows(self):
        return super().stored_rows().filter(report__period__code__in=self.file_periods)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        user = kwargs.get("user")
        # The report as the 具体的な取組 column found it, loaded once for the whole file
        # with its period and departments (reports_with_related).
        report = instance.report
        if user is not None and not access.may(user, "change", report):
            raise RowError(
                f"{self.row_name(instance)}: この行を変更する権限がありません。"
                f"{denial_reason(user, report)}"
            )
        version = file_version(self, row, "report_version")
        if version is not None and version != report.version:
            raise RowError(stale_message(self.row_name(instance), version, report))
        _, _, paragraphs = self.report_rows.setdefault(report.pk, (report, version, {}))
        paragraphs[instance.position] = StatusInput(
            instance.text, instance.classification, instance.pk
        )

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        # Written by the writer in after_import, as changes of their reports.
        self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self.update_instances.clear()

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        changes = []
        stored = {}
        statuses = ImplementationStatus.objects.filter(report_id__in=self.report_rows)
        for status in statuses.order_by("report_id", "position"):
            paragraph = StatusInput(status.text, status.classification, status.pk)
            stored.setdefault(status.report_id, []).append(paragraph)
        for pk, (report, version, given) in self.report_rows.items():
            by_position = dict(enumerate(stored.get(pk, []), start=1))
            by_position.update(given)
            paragraphs = [by_position[position] for position in sorted(by_position)]
            changes.append(Change(report, version, {PARAGRAPHS: paragraphs}))
        write_changes(changes, kwargs.get("user"), kwargs, result)

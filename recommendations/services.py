"""資料2's part of the workflow (registered in apps.py): the 実施状況 paragraphs of a report with
their 区分, what a submission needs, a new period's reports, and the HQ's 「区分を設定する」. The
writing itself is reporting.services.write, the one writer of entries."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from recommendations.models import Action, ActionReport, Classification, ImplementationStatus
from recommendations.selectors import get_action_report_for_user
from reporting import services
from reporting.models import EntryState
from reporting.services import Change, WorkflowError, seen_version, write_many
from reporting.workflow import Document, normalise_text

ERROR_NO_STATUS = (
    "実施状況を１つ以上入力してください（区分だけの場合も、区分を選んで１行作成してください）。"
)
ERROR_UNDER_WAY_NEEDS_TEXT = (
    "区分Ａ（既に取り組んでいる項目）の実施状況には内容を記入してください。"
)
ERROR_LOCKED = "承認済みの報告の区分は変更できません。"
ERROR_UNKNOWN_PARAGRAPH = "実施状況の行が見つかりません。画面を読み込み直してください。"
ERROR_CLASSIFICATION = "区分はＡ〜Ｄから選んでください。"
SEVERAL_PARAGRAPHS = (
    "実施状況が複数あるため区分を設定していません。編集画面で実施状況ごとに選んでください"
)
PARAGRAPHS = "paragraphs"
# Once: Classification.values builds its list on each call (once a paragraph in an import).
CLASSIFICATIONS = frozenset(Classification.values)
LABEL = "実施状況"


@dataclass
class StatusInput:
    """One 実施状況 paragraph as given: `pk` of the stored paragraph it replaces, or None for a
    new one. The page sends the pks it showed; the imports give the pk of the paragraph at the
    same position (`by_position`)."""

    text: str
    classification: str
    pk: int | None = None

    @property
    def mark(self):
        return Classification(self.classification).mark


def stored_paragraphs(report):
    if report.pk is None:
        return []
    statuses = sorted(report.statuses.all(), key=lambda s: s.position)
    return [StatusInput(s.text, s.classification, s.pk) for s in statuses]


def by_position(report, paragraphs):
    """(text, classification) pairs as paragraphs that replace the stored ones in order."""
    stored = stored_paragraphs(report)
    return [
        StatusInput(text, classification, stored[i].pk if i < len(stored) else None)
        for i, (text, classification) in enumerate(paragraphs)
    ]


def values(report):
    return {PARAGRAPHS: stored_paragraphs(report)}


def clean(report, given):
    """The paragraphs given (if any), line breaks normalised, each a known one or a new one."""
    if PARAGRAPHS not in given:
        return {}
    stored = {p.pk for p in stored_paragraphs(report)}
    paragraphs = []
    for paragraph in given[PARAGRAPHS]:
        if paragraph.pk is not None and paragraph.pk not in stored:
            raise WorkflowError(ERROR_UNKNOWN_PARAGRAPH, entries=[report])
        if paragraph.classification not in CLASSIFICATIONS:
            raise WorkflowError(ERROR_CLASSIFICATION, entries=[report])
        text = normalise_text(paragraph.text)
        paragraphs.append(StatusInput(text, paragraph.classification, paragraph.pk))
    return {PARAGRAPHS: paragraphs}


def _content(paragraphs):
    return [(p.text, p.classification) for p in paragraphs]


def changes(report, cleaned):
    if PARAGRAPHS not in cleaned:
        return []
    return [LABEL] if _content(stored_paragraphs(report)) != _content(cleaned[PARAGRAPHS]) else []


def write(report, cleaned, batch, user):
    """Paragraphs are updated in place, added and deleted one by one so that history shows
    exactly what changed, including each 区分."""
    if PARAGRAPHS not in cleaned:
        return
    existing = {} if report.pk is None else {s.pk: s for s in report.statuses.all()}
    kept = {p.pk for p in cleaned[PARAGRAPHS] if p.pk is not None}
    batch.deleted += [status for pk, status in existing.items() if pk not in kept]
    for position, paragraph in enumerate(cleaned[PARAGRAPHS], start=1):
        status = existing.get(paragraph.pk) or ImplementationStatus(report=report)
        values = (position, paragraph.text, paragraph.classification)
        if status.pk and (status.position, status.text, status.classification) == values:
            continue
        status.position, status.text, status.classification = values
        try:
            status.full_clean(exclude=["report"], validate_constraints=False)
        except ValidationError as error:
            raise WorkflowError(" ".join(error.messages), entries=[report]) from None
        if status.pk:
            batch.update(status, ["position", "text", "classification"])
        else:
            batch.created.append(status)


def readiness(report, cleaned):
    paragraphs = cleaned.get(PARAGRAPHS, stored_paragraphs(report))
    if not paragraphs:
        return {None: ERROR_NO_STATUS}
    if any(p.classification == "A" and not p.text.strip() for p in paragraphs):
        return {None: ERROR_UNDER_WAY_NEEDS_TEXT}
    return {}


def save_statuses(*, report, user, version, paragraphs, submit=False):
    """The edit page's write of a 資料2 row's paragraphs, as code elsewhere calls it: through the
    one writer (reporting.services.write)."""
    return services.write(
        entry=report,
        user=user,
        version=version,
        values={PARAGRAPHS: paragraphs},
        action=services.SUBMIT if submit else services.SAVE,
    )


def set_classification(*, reports, user, classification, versions=None):
    """The HQ sets one 区分 on each selected report that has at most one paragraph; a report
    with several is left for its edit page and named (result.skipped). Approved reports refuse
    the whole action; rows changed since the list was shown are skipped (result.stale)."""
    approved = [r for r in reports if r.state == EntryState.APPROVED]
    if approved:
        raise WorkflowError(ERROR_LOCKED, entries=approved)
    changes, several = [], []
    for report in reports:
        paragraphs = stored_paragraphs(report)
        if len(paragraphs) > 1:
            several.append(report)
            continue
        given = [StatusInput(p.text, classification, p.pk) for p in paragraphs] or [
            StatusInput("", classification)
        ]
        changes.append(Change(report, seen_version(versions, report), {PARAGRAPHS: given}))
    if not changes:
        raise WorkflowError(SEVERAL_PARAGRAPHS, entries=several)
    result = write_many(changes=changes, user=user, skip_stale=versions is not None)
    result.skipped += [(report, SEVERAL_PARAGRAPHS) for report in several]
    return result


@transaction.atomic
def create_reports_for_period(*, period, previous=None, user=None):
    """Give every original action a report in `period`, pre-filled with the 実施状況 of
    `previous` so sections edit rather than retype. Returns how many reports were created."""
    existing = set(ActionReport.objects.filter(period=period).values_list("action_id", flat=True))
    reports = [
        ActionReport(period=period, action=action, state=EntryState.NOT_STARTED, updated_by=user)
        for action in Action.objects.filter(repost_of__isnull=True).exclude(pk__in=existing)
    ]
    bulk_create_with_history(reports, ActionReport, default_user=user)
    if previous is not None:
        by_action = {r.action_id: r for r in reports}
        statuses = [
            ImplementationStatus(
                report=by_action[s.report.action_id],
                position=s.position,
                text=s.text,
                classification=s.classification,
            )
            for s in ImplementationStatus.objects.filter(
                report__period=previous, report__action_id__in=by_action
            ).select_related("report")
        ]
        bulk_create_with_history(statuses, ImplementationStatus, default_user=user)
    return len(reports)


DOCUMENT = Document(
    model=ActionReport,
    label="資料2",
    values=values,
    clean=clean,
    changes=changes,
    write=write,
    readiness=readiness,
    create_entries=create_reports_for_period,
    slug="shiryo2",
    detail_url="recommendations:detail",
    organizations="action__departments",
    get_for_user=get_action_report_for_user,
    related=("action__policy__chapter",),
    prefetch=("action__departments", "statuses"),
    order=2,
)

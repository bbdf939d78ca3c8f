"""Flat import/export of the reporting periods, and what the per-period entries of both
documents share (see flatfiles/resources.py): the workflow columns, and the same permission rules
as the pages."""

from import_export.fields import Field

from flatfiles.resources import (
    ChoiceWidget,
    DateTimeWidget,
    DateWidget,
    FlatResource,
    NaturalKeyWidget,
    NumberWidget,
    RowError,
    TextWidget,
    YesNoWidget,
    by,
    cell_text,
    every,
    locked,
    verbose,
)
from reporting import access, services
from reporting.models import EntryState, ReportingPeriod
from reporting.rules import denial_reason
from reporting.workflow import blank


def _code(period):
    return period.code


def period_widget(name="報告期間"):
    return NaturalKeyWidget(
        name, key=_code, find=by(ReportingPeriod, "code"), preload=every(ReportingPeriod, _code)
    )


def _field(model, name, widget_class, **kwargs):
    column = verbose(model, name)
    widget = widget_class() if widget_class is TextWidget else widget_class(column)
    return Field(attribute=name, column_name=column, widget=widget, **kwargs)


class ReportingPeriodResource(FlatResource):
    code = _field(ReportingPeriod, "code", TextWidget)
    name = _field(ReportingPeriod, "name", TextWidget)
    results_until = _field(ReportingPeriod, "results_until", DateWidget)
    plans_from = _field(ReportingPeriod, "plans_from", DateWidget)
    deadline = Field(
        attribute="deadline",
        column_name=verbose(ReportingPeriod, "deadline"),
        widget=DateWidget(verbose(ReportingPeriod, "deadline"), required=False),
    )
    meeting = _field(ReportingPeriod, "meeting", TextWidget)
    is_current = _field(ReportingPeriod, "is_current", YesNoWidget)
    is_closed = _field(ReportingPeriod, "is_closed", YesNoWidget)

    class Meta:
        model = ReportingPeriod
        fields = (
            "code",
            "name",
            "results_until",
            "plans_from",
            "deadline",
            "meeting",
            "is_current",
            "is_closed",
        )
        import_id_fields = ("code",)

    def row_name(self, instance):
        return instance.code


# The state an import may set, and what the pages call that move.
STATE_ACTIONS = {EntryState.SUBMITTED: "submit"}


def workflow_fields(model):
    """The columns every entry has after its own, in the order of WORKFLOW_COLUMNS: 状態,
    差戻しコメント and, shown only, 版 (the version the file was made from), 更新者, 更新日時."""
    fields = {
        "state": Field(
            attribute="state",
            column_name=verbose(model, "state"),
            widget=ChoiceWidget(verbose(model, "state"), EntryState),
        ),
        "return_comment": _field(model, "return_comment", TextWidget),
        "version": Field(
            attribute="version",
            column_name=verbose(model, "version"),
            widget=NumberWidget(verbose(model, "version"), required=False),
            readonly=True,
        ),
        "updated_by": Field(
            attribute="updated_by__username",
            column_name=verbose(model, "updated_by"),
            widget=TextWidget(),
            readonly=True,
        ),
        "updated_at": Field(
            attribute="updated_at",
            column_name=verbose(model, "updated_at"),
            widget=DateTimeWidget(),
            readonly=True,
        ),
    }
    return tuple(fields[name] for name in WORKFLOW_COLUMNS)


WORKFLOW_COLUMNS = ("state", "return_comment", "version", "updated_by", "updated_at")


FLAT_IMPORT_REASON = "一括取込み（管理画面）"


def stale_message(name, version, stored):
    return (
        f"{name}: ファイルを作った後にこの行が変更されています（版 {version} → "
        f"{stored.version}）。もう一度エクスポートして、その上で直してください。"
    )


def file_version(resource, row, column="version"):
    """The version the file was made from (its 版 column), or None where it has none."""
    text = cell_text(row.get(resource.fields[column].column_name))
    return int(text) if text.isdecimal() else None


def write_changes(changes, user, kwargs, result):
    """The changes the file makes, through the one writer, once every row was read and checked
    (the import is all or nothing: nothing is written when a row has an error)."""
    writes = kwargs.get("using_transactions") or not kwargs.get("dry_run")
    if not (changes and writes) or result.has_errors() or result.has_validation_errors():
        return
    try:
        services.write_many(changes=changes, user=user, reason=FLAT_IMPORT_REASON)
    except services.WorkflowError as error:
        raise RowError(error_text(error)) from None


def error_text(error):
    if error.entries:
        return f"{'、'.join(e.reference for e in error.entries)}: {error.message}"
    return error.message


class EntryResourceMixin:
    """Imports of entries (ProgressEntry, ActionReport) follow the pages' rules and are written
    by the one writer (reporting.services.write_many): a row the user may not change refuses the
    whole import, and so does a file made from an older version of the row (its 版 column); the
    state moves as on the pages (a first write makes 未着手 a 下書き, 提出済 needs what a
    submission needs), a changed entry gets one new version and history record, an unchanged
    one nothing.

    The checks read the entries as the import loaded them, all at once (with their period and
    responsible sections), not again row by row. They are locked from then until the import
    ends, so that nobody changes one in between (the pages lock an entry to save it too)."""

    # The document's own columns the writer takes (the rest is the workflow's).
    document_fields = ()

    def row_name(self, instance):
        try:
            return instance.reference
        except Exception:
            return "この行"

    def stored_rows(self):
        # Only the periods the file names (its rows find theirs by the code as written): the
        # entries of every other period can match none of its rows, and reading and locking
        # them all made an import slower with every period the portal kept.
        rows = super().stored_rows().filter(period__code__in=self.file_periods)
        return locked(rows)

    def stored(self, instance):
        """The entry as stored, before the file's values were read into it
        (BatchedFlatResource.after_init_instance)."""
        return self.original

    def before_import(self, dataset, **kwargs):
        self.entry_changes = []
        super().before_import(dataset, **kwargs)  # refuses a file without the period column
        self.file_periods = {cell_text(code) for code in dataset[self.fields["period"].column_name]}

    def check_entry(self, instance, row, user):
        name = self.row_name(instance)
        stored = instance if instance._state.adding else self.stored(instance)
        if not access.may(user, "change", stored):
            raise RowError(
                f"{name}: この行を変更する権限がありません。{denial_reason(user, stored)}"
            )
        if instance._state.adding:
            # Created by the writer from nothing, so that the file's state is checked as a move.
            stored = blank(instance)
        elif instance.state != stored.state:
            action = STATE_ACTIONS.get(instance.state, "review")
            if not access.may(user, action, stored):
                raise RowError(
                    f"{name}: 状態を「{EntryState(instance.state).label}」にする権限がありません。"
                )
        version = None if instance._state.adding else file_version(self, row)
        change = services.Change(
            stored,
            version,
            {field: getattr(instance, field) for field in self.document_fields},
            state=instance.state,
            comment=instance.return_comment,
        )
        try:
            services.plan(stored, change, user)
        except services.StaleEntry:
            raise RowError(stale_message(name, version, stored)) from None
        except services.WorkflowError as error:
            raise RowError(f"{name}: {error.message}") from None
        self.entry_changes.append(change)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        user = kwargs.get("user")
        if user is not None:
            self.check_entry(instance, row, user)
            instance.updated_by = user

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        # New and changed entries are written by the writer in after_import.
        self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self.update_instances.clear()

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        write_changes(self.entry_changes, kwargs.get("user"), kwargs, result)

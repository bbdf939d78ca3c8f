"""Flat import/export of the reporting periods, and what the per-period entries of both documents
share (see portal/resources.py): the workflow columns, and the same permission rules as the pages.
"""

from import_export.fields import Field

from portal.resources import (
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
from reporting import access
from reporting.models import EntryState, ReportingPeriod
from reporting.rules import denial_reason


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


class EntryResourceMixin:
    """Imports of entries (ProgressEntry, ActionReport) follow the pages' rules: a row the user
    may not change (reporting.access.may) refuses the whole import, and so does a file made from
    an older version of the row. A changed entry gets a new version, so that edit forms opened
    before the import become stale, as after an admin save (EntryAdminMixin).

    The checks read the entries as the import loaded them, all at once (with their period and
    responsible sections), not again row by row. They are locked from then until the import
    ends, so that nobody changes one in between (the pages lock an entry to save it too)."""

    def row_name(self, instance):
        try:
            return instance.reference
        except Exception:
            return "この行"

    def stored_rows(self):
        return locked(super().stored_rows())

    def stored(self, instance):
        """The entry as stored, before the file's values were read into it
        (BatchedFlatResource.after_init_instance)."""
        return self.original

    def check_entry(self, instance, row, user):
        name = self.row_name(instance)
        stored = instance if instance._state.adding else self.stored(instance)
        if not access.may(user, "change", stored):
            raise RowError(
                f"{name}: この行を変更する権限がありません。{denial_reason(user, stored)}"
            )
        if instance.state != stored.state:
            action = STATE_ACTIONS.get(instance.state, "review")
            if not access.may(user, action, stored):
                raise RowError(
                    f"{name}: 状態を「{EntryState(instance.state).label}」にする権限がありません。"
                )
        column = self.fields["version"].column_name
        version = cell_text(row.get(column))
        if not instance._state.adding and version and version != str(stored.version):
            raise RowError(
                f"{name}: ファイルを作った後にこの行が変更されています（版 {version} → "
                f"{stored.version}）。もう一度エクスポートして、その上で直してください。"
            )

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        user = kwargs.get("user")
        if user is not None:
            self.check_entry(instance, row, user)
            instance.updated_by = user
        if not instance._state.adding:
            instance.version += 1

"""Reads of 資料3 progress entries shared by the pages, exports and the dashboard."""

import functools

from django.db.models import Case, F, Subquery, TextField, Value, When
from django.db.models.functions import Coalesce

from core.textdiff import line_diff
from departments.selectors import organization_labels
from initiatives.filters import ProgressEntryFilter
from initiatives.models import Initiative, ProgressEntry
from reporting.access import get_entry_for_user
from reporting.history import record_events
from reporting.rows import TOTAL_ROWS

DOCUMENT_ORDER = [
    "initiative__category__number",
    "initiative__subclass__number",
    "initiative__number",
]
# The list of every period shows a row per period under each reference: the newest period first,
# and the key last, so that pages of the list never repeat nor skip a row.
LIST_ORDER = [*DOCUMENT_ORDER, "-period__results_until", "pk"]


def _with_shown_results(queryset):
    """`shown_results`: a 【再掲】 row shows its original's results of the same period."""
    # One row at most (one entry per period): no ordering, and no joins to sort by.
    original = ProgressEntry.originals().order_by().values("results")[:1]
    return queryset.annotate(
        shown_results=Case(
            When(initiative__repost_of__isnull=False, then=Coalesce(Subquery(original), Value(""))),
            default=F("results"),
            output_field=TextField(),
        )
    )


def _base():
    """What every row shows: its reference (category, sub-class, number) and job category."""
    return _with_shown_results(
        ProgressEntry.objects.select_related(
            "period", "initiative__category", "initiative__subclass", "initiative__job_category"
        )
    )


def progress_entries():
    """Entries with their sections, original and last editor, for pages about a few entries and
    for permission checks."""
    return (
        _base()
        .select_related(
            "updated_by", "initiative__repost_of__category", "initiative__repost_of__subclass"
        )
        .prefetch_related("initiative__sections")
    )


def progress_entry_rows():
    """Entries as list rows: the sections come as labels within the same query."""
    return _base().annotate(
        section_labels=organization_labels(Initiative.sections.through, "initiative")
    )


def get_progress_entry_for_user(user, pk, *, action=None):
    return get_entry_for_user(progress_entries(), user, pk, action=action)


def filter_progress_entries(params, request=None):
    """The FilterSet behind the 資料3 list, its export, the home page and the dashboard links;
    the current period unless another is asked for."""
    return ProgressEntryFilter(
        params, queryset=progress_entry_rows().order_by(*LIST_ORDER), request=request
    )


# What the 資料3 list shows of a row (list_rows.entry_rows): its rows come as named tuples of
# these, as building a model instance for an entry and each of its related rows cost more than
# writing the row's HTML.
LIST_COLUMNS = [
    "pk",
    "version",
    "state",
    "updated_at",
    "plans",
    "shown_results",
    "section_labels",
    "initiative__repost_of",
    "initiative__job_category__name",
    "initiative__category__number",
    "initiative__subclass__name",
    "initiative__number",
]


@functools.cache
def list_rows_query():
    """The 資料3 list's rows before its filters, built once per process (resolving its
    annotations cost a tenth of a list request); each list filters a clone of it (.all())."""
    return (
        progress_entry_rows()
        .order_by(*LIST_ORDER)
        .annotate(**TOTAL_ROWS)
        .values_list(*LIST_COLUMNS, "total_rows", named=True)
    )


def filter_entry_list(params, request=None):
    """The FilterSet of the 資料3 list page: its rows are named tuples of LIST_COLUMNS."""
    return ProgressEntryFilter(params, queryset=list_rows_query().all(), request=request)


def timeline(entry):
    """The same initiative in every period, oldest first, each compared with the one before."""
    entries = list(
        _with_shown_results(ProgressEntry.objects.filter(initiative=entry.initiative))
        .select_related("period", "initiative")
        .order_by("period__results_until")
    )
    previous = None
    for item in entries:
        item.results_diff = line_diff(
            previous.shown_results if previous else "", item.shown_results
        )
        item.plans_diff = line_diff(previous.plans if previous else "", item.plans)
        previous = item
    return entries


def history_fields(period):
    """The recorded fields with the period's own headings (９月までの取組…)."""
    return [
        ("results", period.results_label),
        ("plans", period.plans_label),
        ("state", "状態"),
        ("return_comment", "差戻しコメント"),
    ]


def history(entry):
    records = entry.history.select_related("history_user").order_by("history_date", "history_id")
    events = record_events(
        list(records),
        history_fields(entry.period),
        title="報告",
        created_action="報告を作成",
        text_fields={"results", "plans", "return_comment"},
    )
    return list(reversed(events))

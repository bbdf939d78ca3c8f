"""Reads of 資料3 progress entries shared by the pages, exports and the dashboard."""

from initiatives.filters import ProgressEntryFilter
from initiatives.models import ProgressEntry
from portal.textdiff import line_diff
from reporting.access import get_entry_for_user
from reporting.history import record_events

DOCUMENT_ORDER = [
    "initiative__category__number",
    "initiative__subclass__number",
    "initiative__number",
]


def progress_entries():
    return ProgressEntry.objects.select_related(
        "period",
        "updated_by",
        "initiative__category",
        "initiative__subclass",
        "initiative__job_category",
        "initiative__repost_of__category",
        "initiative__repost_of__subclass",
    ).prefetch_related("initiative__sections")


def get_progress_entry_for_user(user, pk, *, action=None):
    entry = get_entry_for_user(progress_entries(), user, pk, action=action)
    attach_shown_results([entry])
    return entry


def filter_progress_entries(params, request=None):
    """The FilterSet behind the 資料3 list, its export and the dashboard; the current period
    unless another is asked for."""
    return ProgressEntryFilter(
        params, queryset=progress_entries().order_by(*DOCUMENT_ORDER), request=request
    )


def attach_shown_results(entries):
    """Set `shown_results`: a 【再掲】 row shows its original's results of the same period."""
    wanted = {
        (e.initiative.repost_of_id, e.period_id) for e in entries if e.initiative.repost_of_id
    }
    originals = {}
    if wanted:
        rows = ProgressEntry.objects.filter(
            initiative_id__in={i for i, _ in wanted}, period_id__in={p for _, p in wanted}
        ).values_list("initiative_id", "period_id", "results")
        originals = {(i, p): results for i, p, results in rows}
    for entry in entries:
        if entry.initiative.repost_of_id:
            entry.shown_results = originals.get(
                (entry.initiative.repost_of_id, entry.period_id), ""
            )
        else:
            entry.shown_results = entry.results
    return entries


def timeline(entry):
    """The same initiative in every period, oldest first, each compared with the one before."""
    entries = attach_shown_results(
        list(
            progress_entries().filter(initiative=entry.initiative).order_by("period__results_until")
        )
    )
    previous = None
    for item in entries:
        item.results_diff = line_diff(
            previous.shown_results if previous else "", item.shown_results
        )
        item.plans_diff = line_diff(previous.plans if previous else "", item.plans)
        previous = item
    return entries


HISTORY_FIELDS = [
    ("results", "取組結果"),
    ("plans", "取組内容"),
    ("state", "状態"),
    ("return_comment", "差戻しコメント"),
]


def history(entry):
    records = entry.history.select_related("history_user").order_by("history_date", "history_id")
    events = record_events(
        list(records),
        HISTORY_FIELDS,
        title="報告",
        created_action="報告を作成",
        text_fields={"results", "plans", "return_comment"},
    )
    return list(reversed(events))

"""Reads of 資料2 実施状況 reports shared by the pages, exports and the dashboard."""

import functools

from django.db import connection
from django.db.models import OuterRef, Prefetch, Subquery

from core.marks import circled
from core.textdiff import line_diff
from departments.selectors import organization_labels
from recommendations import kept
from recommendations.filters import ActionReportFilter
from recommendations.models import (
    Action,
    ActionReport,
    Chapter,
    Classification,
    ImplementationStatus,
    Policy,
    action_reference,
)
from reporting.access import get_entry_for_user
from reporting.history import record_events
from reporting.rows import TOTAL_ROWS

DOCUMENT_ORDER = ["action__policy__chapter__number", "action__policy__number", "action__number"]
# The list of every period shows a row per period under each reference: the newest period first,
# and the key last, so that pages of the list never repeat nor skip a row.
LIST_ORDER = [*DOCUMENT_ORDER, "-period__results_until", "pk"]

# -- The 【再掲】 rule of the reading side, for every reader: the pages, the documents, the public
# page, the open data and the dashboard. A 【再掲】 action is a second place of its original
# (Action.source). Where it stands it shows its original's 具体的な取組内容 (Action.shown_text),
# its original's 実施状況, 区分 and state (`shown`); its original's report is found under each
# of its places (filters.placed_under) and lists them (REPOST_PLACES). The writing side:
# services.py (a 【再掲】 has no report of its own).

# The places where an original's 【再掲】 stand, as its report's pages name them.
REPOST_PLACES = Prefetch(
    "action__reposts", queryset=Action.objects.select_related("policy__chapter")
)


def shown(action, by_action, default=None):
    """What `action` shows of something looked up by action id (its reports, 実施状況
    paragraphs, states): its original's, for a 【再掲】."""
    return by_action.get(action.source_pk, default)


def source_pk_sql(alias):
    """`Action.source_pk` of the action table row `alias` in SQL (the dashboard's counts)."""
    return f"COALESCE({alias}.repost_of_id, {alias}.id)"


def action_reports():
    return ActionReport.objects.select_related(
        "period", "updated_by", "action__policy__chapter"
    ).prefetch_related(
        "statuses",
        "action__departments",
        REPOST_PLACES,
    )


def action_report_rows():
    """Reports as list rows: the departments come as labels within the same query."""
    return (
        ActionReport.objects.select_related("period", "action__policy__chapter")
        .prefetch_related(
            "statuses",
            REPOST_PLACES,
        )
        .annotate(department_labels=organization_labels(Action.departments.through, "action"))
    )


# What the 資料2 list shows of a row (list_rows.report_rows): its rows come as named tuples of
# these, as building a model instance for a report and each of its related rows cost more than
# writing the row's HTML.
LIST_COLUMNS = [
    "pk",
    "action_id",
    "version",
    "state",
    "updated_at",
    "action_text",
    "action_number",
    "policy_number",
    "chapter_number",
    "department_labels",
]
# LIST_ORDER by the key PostgreSQL keeps on each report (kept.DOCUMENT_ORDER: the three numbers
# in one column), so that the list's query joins no action, policy or chapter to sort a period's
# rows and count them: only the 50 rows kept look up their action's text and organisations
# (PostgreSQL evaluates the columns' subqueries after the sort and LIMIT).
LIST_KEY_ORDER = [kept.DOCUMENT_ORDER.asc(), "-period__results_until", "pk"]


@functools.cache
def list_rows_query():
    """The 資料2 list's rows before its filters, built once per process (resolving its
    annotations cost a tenth of a list request); each list filters a clone of it (.all())."""
    return (
        ActionReport.objects.annotate(
            # (Without the model's ordering, which joined its policy and chapter to sort one row.)
            action_text=Subquery(
                Action.objects.filter(pk=OuterRef("action_id")).order_by().values("text")
            ),
            action_number=kept.ACTION_NUMBER,
            policy_number=kept.POLICY_NUMBER,
            chapter_number=kept.CHAPTER_NUMBER,
            department_labels=organization_labels(Action.departments.through, "action"),
            **TOTAL_ROWS,
        )
        .order_by(*LIST_KEY_ORDER)
        .values_list(*LIST_COLUMNS, "total_rows", named=True)
    )


def filter_report_list(params, request=None):
    """The FilterSet of the 資料2 list page: its rows are named tuples of LIST_COLUMNS, without
    their paragraphs and 【再掲】 references, which `list_details` reads for the page's 50 rows
    in two plain queries (Django's prefetching clones a queryset per row, which cost more than
    the rest of the rows)."""
    return ActionReportFilter(params, queryset=list_rows_query().all(), request=request)


# The two queries of list_details as plain SQL with one array each: the ORM compiled them anew
# on every list request (a placeholder per row), which cost more than PostgreSQL's work.
LIST_PARAGRAPHS_SQL = f"""
    SELECT report_id, classification, text FROM {ImplementationStatus._meta.db_table}
    WHERE report_id = ANY(%s::bigint[]) ORDER BY report_id, position
"""
LIST_REPOSTS_SQL = f"""
    SELECT action.repost_of_id, chapter.number, policy.number, action.number
    FROM {Action._meta.db_table} action
    JOIN {Policy._meta.db_table} policy ON policy.id = action.policy_id
    JOIN {Chapter._meta.db_table} chapter ON chapter.id = policy.chapter_id
    WHERE action.repost_of_id = ANY(%s::bigint[])
    ORDER BY chapter.number, policy.number, action.number
"""


def list_details(reports):
    """({report pk: [(classification, text)…] in order}, {action pk: [【再掲】 references]})."""
    paragraphs = {report.pk: [] for report in reports}
    reposts = {report.action_id: [] for report in reports}
    if not reports:
        return paragraphs, reposts
    with connection.cursor() as cursor:
        cursor.execute(LIST_PARAGRAPHS_SQL, [list(paragraphs)])
        for report_id, classification, text in cursor.fetchall():
            paragraphs[report_id].append((classification, text))
        cursor.execute(LIST_REPOSTS_SQL, [list(reposts)])
        placements = cursor.fetchall()
    for original, chapter, policy, number in placements:
        reposts[original].append(action_reference(chapter, policy, number))
    return paragraphs, reposts


def get_action_report_for_user(user, pk, *, action=None):
    reports = action_reports().prefetch_related("action__policy__recommendations")
    return get_entry_for_user(reports, user, pk, action=action)


def filter_action_reports(params, request=None):
    """The FilterSet behind the 資料2 list, its export and the dashboard; the current period
    unless another is asked for."""
    return ActionReportFilter(
        params, queryset=action_report_rows().order_by(*LIST_ORDER), request=request
    )


def statuses_text(report):
    return "\n".join(
        f"{Classification(s.classification).mark} {s.text}".rstrip() for s in report.statuses.all()
    )


def timeline(report):
    """The same action in every period, oldest first, each compared with the one before."""
    reports = list(
        ActionReport.objects.filter(action=report.action)
        .select_related("period")
        .prefetch_related("statuses")
        .order_by("period__results_until")
    )
    previous = None
    for item in reports:
        item.statuses_diff = line_diff(
            statuses_text(previous) if previous else "", statuses_text(item)
        )
        previous = item
    return reports


REPORT_FIELDS = [("state", "状態"), ("return_comment", "差戻しコメント")]
STATUS_FIELDS = [("position", "順番"), ("classification", "区分"), ("text", "実施状況")]


def history(report):
    """The report's workflow changes and every change to its 実施状況 paragraphs and 区分."""
    events = record_events(
        list(report.history.select_related("history_user").order_by("history_date", "history_id")),
        REPORT_FIELDS,
        title="報告",
        created_action="報告を作成",
        text_fields={"return_comment"},
    )
    records = (
        ImplementationStatus.history.filter(report_id=report.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    by_paragraph = {}
    for record in records:
        by_paragraph.setdefault(record.id, []).append(record)
    for paragraph_records in by_paragraph.values():
        title = f"実施状況{circled(paragraph_records[0].position)}"
        events += record_events(
            paragraph_records,
            STATUS_FIELDS,
            title=title,
            created_action=f"{title}を追加",
            text_fields={"text"},
            choices={"classification": dict(Classification.choices)},
        )
    return sorted(events, key=lambda e: e.when, reverse=True)

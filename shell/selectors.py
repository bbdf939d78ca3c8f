"""Reads for the home page. The HQ's part: what waits for its review (since when, from whom,
what changed against the previous period), what it returned and is not yet back, and the
sections past the deadline. A constant number of queries, whatever the number of rows."""

import functools
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from departments.selectors import organization_labels
from initiatives import selectors as shiryo3
from initiatives.models import Initiative, ProgressEntry
from recommendations import selectors as shiryo2
from recommendations.models import Action, ActionReport, Classification
from reporting.models import EntryState, ReportingPeriod

# What the HQ follows on its home page: waiting for it, and waiting for the section.
FOLLOWED = (EntryState.SUBMITTED, EntryState.RETURNED)
# Rows a section still owes: neither submitted nor approved.
OUTSTANDING = (EntryState.NOT_STARTED, EntryState.DRAFT, EntryState.RETURNED)

NO_PREVIOUS = "前の期間の報告なし"
UNCHANGED = "前の期間と同じ"
STATUS_TEXT_CHANGED = "実施状況を変更"


@dataclass
class FollowedRow:
    """One entry the HQ follows: `since` and `by` say when and by whom it took its state (the
    submission, or the return)."""

    entry: object
    document: str
    detail_url_name: str
    organizations: list
    since: object = None
    by: object = None
    changes: list = field(default_factory=list)


@dataclass
class OverdueOrganization:
    organization_id: int
    label: str
    document: str
    outstanding: int


@dataclass
class HqHome:
    waiting: list
    returned: list
    overdue: list
    is_overdue: bool
    previous: object


@functools.cache
def _section_entries():
    """The 資料3 rows as the section's part of the home page shows them, with the sections the
    permission checks read; built once per process (resolving its joins and annotation cost
    more than the rest of the page) and filtered per request on a copy."""
    return (
        ProgressEntry.objects.select_related(
            "period", "initiative__category", "initiative__subclass", "initiative__job_category"
        )
        .annotate(section_labels=organization_labels(Initiative.sections.through, "initiative"))
        .prefetch_related("initiative__sections")
        .order_by(*shiryo3.DOCUMENT_ORDER)
    )


@functools.cache
def _section_reports():
    """The 資料2 rows as the section's part shows them (as _section_entries)."""
    return (
        ActionReport.objects.select_related("period", "action__policy__chapter")
        .prefetch_related("statuses", "action__departments")
        .order_by(*shiryo2.DOCUMENT_ORDER)
    )


def section_rows(period, organization_ids):
    """The period's rows the given sections and departments answer for (the lists' 自分の課・部の
    担当分だけ): (資料3 entries, 資料2 reports), in the documents' order. No query for a user
    who answers for none."""
    ids = list(organization_ids)
    if not ids:
        return [], []
    entries = _section_entries().filter(
        period=period,
        initiative__in=Initiative.sections.through.objects.filter(organization__in=ids).values(
            "initiative"
        ),
    )
    reports = _section_reports().filter(
        period=period,
        action__in=Action.departments.through.objects.filter(organization__in=ids).values("action"),
    )
    return list(entries), list(reports)


def previous_period(period):
    return (
        ReportingPeriod.objects.filter(results_until__lt=period.results_until)
        .order_by("-results_until")
        .first()
    )


def _since(model, ids):
    """{entry id: (when, user)} of the record that gave each entry its present state: the first
    of the newest run of records in that state."""
    records = (
        model.history.model.objects.filter(id__in=ids)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    since, last_state = {}, {}
    for record in records:
        if last_state.get(record.id) != record.state:
            since[record.id] = (record.history_date, record.history_user)
        last_state[record.id] = record.state
    return since


def _shiryo3_changes(period, previous, entries):
    if previous is None:
        return {entry.pk: [NO_PREVIOUS] for entry in entries}
    before = {
        initiative_id: (results, plans)
        for initiative_id, results, plans in ProgressEntry.objects.filter(
            period=previous, initiative_id__in=[e.initiative_id for e in entries]
        ).values_list("initiative_id", "results", "plans")
    }
    changes = {}
    for entry in entries:
        if entry.initiative_id not in before:
            changes[entry.pk] = [NO_PREVIOUS]
            continue
        results, plans = before[entry.initiative_id]
        changed = []
        # A 【再掲】 row's results are its original's: they change there.
        if not entry.initiative.repost_of_id and entry.results.strip() != results.strip():
            changed.append(f"{period.results_label}を変更")
        if entry.plans.strip() != plans.strip():
            changed.append(f"{period.plans_label}を変更")
        changes[entry.pk] = changed or [UNCHANGED]
    return changes


def _letters(paragraphs):
    return "".join(sorted({Classification(c).mark for _, c in paragraphs if c})) or "－"


def _shiryo2_changes(previous, reports):
    if previous is None:
        return {report.pk: [NO_PREVIOUS] for report in reports}
    # One query: every previous report with its paragraphs (none for a report without any).
    before = {}
    for action_id, text, classification in (
        ActionReport.objects.filter(period=previous, action_id__in=[r.action_id for r in reports])
        .order_by("pk", "statuses__position")
        .values_list("action_id", "statuses__text", "statuses__classification")
    ):
        paragraphs = before.setdefault(action_id, [])
        if classification is not None or text is not None:
            paragraphs.append(((text or "").strip(), classification))
    changes = {}
    for report in reports:
        if report.action_id not in before:
            changes[report.pk] = [NO_PREVIOUS]
            continue
        old = before.get(report.action_id, [])
        new = [(s.text.strip(), s.classification) for s in report.statuses.all()]
        changed = []
        if _letters(old) != _letters(new):
            changed.append(f"区分 {_letters(old)}→{_letters(new)}")
        if [t for t, _ in old] != [t for t, _ in new]:
            changed.append(STATUS_TEXT_CHANGED)
        changes[report.pk] = changed or [UNCHANGED]
    return changes


# One row per organisation with outstanding rows, whatever the number of entries.
OVERDUE_SQL = """
    SELECT t.organization_id, o.label, '資料3', COUNT(*)
    FROM initiatives_progressentry e
    JOIN initiatives_initiative_sections t ON t.initiative_id = e.initiative_id
    JOIN departments_organization o ON o.id = t.organization_id
    WHERE e.period_id = %(period)s AND e.state = ANY(%(states)s)
    GROUP BY t.organization_id, o.label
    UNION ALL
    SELECT t.organization_id, o.label, '資料2', COUNT(*)
    FROM recommendations_actionreport e
    JOIN recommendations_action_departments t ON t.action_id = e.action_id
    JOIN departments_organization o ON o.id = t.organization_id
    WHERE e.period_id = %(period)s AND e.state = ANY(%(states)s)
    GROUP BY t.organization_id, o.label
"""


def _overdue(period):
    """Sections (資料3) and departments (資料2) with rows neither submitted nor approved, with
    how many: PostgreSQL counts."""
    with connection.cursor() as cursor:
        cursor.execute(OVERDUE_SQL, {"period": period.pk, "states": list(OUTSTANDING)})
        found = [OverdueOrganization(*row) for row in cursor.fetchall()]
    return sorted(found, key=lambda org: (org.document != "資料3", org.label))


@functools.cache
def _followed_entries():
    """The 資料3 rows as the HQ's part of the home page shows them; built once per process
    (as _section_entries) and filtered per request on a copy."""
    return (
        ProgressEntry.objects.select_related("initiative__category", "initiative__subclass")
        .annotate(section_labels=organization_labels(Initiative.sections.through, "initiative"))
        .order_by(*shiryo3.DOCUMENT_ORDER)
    )


@functools.cache
def _followed_reports():
    """The 資料2 rows as the HQ's part shows them, with their 実施状況 to compare."""
    return (
        ActionReport.objects.select_related("action__policy__chapter")
        .annotate(department_labels=organization_labels(Action.departments.through, "action"))
        .prefetch_related("statuses")
        .order_by(*shiryo2.DOCUMENT_ORDER)
    )


def hq_home(period):
    previous = previous_period(period)
    entries = list(_followed_entries().filter(period=period, state__in=FOLLOWED))
    reports = list(_followed_reports().filter(period=period, state__in=FOLLOWED))
    since = {
        **{("資料3", pk): v for pk, v in _since(ProgressEntry, [e.pk for e in entries]).items()},
        **{("資料2", pk): v for pk, v in _since(ActionReport, [r.pk for r in reports]).items()},
    }
    changes = {
        **{("資料3", pk): v for pk, v in _shiryo3_changes(period, previous, entries).items()},
        **{("資料2", pk): v for pk, v in _shiryo2_changes(previous, reports).items()},
    }
    rows = [
        FollowedRow(entry, "資料3", "initiatives:detail", entry.section_labels or [])
        for entry in entries
    ] + [
        FollowedRow(report, "資料2", "recommendations:detail", report.department_labels or [])
        for report in reports
    ]
    for row in rows:
        row.since, row.by = since.get((row.document, row.entry.pk), (None, None))
        row.changes = changes[(row.document, row.entry.pk)]
    # Oldest first: what has waited longest comes first.
    rows.sort(key=lambda row: row.since or timezone.now())
    deadline = period.deadline
    is_overdue = bool(deadline and deadline < timezone.localdate() and not period.is_closed)
    return HqHome(
        waiting=[row for row in rows if row.entry.state == EntryState.SUBMITTED],
        returned=[row for row in rows if row.entry.state == EntryState.RETURNED],
        overdue=_overdue(period) if is_overdue else [],
        is_overdue=is_overdue,
        previous=previous,
    )

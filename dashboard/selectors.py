"""The numbers of the 推進本部 dashboard. Each is computed from the same rows the list pages
show, so that every number can link to the list with the matching filter."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from departments.models import JobCategory, Organization
from initiatives.models import Category, ProgressEntry
from recommendations.models import (
    Action,
    ActionReport,
    Chapter,
    Classification,
    ImplementationStatus,
)
from reporting.models import EntryState, ReportingPeriod

LETTERS = list(Classification.values)
STATES = list(EntryState.values)
NEEDS_ATTENTION = {EntryState.NOT_STARTED, EntryState.RETURNED}


@dataclass
class ClassificationRow:
    """One chapter or department: how many actions have a paragraph of each 区分."""

    key: object
    label: str
    counts: dict = field(default_factory=lambda: dict.fromkeys(LETTERS, 0))
    total: int = 0

    @property
    def share_under_way(self):
        """Share of actions already under way (区分Ａ), in percent."""
        return round(100 * self.counts["A"] / self.total) if self.total else 0


def previous_period(period):
    return (
        ReportingPeriod.objects.filter(results_until__lt=period.results_until)
        .order_by("-results_until")
        .first()
    )


def _classifications(period, action_ids=None):
    """action id → set of 区分 of its paragraphs in the period."""
    rows = ImplementationStatus.objects.filter(report__period=period)
    if action_ids is not None:
        rows = rows.filter(report__action_id__in=action_ids)
    by_action = defaultdict(set)
    for action_id, letter in rows.values_list("report__action_id", "classification"):
        by_action[action_id].add(letter)
    return by_action


def _scope(organization_ids):
    """Original actions in scope: all, or those the given organisations answer for."""
    actions = Action.objects.filter(repost_of=None)
    if organization_ids is not None:
        actions = actions.filter(departments__in=organization_ids).distinct()
    return set(actions.values_list("pk", flat=True))


def shiryo2_counts(period, organization_ids=None):
    """Per chapter (an action counts where it stands and where it is listed again as 【再掲】,
    once per chapter, as on the list page) and per department. An action with paragraphs of
    several 区分 counts once under each."""
    in_scope = _scope(organization_ids)
    letters = _classifications(period, in_scope)

    chapters = {c.pk: ClassificationRow(c, str(c)) for c in Chapter.objects.all()}
    placements = Action.objects.filter(Q(repost_of__in=in_scope) | Q(pk__in=in_scope))
    # An action listed twice in one chapter is still one row of that chapter's list.
    placed = {
        (chapter_id, repost_of or action_id)
        for action_id, repost_of, chapter_id in placements.values_list(
            "pk", "repost_of_id", "policy__chapter_id"
        )
    }
    for chapter_id, action_id in placed:
        _count(chapters[chapter_id], letters.get(action_id, set()))

    departments = {}
    for action_id, org_id in Action.departments.through.objects.filter(
        action_id__in=in_scope
    ).values_list("action_id", "organization_id"):
        departments.setdefault(org_id, []).append(action_id)
    by_department = []
    for org in Organization.objects.filter(pk__in=departments):
        row = ClassificationRow(org, org.label)
        for action_id in departments[org.pk]:
            _count(row, letters.get(action_id, set()))
        by_department.append(row)

    total = ClassificationRow(None, "合計（取組ごとに１回）")
    for action_id in in_scope:
        _count(total, letters.get(action_id, set()))
    return [row for row in chapters.values() if row.total], by_department, total


def _count(row, letters):
    row.total += 1
    for letter in letters:
        row.counts[letter] += 1


def _main_letter(letters):
    """An action's 区分 for comparing periods: its most advanced one (Ａ before Ｂ…)."""
    return min(letters) if letters else None


@dataclass
class Move:
    before: str
    after: str
    actions: list


def moves(period, organization_ids=None):
    """Actions whose 区分 changed since the previous period, grouped as Ｂ→Ａ, Ｃ→Ｂ, …"""
    previous = previous_period(period)
    if previous is None:
        return previous, []
    in_scope = _scope(organization_ids)
    now = _classifications(period, in_scope)
    before = _classifications(previous, in_scope)
    changed = defaultdict(list)
    for action_id in in_scope:
        old, new = _main_letter(before.get(action_id)), _main_letter(now.get(action_id))
        if old and new and old != new:
            changed[(old, new)].append(action_id)
    reports = {
        r.action_id: r
        for r in ActionReport.objects.filter(
            period=period, action_id__in=[a for ids in changed.values() for a in ids]
        ).select_related("action__policy__chapter")
    }
    result = [
        Move(old, new, sorted((reports[a] for a in ids if a in reports), key=_document_order))
        for (old, new), ids in sorted(changed.items())
    ]
    return previous, result


def _document_order(report):
    action = report.action
    return (action.policy.chapter.number, action.policy.number, action.number)


@dataclass
class MatrixCell:
    category: object
    job_category: object
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self):
        return sum(self.counts.values())

    @property
    def needs_attention(self):
        return any(self.counts[state] for state in NEEDS_ATTENTION)

    def by_state(self):
        return [(state, self.counts[state]) for state in STATES if self.counts[state]]


def shiryo3_matrix(period, organization_ids=None):
    """Category × job category: how many initiatives have an entry this period, by state."""
    entries = ProgressEntry.objects.filter(period=period)
    if organization_ids is not None:
        entries = entries.filter(initiative__sections__in=organization_ids).distinct()
    categories = list(Category.objects.all())
    jobs = list(JobCategory.objects.all())
    cells = {(c.pk, j.pk): MatrixCell(c, j) for c in categories for j in jobs}
    for category_id, job_id, state in entries.values_list(
        "initiative__category_id", "initiative__job_category_id", "state"
    ):
        cells[(category_id, job_id)].counts[state] += 1
    rows = [(c, [cells[(c.pk, j.pk)] for j in jobs]) for c in categories]
    return jobs, rows


@dataclass
class TrackerRow:
    organization: object
    document: str
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self):
        return sum(self.counts.values())

    @property
    def outstanding(self):
        return self.total - self.counts[EntryState.SUBMITTED] - self.counts[EntryState.APPROVED]

    def by_state(self):
        return [(state, self.counts[state]) for state in STATES]


def submission_tracker(period, organization_ids=None):
    """Every section (資料3) and department (資料2) with its entries by state."""
    rows = {}

    def add(document, pairs):
        for org_id, state in pairs:
            if organization_ids is not None and org_id not in organization_ids:
                continue
            rows.setdefault((document, org_id), TrackerRow(org_id, document)).counts[state] += 1

    add(
        "資料3",
        ProgressEntry.objects.filter(period=period).values_list("initiative__sections", "state"),
    )
    add(
        "資料2",
        ActionReport.objects.filter(period=period).values_list("action__departments", "state"),
    )
    orgs = Organization.objects.in_bulk({org_id for _, org_id in rows})
    for row in rows.values():
        row.organization = orgs[row.organization]
    overdue = bool(
        period.deadline and period.deadline < timezone.localdate() and not period.is_closed
    )
    ordered = sorted(
        rows.values(),
        key=lambda r: (r.document != "資料3", r.organization.sort_order, r.organization.label),
    )
    return ordered, overdue


@dataclass
class Change:
    when: object
    user: object
    what: str
    url_name: str
    pk: int
    kind: str


def recent_changes(limit=20, organization_ids=None):
    """The latest changes to entries and 実施状況 across the portal."""
    entries = ProgressEntry.history.select_related(
        "history_user", "initiative__category", "initiative__subclass", "period"
    )
    reports = ActionReport.history.select_related(
        "history_user", "action__policy__chapter", "period"
    )
    statuses = ImplementationStatus.history.select_related(
        "history_user", "report__action__policy__chapter", "report__period"
    )
    if organization_ids is not None:
        entries = entries.filter(initiative__sections__in=organization_ids).distinct()
        reports = reports.filter(action__departments__in=organization_ids).distinct()
        statuses = statuses.filter(report__action__departments__in=organization_ids).distinct()
    changes = [
        Change(
            r.history_date,
            r.history_user,
            f"資料3 {r.initiative.reference}（{r.period}）",
            "initiatives:detail",
            r.id,
            _kind(r),
        )
        for r in entries.order_by("-history_date")[:limit]
    ]
    changes += [
        Change(
            r.history_date,
            r.history_user,
            f"資料2 {r.action.reference}（{r.period}）",
            "recommendations:detail",
            r.id,
            _kind(r),
        )
        for r in reports.order_by("-history_date")[:limit]
    ]
    changes += [
        Change(
            r.history_date,
            r.history_user,
            f"資料2 {r.report.action.reference} の実施状況（{r.report.period}）",
            "recommendations:detail",
            r.report_id,
            _kind(r),
        )
        for r in statuses.order_by("-history_date")[:limit]
    ]
    return sorted(changes, key=lambda c: c.when, reverse=True)[:limit]


def _kind(record):
    return {"+": "作成", "~": "変更", "-": "削除"}[record.history_type]

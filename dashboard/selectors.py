"""The numbers of the 推進本部 dashboard. Each is computed from the same rows the list pages
show, so that every number can link to the list with the matching filter. Each table is read
once per page (a constant number of queries), the counting is done here."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

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
from reporting.models import EntryState

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

    def add(self, letters):
        self.total += 1
        for letter in letters:
            self.counts[letter] += 1


@dataclass
class Move:
    before: str
    after: str
    actions: list


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


@dataclass
class Change:
    when: object
    user: object
    what: str
    url_name: str
    pk: int
    kind: str


def previous_period(periods, period):
    """The period just before `period` among `periods` (any order)."""
    earlier = [p for p in periods if p.results_until < period.results_until]
    return max(earlier, key=lambda p: p.results_until, default=None)


class Dashboard:
    """Everything the dashboard shows for one period, for everyone (organization_ids None) or
    for the given sections and departments only."""

    def __init__(self, period, periods, organization_ids=None):
        self.period = period
        self.previous = previous_period(periods, period)
        self.scope = organization_ids
        self.organizations = Organization.objects.in_bulk()
        self._load_shiryo2()

    # 資料2 ---------------------------------------------------------------------------------

    def _load_shiryo2(self):
        rows = Action.objects.values_list(
            "pk",
            "repost_of_id",
            "policy__chapter_id",
            "policy__chapter__number",
            "policy__chapter__title",
        ).order_by("policy__chapter__number")
        self.actions, self.chapters = [], {}
        for pk, repost_of, chapter_id, number, title in rows:
            self.actions.append((pk, repost_of, chapter_id))
            # The chapters come with their actions: one query less than reading them apart.
            self.chapters.setdefault(chapter_id, Chapter(pk=chapter_id, number=number, title=title))
        self.action_departments = defaultdict(set)
        for action_id, org_id in Action.departments.through.objects.values_list(
            "action_id", "organization_id"
        ):
            self.action_departments[action_id].add(org_id)
        originals = {pk for pk, repost_of, _ in self.actions if repost_of is None}
        if self.scope is not None:
            originals = {a for a in originals if self.action_departments[a] & self.scope}
        self.in_scope = originals
        periods = [self.period.pk] + ([self.previous.pk] if self.previous else [])
        self.letters = {pk: defaultdict(set) for pk in periods}
        for period_id, action_id, letter in ImplementationStatus.objects.filter(
            report__period_id__in=periods
        ).values_list("report__period_id", "report__action_id", "classification"):
            self.letters[period_id][action_id].add(letter)

    def shiryo2_counts(self):
        """Per chapter (an action counts where it stands and where it is listed again as
        【再掲】, once per chapter, as on the list page) and per department. An action with
        paragraphs of several 区分 counts once under each."""
        letters = self.letters[self.period.pk]
        chapters = {pk: ClassificationRow(c, str(c)) for pk, c in self.chapters.items()}
        placed = {
            (chapter_id, repost_of or pk)
            for pk, repost_of, chapter_id in self.actions
            if (repost_of or pk) in self.in_scope
        }
        for chapter_id, action_id in placed:
            chapters[chapter_id].add(letters.get(action_id, set()))

        departments = {}
        for action_id in self.in_scope:
            for org_id in self.action_departments[action_id]:
                if org_id not in departments:
                    org = self.organizations[org_id]
                    departments[org_id] = ClassificationRow(org, org.label)
                departments[org_id].add(letters.get(action_id, set()))

        total = ClassificationRow(None, "合計（取組ごとに１回）")
        for action_id in self.in_scope:
            total.add(letters.get(action_id, set()))
        by_department = sorted(departments.values(), key=lambda r: (r.key.sort_order, r.label))
        return [row for row in chapters.values() if row.total], by_department, total

    def moves(self):
        """Actions whose 区分 changed since the previous period, grouped as Ｂ→Ａ, Ｃ→Ｂ, …
        An action's 区分 is its most advanced one (Ａ before Ｂ…)."""
        if self.previous is None:
            return []
        now, before = self.letters[self.period.pk], self.letters[self.previous.pk]
        changed = defaultdict(list)
        for action_id in self.in_scope:
            old, new = min(before.get(action_id, "-")), min(now.get(action_id, "-"))
            if "-" not in (old, new) and old != new:
                changed[(old, new)].append(action_id)
        if not changed:
            return []
        reports = ActionReport.objects.filter(
            period=self.period, action_id__in=[a for ids in changed.values() for a in ids]
        ).select_related("action__policy__chapter")
        by_action = {r.action_id: r for r in reports}
        return [
            Move(
                old, new, sorted((by_action[a] for a in ids if a in by_action), key=_document_order)
            )
            for (old, new), ids in sorted(changed.items())
        ]

    # 資料3 and the tracker -------------------------------------------------------------------

    def shiryo3_and_tracker(self):
        """The category × job category matrix and every section's and department's counts."""
        categories = list(Category.objects.all())
        jobs = list(JobCategory.objects.all())
        cells = {(c.pk, j.pk): MatrixCell(c, j) for c in categories for j in jobs}
        tracker = {}

        def track(document, org_id, state):
            if self.scope is None or org_id in self.scope:
                row = tracker.setdefault(
                    (document, org_id), TrackerRow(self.organizations[org_id], document)
                )
                row.counts[state] += 1

        counted = set()
        for pk, category_id, job_id, section_id, state in ProgressEntry.objects.filter(
            period=self.period
        ).values_list(
            "pk",
            "initiative__category_id",
            "initiative__job_category_id",
            "initiative__sections",
            "state",
        ):
            in_scope = self.scope is None or section_id in self.scope
            if in_scope and pk not in counted:
                counted.add(pk)
                cells[(category_id, job_id)].counts[state] += 1
            track("資料3", section_id, state)
        for action_id, state in ActionReport.objects.filter(period=self.period).values_list(
            "action_id", "state"
        ):
            for org_id in self.action_departments[action_id]:
                track("資料2", org_id, state)

        matrix = [(c, [cells[(c.pk, j.pk)] for j in jobs]) for c in categories]
        rows = sorted(
            tracker.values(),
            key=lambda r: (r.document != "資料3", r.organization.sort_order, r.organization.label),
        )
        deadline = self.period.deadline
        overdue = bool(deadline and deadline < timezone.localdate() and not self.period.is_closed)
        return jobs, matrix, rows, overdue

    def recent_changes(self, limit=20):
        """The latest changes to entries across the portal (a change of 実施状況 is also a new
        version of its report)."""
        entries = ProgressEntry.history.select_related(
            "history_user", "initiative__category", "initiative__subclass", "period"
        )
        reports = ActionReport.history.select_related(
            "history_user", "action__policy__chapter", "period"
        )
        if self.scope is not None:
            entries = entries.filter(initiative__sections__in=self.scope).distinct()
            reports = reports.filter(action__departments__in=self.scope).distinct()
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
        return sorted(changes, key=lambda c: c.when, reverse=True)[:limit]


def _document_order(report):
    action = report.action
    return (action.policy.chapter.number, action.policy.number, action.number)


def _kind(record):
    return {"+": "作成", "~": "変更", "-": "削除"}[record.history_type]

"""The numbers of the 推進本部 dashboard. Each is computed from the same rows the list pages
show, so that every number can link to the list with the matching filter. PostgreSQL does the
counting (a constant number of queries, each returning one row per chapter, department, section
or matrix cell, whatever the number of rows counted)."""

from collections import Counter, namedtuple
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from departments.models import JobCategory, Organization
from initiatives.models import Category, initiative_reference
from recommendations.models import ActionReport, Chapter, Classification, action_reference
from recommendations.selectors import source_pk_sql
from reporting.models import EntryState

LETTERS = list(Classification.values)
STATES = list(EntryState.values)
KINDS = {"+": "作成", "~": "変更", "-": "削除"}
# What naming the user of a change reads (the `person` filter).
USER_COLUMNS = ("username", "first_name", "last_name")
User = get_user_model()
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


# A department counted: what its row links, sorts by and names. Not a model instance, which cost
# more than the rest of its row as departments multiply.
OrganizationKey = namedtuple("OrganizationKey", ["pk", "sort_order", "label"])


@dataclass
class Move:
    before: str
    after: str
    actions: list  # the first ones in the document's order
    count: int  # all of them


class StateCounts:
    """Entries counted by state (`counts`, a Counter)."""

    @property
    def total(self):
        return sum(self.counts.values())

    def by_state(self):
        """(state, entries) for every state, in the workflow's order."""
        return [(state, self.counts[state]) for state in STATES]


@dataclass
class MatrixCell(StateCounts):
    category: object
    job_category: object
    counts: Counter = field(default_factory=Counter)

    @property
    def needs_attention(self):
        return any(self.counts[state] for state in NEEDS_ATTENTION)

    def by_state(self):
        # A cell is small: only the states it has.
        return [(state, count) for state, count in super().by_state() if count]


@dataclass
class TrackerRow(StateCounts):
    organization: object
    document: str
    counts: Counter = field(default_factory=Counter)

    @property
    def outstanding(self):
        return self.total - self.counts[EntryState.SUBMITTED] - self.counts[EntryState.APPROVED]


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


# The tracker's rows: the entries per state under each organisation, counted by PostgreSQL as
# they are written (dashboard migration 0001, a row per period, document and organisation with
# a column per state and the organisation's order and name copied). Its order — the most
# outstanding rows first (資料3's sections before 資料2's departments when as many), then the
# organisations' order — is an index's: the first rows are read in order, whatever the number
# of organisations, and the rows in all (and those behind) are counted from the index alone.
_SCOPE = "c.period_id = %(period)s AND c.entries > 0"
_SCOPE += " AND (%(everything)s OR c.organization_id = ANY(%(scope)s))"
TRACKER_SQL = f"""
    SELECT c.document, o.id, o.label, o.sort_order, {", ".join(f"c.{s}" for s in STATES)},
           n.count, n.behind
    FROM (
        SELECT COUNT(*) AS count, COUNT(*) FILTER (WHERE c.outstanding > 0) AS behind
        FROM dashboard_trackertally c WHERE {_SCOPE}
    ) n
    CROSS JOIN LATERAL (
        SELECT * FROM dashboard_trackertally c WHERE {_SCOPE}
        ORDER BY c.outstanding DESC, (c.document = '資料2'), c.sort_order, c.label,
                 c.organization_id
        LIMIT %(limit)s OFFSET %(offset)s
    ) c
    JOIN departments_organization o ON o.id = c.organization_id
    ORDER BY c.outstanding DESC, (c.document = '資料2'), c.sort_order, c.label, c.organization_id
"""


# Each document's latest history records (by the index on history_date), then the latest of
# both (資料3's first of two at the same moment), and only then what names them: the numbers of
# the row's reference (category, sub-class and number; chapter, policy and number) and who made
# the change. Joining after the cut keeps the plan small: planning the joins of both documents'
# whole history took longer than running the statement.
_USER = ", ".join(f"u.{name}" for name in ("id", *USER_COLUMNS))
RECENT_CHANGES_SQL = f"""
    SELECT h.document, h.history_date, h.history_type, h.id, h.period_id,
           COALESCE(c.number, k.number), s.name, y.number, COALESCE(i.number, a.number), {_USER}
    FROM (
        (SELECT '資料3' AS document, history_date, history_type, id, period_id, history_user_id,
                initiative_id, NULL::bigint AS action_id
         FROM initiatives_historicalprogressentry h
         WHERE %(everything)s OR EXISTS (
             SELECT 1 FROM initiatives_initiative_sections t
             WHERE t.initiative_id = h.initiative_id AND t.organization_id = ANY(%(scope)s))
         ORDER BY history_date DESC LIMIT %(limit)s)
        UNION ALL
        (SELECT '資料2', history_date, history_type, id, period_id, history_user_id, NULL, action_id
         FROM recommendations_historicalactionreport h
         WHERE %(everything)s OR EXISTS (
             SELECT 1 FROM recommendations_action_departments t
             WHERE t.action_id = h.action_id AND t.organization_id = ANY(%(scope)s))
         ORDER BY history_date DESC LIMIT %(limit)s)
        ORDER BY 2 DESC, 1 DESC
        LIMIT %(limit)s
    ) h
    LEFT JOIN initiatives_initiative i ON i.id = h.initiative_id
    LEFT JOIN initiatives_category c ON c.id = i.category_id
    LEFT JOIN initiatives_subclass s ON s.id = i.subclass_id
    LEFT JOIN recommendations_action a ON a.id = h.action_id
    LEFT JOIN recommendations_policy y ON y.id = a.policy_id
    LEFT JOIN recommendations_chapter k ON k.id = y.chapter_id
    LEFT JOIN accounts_user u ON u.id = h.history_user_id
    ORDER BY 2 DESC, 1 DESC
"""


# The matrix's rows and columns (with what orders them), then its counts for a scope: the
# entries of the initiatives with a section in scope (each once, however many of its sections
# are), each looked up from the scope's sections rather than every entry of the period tested
# (LIMIT 1: an initiative has one entry a period; it keeps the planner from hashing them all).
MATRIX_SQL = """
    SELECT 'category', id, number, title, NULL::bigint FROM initiatives_category
    UNION ALL
    SELECT 'job', id, sort_order, name, NULL FROM departments_jobcategory
    UNION ALL
    SELECT 'cell', e.category_id, e.job_category_id, e.state, COUNT(*)
    FROM (
        SELECT DISTINCT t.initiative_id FROM initiatives_initiative_sections t
        WHERE t.organization_id = ANY(%(scope)s)
    ) t
    CROSS JOIN LATERAL (
        SELECT e.state, i.category_id, i.job_category_id
        FROM initiatives_progressentry e
        JOIN initiatives_initiative i ON i.id = e.initiative_id
        WHERE e.period_id = %(period)s AND e.initiative_id = t.initiative_id
        LIMIT 1
    ) e
    GROUP BY e.category_id, e.job_category_id, e.state
"""
# For everyone, the counts PostgreSQL keeps (dashboard migration 0001). A scoped matrix counts
# live (above): an entry with two sections in scope counts once, which no tally per section can
# tell, and a scope's entries are few.
MATRIX_TALLY_SQL = """
    SELECT 'category', id, number, title, NULL::bigint FROM initiatives_category
    UNION ALL
    SELECT 'job', id, sort_order, name, NULL FROM departments_jobcategory
    UNION ALL
    SELECT 'cell', category_id, job_category_id, state, entries
    FROM dashboard_matrixtally
    WHERE period_id = %(period)s AND entries > 0
"""


# 資料2's 区分 for everyone, from the counts PostgreSQL keeps (dashboard migration 0001: for each
# period, the actions counted per chapter, department and in all, and how many of them have each
# letter), with what names the chapters and departments: the first %(departments)s departments
# in _most_to_consider's order (NULL: all), read in that order from an index (labels compared
# by code point, as Python does), and on the total's row, in the place of a key, how many
# departments there are.
_COUNTS = ", ".join(f"t.{x}" for x in ("actions", *"abcd"))
_PERIOD = "t.period_id = %(period)s AND t.actions > 0"
CLASSIFICATIONS_TALLY_SQL = f"""
    SELECT 'chapter', c.id, c.number, c.title, {_COUNTS}
    FROM dashboard_classificationtally t JOIN recommendations_chapter c ON c.id = t.key_id
    WHERE {_PERIOD} AND t.kind = 'chapter'
    UNION ALL
    SELECT 'department', g.id, g.sort_order, g.label, {_COUNTS}
    FROM (
        SELECT * FROM dashboard_classificationtally t
        WHERE {_PERIOD} AND t.kind = 'department'
        ORDER BY t.c + t.d DESC, t.actions DESC, t.sort_order, t.label COLLATE "C", t.key_id
        LIMIT %(departments)s
    ) t
    JOIN departments_organization g ON g.id = t.key_id
    UNION ALL
    SELECT 'total',
           (SELECT COUNT(*) FROM dashboard_classificationtally t
            WHERE {_PERIOD} AND t.kind = 'department'),
           NULL, NULL, {", ".join(f"COALESCE(MAX({c}), 0)" for c in _COUNTS.split(", "))}
    FROM dashboard_classificationtally t
    WHERE {_PERIOD} AND t.kind = 'total'
"""


@dataclass
class Tracker:
    """One slice of the tracker's rows (the most outstanding first), with the number of rows
    there are in all (`count`) and of those with outstanding entries (`behind`)."""

    rows: list
    count: int
    behind: int


class Dashboard:
    """Everything the dashboard shows for one period, for everyone (organization_ids None) or
    for the given sections and departments only. The counting is done by PostgreSQL (GROUP BY):
    what comes back grows with the chapters, departments and sections shown, never with the
    rows counted or the periods kept."""

    def __init__(self, period, periods, organization_ids=None):
        self.period = period
        self.previous = previous_period(periods, period)
        self.scope = organization_ids
        self.period_names = {p.pk: p.name for p in periods}

    def _params(self, **params):
        """The query's parameters with those of the scope: %(everything)s, %(scope)s."""
        everything = self.scope is None
        return {**params, "everything": everything, "scope": [] if everything else list(self.scope)}

    @staticmethod
    def _action_in_scope(action):
        """The condition that the original action `action` (an SQL expression) is answered for
        by a department in scope."""
        return (
            "(%(everything)s OR EXISTS (SELECT 1 FROM recommendations_action_departments d"
            f" WHERE d.action_id = {action} AND d.organization_id = ANY(%(scope)s)))"
        )

    # 資料2 ---------------------------------------------------------------------------------

    def shiryo2_counts(self, departments=None):
        """Per chapter (an action counts where it stands and where it is listed again as
        【再掲】, once per chapter, as on the list page) and per department: the chapters, the
        first `departments` departments (None: all) with the most actions still to consider
        first, the total and the number of departments. An action with paragraphs of several
        区分 counts once under each."""
        if self.scope is None:
            params = {"period": self.period.pk, "departments": departments}
            rows = _fetch(CLASSIFICATIONS_TALLY_SQL, params)
        else:
            rows = self._shiryo2_counted()
        chapters, by_department, total, count = self._shiryo2_rows(rows)
        return chapters, by_department[:departments], total, count

    def _shiryo2_counted(self):
        """The rows of CLASSIFICATIONS_TALLY_SQL counted live, for a scope: an action is counted
        when a department in scope answers for it, which no tally per department can tell."""
        in_scope = self._action_in_scope(source_pk_sql("a"))
        # Each action in scope once, with its 区分 (a flag per letter) read from its report's
        # letters kept by PostgreSQL (recommendations migration 0007): one row per report,
        # however many paragraphs. Then plain counts per chapter, department and in all (no
        # COUNT(DISTINCT …) nor GROUPING SETS, whose sorts cost most of the query), and only
        # then what names the chapters and departments counted.
        letters = ", ".join(f"strpos(r.classifications, '{x}') > 0 AS {x.lower()}" for x in LETTERS)
        named = ", ".join(f"COUNT(*) FILTER (WHERE l.{x.lower()}) AS {x.lower()}" for x in LETTERS)
        counts = ", ".join(f"n.{x.lower()}" for x in LETTERS)
        return _fetch(
            f"""
            WITH actions AS MATERIALIZED (
                SELECT a.action_id, {letters}
                FROM (
                    SELECT DISTINCT {source_pk_sql("a")} AS action_id
                    FROM recommendations_action a
                    WHERE {in_scope}
                ) a
                LEFT JOIN recommendations_actionreport r
                  ON r.action_id = a.action_id AND r.period_id = %(period)s
            )
            SELECT 'chapter', c.id, c.number, c.title, n.total, {counts}
            FROM (
                SELECT placed.chapter_id, COUNT(*) AS total, {named}
                FROM (
                    SELECT DISTINCT p.chapter_id, {source_pk_sql("a")} AS action_id
                    FROM recommendations_action a
                    JOIN recommendations_policy p ON p.id = a.policy_id
                ) placed
                JOIN actions l USING (action_id)
                GROUP BY placed.chapter_id
            ) n
            JOIN recommendations_chapter c ON c.id = n.chapter_id
            UNION ALL
            SELECT 'department', g.id, g.sort_order, g.label, n.total, {counts}
            FROM (
                SELECT d.organization_id, COUNT(*) AS total, {named}
                FROM recommendations_action_departments d
                JOIN actions l USING (action_id)
                GROUP BY d.organization_id
            ) n
            JOIN departments_organization g ON g.id = n.organization_id
            UNION ALL
            SELECT 'total', NULL, NULL, NULL, COUNT(*), {named}
            FROM actions l
            """,
            self._params(period=self.period.pk),
        )

    @staticmethod
    def _shiryo2_rows(rows):
        chapters, departments = {}, {}
        total = ClassificationRow(None, "合計（取組ごとに１回）")
        department_count = None
        for kind, key, number, title, count, *by_letter in rows:
            if kind == "chapter":
                if key not in chapters:
                    chapter = Chapter(pk=key, number=number, title=title)
                    chapters[key] = ClassificationRow(chapter, str(chapter))
                row = chapters[key]
            elif kind == "department":
                if key not in departments:
                    org = OrganizationKey(key, number, title)
                    departments[key] = ClassificationRow(org, org.label)
                row = departments[key]
            else:
                row, department_count = total, key
            row.total = count
            row.counts = dict(zip(LETTERS, by_letter, strict=True))
        by_chapter = sorted(chapters.values(), key=lambda r: r.key.number)
        by_department = sorted(departments.values(), key=_most_to_consider)
        if department_count is None:  # counted live: every department is there
            department_count = len(by_department)
        return [row for row in by_chapter if row.total], by_department, total, department_count

    def moves(self, limit, offset=0, change=None):
        """Actions whose 区分 changed since the previous period, grouped as Ｂ→Ａ, Ｃ→Ｂ, …
        An action's 区分 is its most advanced one (Ａ before Ｂ…). Each group names `limit` of
        its actions from `offset` in the document's order and counts them all (PostgreSQL cuts:
        what comes back grows with the kinds of change, not with the actions that moved).
        `change`: (before, after) for that group only."""
        if self.previous is None:
            return []
        in_scope = self._action_in_scope("a.id")
        changed = {}
        for action_id, old, new, count in _fetch(
            f"""
            SELECT action_id, old, new, count FROM (
                SELECT a.id AS action_id, old, new,
                       ROW_NUMBER() OVER (
                           PARTITION BY old, new ORDER BY c.number, p.number, a.number, a.id
                       ) AS place,
                       COUNT(*) OVER (PARTITION BY old, new) AS count
                FROM (
                    -- Both periods' reports of an action, from their letters kept by
                    -- PostgreSQL (in order: the first is the report's 区分). Only then the
                    -- actions that moved, with what orders them.
                    SELECT r.action_id, left(b.classifications, 1) AS old,
                           left(r.classifications, 1) AS new
                    FROM recommendations_actionreport r
                    JOIN recommendations_actionreport b
                      ON b.action_id = r.action_id AND b.period_id = %(before)s
                    WHERE r.period_id = %(now)s AND b.classifications <> ''
                      AND r.classifications <> ''
                      AND left(b.classifications, 1) <> left(r.classifications, 1)
                ) changed
                JOIN recommendations_action a ON a.id = changed.action_id
                JOIN recommendations_policy p ON p.id = a.policy_id
                JOIN recommendations_chapter c ON c.id = p.chapter_id
                WHERE a.repost_of_id IS NULL AND {in_scope}
            ) moved
            WHERE place > %(offset)s AND place <= %(offset)s + %(limit)s
              AND (%(old)s::text IS NULL OR (old = %(old)s::text AND new = %(new)s::text))
            ORDER BY old, new, place
            """,
            self._params(
                before=self.previous.pk,
                now=self.period.pk,
                limit=limit,
                offset=offset,
                old=change and change[0],
                new=change and change[1],
            ),
        ):
            changed.setdefault((old, new), Move(old, new, [], count)).actions.append(action_id)
        if not changed:
            return []
        reports = ActionReport.objects.filter(
            period=self.period, action_id__in=[a for m in changed.values() for a in m.actions]
        ).select_related("action__policy__chapter")
        by_action = {r.action_id: r for r in reports}
        for move in changed.values():
            move.actions = [by_action[a] for a in move.actions]
        return list(changed.values())

    # 資料3 and the tracker -------------------------------------------------------------------

    def shiryo3_matrix(self):
        """The category × job category matrix: an entry counts once in its cell when one of its
        sections is in scope. The categories, the job categories and the counts in one
        statement."""
        categories, jobs, counted = [], [], []
        sql = MATRIX_TALLY_SQL if self.scope is None else MATRIX_SQL
        found = _fetch(sql, self._params(period=self.period.pk))
        for kind, pk, number, text, count in found:
            if kind == "category":
                categories.append(Category(pk=pk, number=number, title=text))
            elif kind == "job":
                jobs.append(JobCategory(pk=pk, sort_order=number, name=text))
            else:
                counted.append((pk, number, text, count))
        categories.sort(key=lambda c: c.number)  # the models' order
        jobs.sort(key=lambda j: j.sort_order)
        cells = {(c.pk, j.pk): MatrixCell(c, j) for c in categories for j in jobs}
        for category, job, state, count in counted:
            cells[(category, job)].counts[state] = count
        return jobs, [(c, [cells[(c.pk, j.pk)] for j in jobs]) for c in categories]

    def tracker(self, limit, offset=0):
        """The entries counted per state under each section (資料3) and each of its action's
        departments (資料2) in scope: `limit` rows from `offset`, the most outstanding first.
        PostgreSQL counts, orders and cuts (one query, whatever the number of organisations)."""
        found = _fetch(TRACKER_SQL, self._params(period=self.period.pk, limit=limit, offset=offset))
        rows = []
        for document, pk, label, sort_order, *numbers, _, _ in found:
            organization = Organization(pk=pk, label=label, sort_order=sort_order)
            counts = Counter({s: n for s, n in zip(STATES, numbers, strict=True) if n})
            rows.append(TrackerRow(organization, document, counts))
        count, behind = (found[0][-2], found[0][-1]) if found else (0, 0)
        return Tracker(rows, count, behind)

    @property
    def overdue(self):
        deadline = self.period.deadline
        return bool(deadline and deadline < timezone.localdate() and not self.period.is_closed)

    def recent_changes(self, limit=20):
        """The latest changes to entries across the portal (a change of 実施状況 is also a new
        version of its report). One statement of plain values: the history records and the
        rows they name as model instances cost a third of the page."""
        changes = []
        for row in _fetch(RECENT_CHANGES_SQL, self._params(limit=limit)):
            document, when, kind, pk, period_id, chapter, subclass, policy, number = row[:9]
            user_pk, *user = row[9:]
            if document == "資料3":
                url_name = "initiatives:detail"
                what = initiative_reference(chapter, subclass, number)
            else:
                url_name, what = "recommendations:detail", action_reference(chapter, policy, number)
            if user_pk is not None:
                user = User(pk=user_pk, **dict(zip(USER_COLUMNS, user, strict=True)))
            changes.append(
                Change(
                    when,
                    user if user_pk is not None else None,
                    f"{document} {what}（{self.period_names.get(period_id)}）",
                    url_name,
                    pk,
                    KINDS[kind],
                )
            )
        return changes


def _most_to_consider(row):
    """The departments with the most actions still to consider (区分Ｃ・Ｄ) first, then those
    with the most actions, then in the organisations' order."""
    return (-(row.counts["C"] + row.counts["D"]), -row.total, row.key.sort_order, row.label)


def _fetch(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()

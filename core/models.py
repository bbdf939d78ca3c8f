from django.db import connection, models

# The tables whose rows the list pages show, directly or as filter choices. The migrations put a
# trigger on each that bumps the data revision; tests/test_data_revision.py checks that every
# table of these apps (bar the history tables) has it. accounts: only the memberships, which the
# 自分の担当分 filter reads (a login writes last_login and must not churn the caches).
REVISED_APPS = ["departments", "reporting", "initiatives", "recommendations"]
REVISED_EXTRA_TABLES = ["accounts_user_organizations"]
# Tables a list reads only through its key: the memberships, for 自分の担当分, whose key names the
# user's organisations (ListRevision.of_list). They keep no list revision, so that a new user or
# a transfer retires no list but that user's own.
KEYED_BY_MEMBER = ["accounts_user_organizations"]


def _number(sql):
    """The one number `sql` selects, 0 without a row. Plain SQL: it runs on every cached page,
    where the ORM's compilation would cost more than the query."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return row[0] if row else 0


class DataRevision(models.Model):
    """One row whose number changes, on commit, with every write to the tables above: database
    triggers (core/migrations) take it from a sequence, so a number once seen, or lost to a
    rolled-back transaction, never stands for other data: whatever writes (a page, the admin, an
    import, raw SQL), the next reader sees a new number. The lists are keyed by finer revisions
    (ListRevision) that come from the same sequence."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    number = models.BigIntegerField("リビジョン")

    class Meta:
        verbose_name = "データのリビジョン"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="one_data_revision")]

    def __str__(self):
        return str(self.number)

    @staticmethod
    def current():
        # No row only after a flush with no write since (an empty database).
        return _number("SELECT number FROM portal_datarevision WHERE id = 1")


# Per document (app): the list filter that picks one organisation's rows, and the table that
# links a row to the organisations answering for it.
LIST_ORGANIZATIONS = {
    "initiatives": ("section", "initiatives_initiative_sections"),
    "recommendations": ("department", "recommendations_action_departments"),
}
# Per document: the list filter that picks one group of rows (資料3's category, 資料2's chapter),
# its table and the suffix of its revisions (portal/migrations/0004).
LIST_GROUPS = {
    "initiatives": ("category", "initiatives_category", "category-"),
    "recommendations": ("chapter", "recommendations_chapter", "chapter-"),
}


class ListRevision(models.Model):
    """Revisions finer than the data revision, kept by the triggers of
    core/migrations/0002_list_revisions.py and 0004: 'master' changes with the master data, and
    '<app>:<period id>:<organisation id>', '<app>:<period id>:category-<id>' (資料3),
    '<app>:<period id>:chapter-<id>' (資料2) and '<app>:<period id>:*' with a document's
    per-period rows of that period and organisation, category or chapter. A list keyed by those
    it shows stays cached while other sections save."""

    key = models.CharField("キー", max_length=100, primary_key=True)
    number = models.BigIntegerField("リビジョン")

    class Meta:
        verbose_name = "一覧のリビジョン"

    def __str__(self):
        return f"{self.key}={self.number}"

    @staticmethod
    def master():
        """The master data's revision (0 if unchanged since the migration that added it)."""
        return _number("SELECT number FROM portal_listrevision WHERE key = 'master'")

    @staticmethod
    def master_of(revisions):
        """The master data's revision within a string of_list returned (as master())."""
        for part in revisions.split():
            key, _, number = part.partition("=")
            if key == "master":
                return int(number)
        return 0

    @staticmethod
    def of_list(app, params, member_id=None):
        """The revisions the list of `app`'s rows asked for by `params` (the query) depends on,
        as one string: the master data's, and those of the period shown (the current one unless
        the query names another; every change if it names no period, as the list then shows
        them all) for the organisations it shows: the one chosen in the filter when every value
        given is a valid choice (a wrong one shows them all), and those of the user `member_id`
        (自分の担当分); when neither restricts the list, those of the category (資料3) or chapter
        (資料2) chosen, else all of them."""
        name, through = LIST_ORGANIZATIONS[app]
        chosen = params.getlist(name)
        group_name, group_table, group_prefix = LIST_GROUPS[app]
        group = params.get(group_name) or ""
        sql = f"""
            WITH shown_period AS (
                SELECT id FROM reporting_reportingperiod WHERE code = %(period)s OR is_current
                ORDER BY code = %(period)s DESC LIMIT 1
            ), chosen AS (
                SELECT DISTINCT id FROM unnest(%(organizations)s::bigint[]) AS id
            ), valid AS (
                SELECT EXISTS (SELECT 1 FROM chosen) AND NOT EXISTS (
                    SELECT 1 FROM chosen WHERE NOT EXISTS (
                        SELECT 1 FROM {through} t WHERE t.organization_id = chosen.id)
                ) AS restricts
            ), grouped AS (
                -- The group chosen, if it is one (a wrong value filters nothing).
                SELECT %(group_prefix)s || id AS suffix FROM {group_table} WHERE id = %(group)s
            ), organizations AS (
                SELECT id::text AS suffix FROM chosen, valid WHERE valid.restricts
                UNION
                SELECT organization_id::text FROM accounts_user_organizations
                WHERE user_id = %(member)s
                UNION
                SELECT COALESCE((SELECT suffix FROM grouped), '*') FROM valid
                WHERE NOT valid.restricts AND %(member)s IS NULL
            )
            SELECT string_agg(key || '=' || number, ' ' ORDER BY key) FROM (
                -- The keys looked up by index (as `key = 'master' OR key IN (…)`, PostgreSQL
                -- read every key of every period and section).
                SELECT key, number FROM portal_listrevision
                WHERE key = ANY(ARRAY(
                    SELECT %(app)s || ':' || shown_period.id || ':' || suffix
                    FROM shown_period, organizations
                    UNION ALL
                    SELECT 'master'
                ))
                UNION ALL
                -- A period that is no choice: the list shows the rows of every period.
                SELECT 'data', number FROM portal_datarevision
                WHERE %(period)s <> '' AND NOT EXISTS (
                    SELECT 1 FROM reporting_reportingperiod WHERE code = %(period)s)
            ) AS revisions
        """
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                {
                    "period": params.get("period") or "",
                    # 0 (no organisation) for a value that cannot be one: the list shows all.
                    "organizations": [int(v) if v.isdigit() and len(v) < 19 else 0 for v in chosen],
                    "member": member_id,
                    "app": app,
                    "group": int(group) if group.isdigit() and len(group) < 19 else 0,
                    "group_prefix": group_prefix,
                },
            )
            return cursor.fetchone()[0] or ""

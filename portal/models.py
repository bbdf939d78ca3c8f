from django.db import connection, models

# The tables whose rows the list pages show, directly or as filter choices. The migrations put a
# trigger on each that bumps the data revision; tests/test_data_revision.py checks that every
# table of these apps (bar the history tables) has it. accounts: only the memberships, which the
# 自分の担当分 filter reads (a login writes last_login and must not churn the caches).
REVISED_APPS = ["departments", "reporting", "initiatives", "recommendations"]
REVISED_EXTRA_TABLES = ["accounts_user_organizations"]


class DataRevision(models.Model):
    """One row whose number changes, on commit, with every write to the tables above: database
    triggers (portal/migrations) take it from a sequence, so a number once seen, or lost to a
    rolled-back transaction, never stands for other data. Cached pages and lists are keyed by it
    and need no invalidation: whatever writes (a page, the admin, an import, raw SQL), the next
    reader sees a new number."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    number = models.BigIntegerField("リビジョン")

    class Meta:
        verbose_name = "データのリビジョン"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="one_data_revision")]

    def __str__(self):
        return str(self.number)

    @staticmethod
    def current():
        # Plain SQL: it runs on every cached page, where the ORM's compilation would cost more
        # than the query. No row only after a flush with no write since (an empty database).
        with connection.cursor() as cursor:
            cursor.execute("SELECT number FROM portal_datarevision WHERE id = 1")
            row = cursor.fetchone()
        return row[0] if row else 0

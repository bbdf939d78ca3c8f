"""Reads of the reporting cycle: a row's conversation, and the home page's お知らせ."""

import datetime
import functools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from accounts.roles import is_hq, organization_ids
from cycle.models import Comment, SentReminder, Visit
from reporting.access import may
from reporting.history import FieldChange, HistoryEvent
from reporting.models import EntryState, ReportingPeriod
from reporting.workflow import UNFINISHED, document_for, documents

# Older comments are not news any more, read or not.
NEWS_DAYS = 30
NEWS_LIMIT = 20
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def conversation(user, entry):
    """The row's comments, oldest first, and what the user may do in the conversation."""
    content_type = ContentType.objects.get_for_model(entry)
    comments = Comment.objects.filter(content_type=content_type, object_id=entry.pk)
    return {
        "comments": list(comments.select_related("author")),
        "may_comment": may(user, "comment", entry),
        "may_withdraw": may(user, "withdraw", entry),
        "slug": document_for(entry).slug,
    }


def with_comments(history, comments):
    """The row's history events (newest first) with its comments among them. A return's
    comment is there already, as the change of 差戻しコメント."""
    events = list(history) + [
        HistoryEvent(
            c.created_at, c.author, "コメント", [FieldChange("コメント", "", c.body, True)]
        )
        for c in comments
        if c.kind == Comment.Kind.COMMENT
    ]
    return sorted(events, key=lambda event: event.when, reverse=True)


# One statement stamps the visit and gives back the one before (the CTE reads the snapshot
# the statement started with).
_STAMP_VISIT = f"""
WITH before AS (
    SELECT seen_at FROM {Visit._meta.db_table}
    WHERE user_id = %(user)s AND content_type_id = %(type)s AND object_id = %(id)s
)
INSERT INTO {Visit._meta.db_table} (user_id, content_type_id, object_id, seen_at)
VALUES (%(user)s, %(type)s, %(id)s, %(now)s)
ON CONFLICT (user_id, content_type_id, object_id) DO UPDATE SET seen_at = EXCLUDED.seen_at
RETURNING (SELECT seen_at FROM before)
"""


def mark_seen(user, entry):
    """Record that the user opened the row now; returns when they had opened it before."""
    params = {
        "user": user.pk,
        "type": ContentType.objects.get_for_model(entry).pk,
        "id": entry.pk,
        "now": timezone.now(),
    }
    with connection.cursor() as cursor:
        cursor.execute(_STAMP_VISIT, params)
        return cursor.fetchone()[0]


@dataclass
class Deadline:
    period: ReportingPeriod
    days_left: int

    @property
    def days_over(self):
        return -self.days_left


@dataclass
class Notices:
    deadlines: list
    returned: list
    earlier_unfinished: list
    commented: list
    changed: list

    def __bool__(self):
        return any(
            (self.deadlines, self.returned, self.earlier_unfinished, self.commented, self.changed)
        )


def _sees_all(user):
    return is_hq(user) or user.is_superuser


def _scope_sql(document, alias):
    """SQL true when the entry `alias` is answered for by one of %(orgs)s: the document's
    `organizations` lookup (entry → foreign key → many-to-many to the organisations) as an
    EXISTS on the many-to-many's table."""
    fk_name, m2m_name = document.organizations.split("__")
    fk = document.model._meta.get_field(fk_name)
    m2m = fk.related_model._meta.get_field(m2m_name)
    return (
        f"EXISTS (SELECT 1 FROM {m2m.m2m_db_table()} t"
        f" WHERE t.{m2m.m2m_column_name()} = {alias}.{fk.column}"
        f" AND t.{m2m.m2m_reverse_name()} = ANY(%(orgs)s))"
    )


@functools.cache
def _notices_sql():
    """One statement for every document: the user's rows in open periods worth telling about,
    with their new comments (count, and the latest one). Written once per process: building
    the same thing with the ORM's nested subqueries cost more than the rest of the home page."""
    parts = []
    for index, document in enumerate(documents()):
        content_type = f"%(type{index})s"
        parts.append(
            f"""
            SELECT {index} AS document, e.id, p.results_until, v.seen_at,
                   mine.yes AND NOT %(all)s AND (e.state = %(returned)s
                       OR (e.state = ANY(%(unfinished)s) AND NOT p.is_current)) AS waiting,
                   news.count, news.created_at, news.body, news.username, news.name,
                   v.seen_at IS NOT NULL AND e.updated_at > v.seen_at
                       AND e.updated_by_id IS DISTINCT FROM %(user)s AS changed
            FROM {document.model._meta.db_table} e
            JOIN {ReportingPeriod._meta.db_table} p ON p.id = e.period_id AND NOT p.is_closed
            LEFT JOIN {Visit._meta.db_table} v
                ON v.user_id = %(user)s AND v.content_type_id = {content_type}
                AND v.object_id = e.id
            CROSS JOIN LATERAL (SELECT %(all)s OR {_scope_sql(document, "e")} AS yes) mine
            LEFT JOIN LATERAL (
                SELECT COUNT(*) OVER () AS count, c.created_at, c.body, u.username,
                       COALESCE(u.last_name, '') || COALESCE(u.first_name, '') AS name
                FROM {Comment._meta.db_table} c
                LEFT JOIN {get_user_model()._meta.db_table} u ON u.id = c.author_id
                WHERE c.content_type_id = {content_type} AND c.object_id = e.id
                  AND c.created_at >= %(since)s
                  AND c.created_at > COALESCE(v.seen_at, %(epoch)s)
                  AND c.author_id IS DISTINCT FROM %(user)s
                ORDER BY c.created_at DESC, c.id DESC
                LIMIT 1
            ) news ON TRUE
            -- Only the rows that can be news: with a recent comment by someone else, opened by
            -- the user, or (section staff) theirs; not every row of the open periods.
            WHERE e.id IN (
                SELECT object_id FROM {Comment._meta.db_table}
                WHERE content_type_id = {content_type} AND created_at >= %(since)s
                  AND author_id IS DISTINCT FROM %(user)s
                UNION ALL
                SELECT object_id FROM {Visit._meta.db_table}
                WHERE user_id = %(user)s AND content_type_id = {content_type}
                UNION ALL
                SELECT s.id FROM {document.model._meta.db_table} s
                WHERE NOT %(all)s AND {_scope_sql(document, "s")}
            ) AND (
               (mine.yes AND NOT %(all)s AND (e.state = %(returned)s
                       OR (e.state = ANY(%(unfinished)s) AND NOT p.is_current)))
               OR (v.seen_at IS NOT NULL AND e.updated_at > v.seen_at
                   AND e.updated_by_id IS DISTINCT FROM %(user)s)
               OR (mine.yes AND news.count IS NOT NULL))"""
        )
    return " UNION ALL ".join(parts) + " ORDER BY 1, 3, 2"


def notices(user, today=None):
    """A constant number of queries whatever the data: the open periods, one statement that
    finds the rows worth telling about in every document, and for each document that has any,
    its rows as the notices name them."""
    today = today or timezone.localdate()
    open_periods = list(ReportingPeriod.objects.filter(is_closed=False).order_by("results_until"))
    result = Notices(
        deadlines=[
            Deadline(p, (p.deadline - today).days) for p in open_periods if p.deadline is not None
        ],
        returned=[],
        earlier_unfinished=[],
        commented=[],
        changed=[],
    )
    if not open_periods:
        return result
    params = {
        "user": user.pk,
        # The HQ follows sections through the lists and the dashboard, not row by row: all rows
        # are theirs for the comments, none waits for them.
        "all": _sees_all(user),
        "orgs": [] if _sees_all(user) else list(organization_ids(user)),
        "since": timezone.now() - datetime.timedelta(days=NEWS_DAYS),
        "epoch": EPOCH,
        "returned": EntryState.RETURNED,
        "unfinished": list(UNFINISHED),
    }
    all_documents = documents()
    for index, document in enumerate(all_documents):
        params[f"type{index}"] = ContentType.objects.get_for_model(document.model).pk
    with connection.cursor() as cursor:
        cursor.execute(_notices_sql(), params)
        found = cursor.fetchall()
    wanted = {}
    for index, pk, *_ in found:
        wanted.setdefault(index, []).append(pk)
    entries = {}
    for index, pks in wanted.items():
        document = all_documents[index]
        for entry in document.rows().select_related("updated_by").filter(pk__in=pks):
            entries[(index, entry.pk)] = entry
    for index, pk, _, seen_at, waiting, news, news_at, body, by, name, changed in found:
        row = entries[(index, pk)]
        row.document = all_documents[index]
        row.title = row.document.title(row)
        row.seen_at, row.waiting, row.news, row.news_at = seen_at, waiting, news, news_at
        row.news_body, row.news_by, row.news_by_name = body, by, name
        if waiting and row.state == EntryState.RETURNED:
            result.returned.append(row)
        if waiting and not row.period.is_current:
            result.earlier_unfinished.append(row)
        if news:
            result.commented.append(row)
        if changed:
            result.changed.append(row)
    result.commented.sort(key=lambda r: r.news_at, reverse=True)
    result.changed.sort(key=lambda r: r.updated_at, reverse=True)
    del result.commented[NEWS_LIMIT:]
    del result.changed[NEWS_LIMIT:]
    return result


def sent_reminders():
    return SentReminder.objects.select_related("period", "organization").order_by("-sent_at", "pk")[
        :500
    ]

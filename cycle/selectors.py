"""Reads of the reporting cycle: a row's conversation, and the home page's お知らせ."""

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat
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


def _mine(document, user):
    """The user's rows in open periods: all of them for the HQ, else their sections'."""
    rows = document.model.objects.filter(period__is_closed=False)
    if _sees_all(user):
        return rows
    return rows.filter(**{f"{document.organizations}__in": organization_ids(user)})


def _sees_all(user):
    return is_hq(user) or user.is_superuser


def _seen_at(user, content_type, object_id):
    return Subquery(
        Visit.objects.filter(user=user, content_type=content_type, object_id=object_id).values(
            "seen_at"
        )[:1],
        output_field=DateTimeField(),
    )


def notices(user, today=None):
    """Three queries whatever the data: the open periods, and for each document the rows worth
    telling about with their new comments."""
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
    since = timezone.now() - datetime.timedelta(days=NEWS_DAYS)
    for document in documents():
        content_type = ContentType.objects.get_for_model(document.model)
        seen_at = _seen_at(user, content_type, OuterRef("pk"))
        new_comments = (
            Comment.objects.filter(
                content_type=content_type,
                object_id=OuterRef("pk"),
                created_at__gte=since,
                created_at__gt=Coalesce(
                    _seen_at(user, content_type, OuterRef(OuterRef("pk"))), Value(EPOCH)
                ),
            )
            .exclude(author=user)
            .order_by("-created_at")
        )
        mine = Q(pk__in=_mine(document, user).values("pk"))
        if _sees_all(user):
            # The HQ follows sections through the lists and the dashboard, not row by row.
            waiting = Q(pk__isnull=True)  # never
        else:
            waiting = mine & (
                Q(state=EntryState.RETURNED) | Q(state__in=UNFINISHED, period__is_current=False)
            )
        changed = Q(seen_at__isnull=False, updated_at__gt=F("seen_at")) & ~Q(updated_by=user)
        rows = (
            document.rows()
            .select_related("updated_by")
            .filter(period__is_closed=False)
            .annotate(
                seen_at=seen_at,
                waiting=ExpressionWrapper(waiting, output_field=BooleanField()),
                has_news=Exists(new_comments),
            )
            .filter(waiting | changed | (mine & Q(has_news=True)))
            .annotate(
                news=Subquery(
                    new_comments.order_by()
                    .values("object_id")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                news_at=Subquery(new_comments.values("created_at")[:1]),
                news_body=Subquery(new_comments.values("body")[:1]),
                news_by=Subquery(new_comments.values("author__username")[:1]),
                news_by_name=Subquery(
                    new_comments.annotate(
                        name=Concat("author__last_name", "author__first_name")
                    ).values("name")[:1]
                ),
            )
            .order_by("period__results_until", "pk")
        )
        for row in rows:
            row.title = document.title(row)
            row.document = document
            if row.waiting and row.state == EntryState.RETURNED:
                result.returned.append(row)
            if row.waiting and not row.period.is_current:
                result.earlier_unfinished.append(row)
            if row.news:
                result.commented.append(row)
            if row.seen_at and row.updated_at > row.seen_at and row.updated_by_id != user.pk:
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

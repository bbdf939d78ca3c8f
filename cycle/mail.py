"""Workflow mail: the section's users hear when the HQ returns (with the comment) or approves a
row, the HQ hears when a section submits. `entry_recorded` hears of every workflow write
(registered with reporting.workflow.on_recorded); mail leaves only after the transaction
commits, one message per person and kind however many rows one action touched. Inactive users
and users without an address get none."""

import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string

from accounts.models import HQ_GROUP
from cycle.models import Comment
from reporting.models import EntryState
from reporting.workflow import document_for

logger = logging.getLogger(__name__)


def absolute_url(entry):
    """The row's page at the address people open the portal at (PORTAL_URL)."""
    return settings.PORTAL_URL.rstrip("/") + document_for(entry).path(entry)


SUBMITTED, RETURNED, APPROVED = "submitted", "returned", "approved"
KIND_OF_STATE = {
    EntryState.SUBMITTED: SUBMITTED,
    EntryState.RETURNED: RETURNED,
    EntryState.APPROVED: APPROVED,
}
SUBJECTS = {
    SUBMITTED: "【取組管理ポータル】報告が提出されました（{count}件）",
    RETURNED: "【取組管理ポータル】報告が差戻されました（{count}件）",
    APPROVED: "【取組管理ポータル】報告が承認されました（{count}件）",
}


@dataclass(frozen=True)
class Event:
    kind: str
    title: str
    url: str
    period: str
    organizations: str
    comment: str
    organization_ids: frozenset
    actor_id: int | None
    actor: str


def entry_recorded(entry, *, before, user, comment=None):
    """The workflow moved `entry` from state `before` to its current state: put a return's
    comment into the row's conversation and queue the mail."""
    after = entry.state
    if after == before:
        return
    if after == EntryState.RETURNED and comment:
        Comment.objects.create(
            content_type=ContentType.objects.get_for_model(entry),
            object_id=entry.pk,
            author=user,
            kind=Comment.Kind.RETURN,
            body=comment,
        )
    kind = KIND_OF_STATE.get(after)
    if kind is None:
        return
    organizations = list(entry.responsible_organizations())
    _queue(
        Event(
            kind=kind,
            title=document_for(entry).title(entry),
            url=absolute_url(entry),
            period=entry.period.name,
            organizations="、".join(o.label for o in organizations),
            comment=comment or "",
            organization_ids=frozenset(o.pk for o in organizations),
            actor_id=getattr(user, "pk", None),
            actor=_name(user) if user is not None else "",
        )
    )


# --- sending after commit ---------------------------------------------------------------------

_local = threading.local()


class _Outbox:
    """The events of one transaction, sent when it commits (dropped with it on rollback)."""

    def __init__(self):
        self.events = []
        self.sent = False

    def __call__(self):
        self.sent = True
        send_events(self.events)


def _queue(event):
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        send_events([event])
        return
    outbox = getattr(_local, "outbox", None)
    registered = outbox is not None and any(
        callback is outbox for _, callback, _ in connection.run_on_commit
    )
    if not registered or outbox.sent:
        outbox = _local.outbox = _Outbox()
        transaction.on_commit(outbox, robust=True)
    outbox.events.append(event)


def send_events(events):
    messages = [message(user, kind, mine) for user, kind, mine in _by_recipient(events)]
    if messages:
        get_connection().send_messages(messages)
    return messages


def _by_recipient(events):
    """(user, kind, that user's events of the kind) for every person who should hear."""
    User = get_user_model()
    people = User.objects.filter(is_active=True).exclude(email="")
    section_events = [e for e in events if e.kind in (RETURNED, APPROVED)]
    hq_events = [e for e in events if e.kind == SUBMITTED]
    result = []
    if section_events:
        ids = frozenset().union(*(e.organization_ids for e in section_events))
        members = people.filter(organizations__in=ids).prefetch_related("organizations")
        for user in members.distinct().order_by("username"):
            own = {o.pk for o in user.organizations.all()}
            for kind in (RETURNED, APPROVED):
                mine = [
                    e
                    for e in section_events
                    if e.kind == kind and e.organization_ids & own and e.actor_id != user.pk
                ]
                if mine:
                    result.append((user, kind, mine))
    if hq_events:
        for user in people.filter(groups__name=HQ_GROUP).distinct().order_by("username"):
            mine = [e for e in hq_events if e.actor_id != user.pk]
            if mine:
                result.append((user, SUBMITTED, mine))
    return result


def _name(user):
    return user.get_full_name() or user.get_username()


def message(user, kind, events):
    body = render_to_string(
        f"cycle/mail/{kind}.txt", {"name": _name(user), "events": events, "user": user}
    )
    return EmailMessage(
        subject=SUBJECTS[kind].format(count=len(events)), body=body, to=[user.email]
    )

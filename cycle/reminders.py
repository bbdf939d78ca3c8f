"""Reminders by date (`manage.py send_reminders`, run daily by cron or a systemd timer):

- on each configured day before a period's deadline (REMINDER_DAYS, default 14, 7 and 1), each
  section or department with rows not yet submitted gets one mail listing them, to each of its
  users with an address;
- from the day after the deadline, the HQ gets one digest a day of the overdue sections.

What went out is recorded (SentReminder, one per kind, period, section and day) before the mail
leaves, in the same transaction: a second run the same day finds the record and sends nothing,
and a mail server that refuses leaves no record, so the next run tries again. People without
an address are named in the record and in the HQ's digest instead of being skipped silently."""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import HQ_GROUP
from cycle.mail import absolute_url
from cycle.models import SentReminder
from departments.models import Organization
from reporting.models import ReportingPeriod
from reporting.workflow import UNFINISHED, documents

Kind = SentReminder.Kind
SUBJECTS = {
    Kind.BEFORE_DEADLINE: (
        "【取組管理ポータル】{period}の提出期限まであと{days}日です（未提出{rows}件）"
    ),
    Kind.OVERDUE_DIGEST: "【取組管理ポータル】{period}の提出期限を過ぎた課・部（{sections}）",
}


@dataclass
class Section:
    """One organization's unsubmitted rows in a period."""

    organization: Organization
    rows: list = field(default_factory=list)
    recipients: list = field(default_factory=list)
    without_address: list = field(default_factory=list)

    def count(self, document_label):
        return sum(1 for r in self.rows if r.document.label == document_label)


@dataclass
class Reminder:
    kind: str
    period: ReportingPeriod
    days_left: int
    organization: Organization | None
    recipients: list
    without_address: list
    sections: list  # one Section for a section's reminder, all overdue ones for the digest

    @property
    def rows(self):
        return sum(len(s.rows) for s in self.sections)

    def subject(self):
        return SUBJECTS[self.kind].format(
            period=self.period.name,
            days=self.days_left,
            rows=self.rows,
            sections=f"{len(self.sections)}件",
        )


def _name(user):
    return user.get_full_name() or user.get_username()


def unsubmitted_by_organization(period):
    """Organization → Section with the period's rows not yet submitted and its people."""
    sections = {}
    for document in documents():
        rows = (
            document.rows()
            .filter(period=period, state__in=UNFINISHED)
            .prefetch_related(document.organizations)
            .order_by("pk")
        )
        for row in rows:
            row.title = document.title(row)
            row.url = absolute_url(row)
            row.document = document
            for organization in row.responsible_organizations():
                sections.setdefault(organization.pk, Section(organization)).rows.append(row)
    people = (
        get_user_model()
        .objects.filter(is_active=True, organizations__in=list(sections))
        .prefetch_related("organizations")
        .distinct()
        .order_by("username")
    )
    for user in people:
        for organization in user.organizations.all():
            if organization.pk in sections:
                section = sections[organization.pk]
                (section.recipients if user.email else section.without_address).append(user)
    return sorted(sections.values(), key=lambda s: s.organization.label)


def due(today=None):
    """The reminders due today, whether or not already sent."""
    today = today or timezone.localdate()
    reminders = []
    periods = ReportingPeriod.objects.filter(is_closed=False, deadline__isnull=False)
    for period in periods.order_by("results_until"):
        days_left = (period.deadline - today).days
        if days_left in settings.REMINDER_DAYS:
            for section in unsubmitted_by_organization(period):
                reminders.append(
                    Reminder(
                        Kind.BEFORE_DEADLINE,
                        period,
                        days_left,
                        section.organization,
                        section.recipients,
                        section.without_address,
                        [section],
                    )
                )
        elif days_left < 0:
            overdue = unsubmitted_by_organization(period)
            if not overdue:
                continue
            hq = get_user_model().objects.filter(is_active=True, groups__name=HQ_GROUP)
            hq = list(hq.distinct().order_by("username"))
            without = {u.pk: u for s in overdue for u in s.without_address}
            without.update({u.pk: u for u in hq if not u.email})
            reminders.append(
                Reminder(
                    Kind.OVERDUE_DIGEST,
                    period,
                    days_left,
                    None,
                    [u for u in hq if u.email],
                    list(without.values()),
                    overdue,
                )
            )
    return reminders


def messages_for(reminder):
    template = f"cycle/mail/{reminder.kind}.txt"
    context = {
        "reminder": reminder,
        "period": reminder.period,
        "days_over": -reminder.days_left,
        "list_url": settings.PORTAL_URL.rstrip("/") + reverse("home"),
    }
    return [
        EmailMessage(
            subject=reminder.subject(),
            body=render_to_string(template, {**context, "name": _name(user)}),
            to=[user.email],
        )
        for user in reminder.recipients
    ]


def already_sent(reminder, today):
    return SentReminder.objects.filter(
        kind=reminder.kind,
        period=reminder.period,
        organization=reminder.organization,
        sent_on=today,
    ).exists()


def send(reminder, today):
    """Record and send one reminder; False if it had gone out today already."""
    try:
        with transaction.atomic():
            SentReminder.objects.create(
                kind=reminder.kind,
                period=reminder.period,
                organization=reminder.organization,
                sent_on=today,
                days_left=reminder.days_left,
                rows=reminder.rows,
                recipients="\n".join(f"{_name(u)} <{u.email}>" for u in reminder.recipients),
                without_address="\n".join(
                    f"{_name(u)}（{u.get_username()}）" for u in reminder.without_address
                ),
            )
            messages = messages_for(reminder)
            if messages:
                get_connection().send_messages(messages)
    except IntegrityError:
        return False  # another run recorded it first
    return True

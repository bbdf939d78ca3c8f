"""`manage.py send_reminders`: sections hear on the configured days before the deadline of
their rows not yet submitted, the HQ gets a digest of overdue sections from the day after;
nothing goes out twice on one day; people without an address are named for the HQ."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from cycle.models import SentReminder
from departments.models import Organization
from initiatives.models import ProgressEntry
from recommendations.models import ActionReport
from reporting.models import EntryState
from tests.helpers import set_state
from tests.smtp import body, free_port

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2023, 10, 31)
HOGO_SECTION = "保）保護課"
UNFINISHED = (EntryState.NOT_STARTED, EntryState.DRAFT, EntryState.RETURNED)


@pytest.fixture
def deadline(period):
    period.deadline = DEADLINE
    period.save()
    return period


def run(day, *args):
    out = StringIO()
    call_command("send_reminders", "--date", day.isoformat(), *args, stdout=out, stderr=out)
    return out.getvalue()


def unsubmitted_of(label):
    """pks of the period's rows that `label` answers for and has not submitted."""
    return {
        *ProgressEntry.objects.filter(
            period__code="R5H1", initiative__sections__label=label, state__in=UNFINISHED
        ).values_list("pk", flat=True)
    }, {
        *ActionReport.objects.filter(
            period__code="R5H1", action__departments__label=label, state__in=UNFINISHED
        ).values_list("pk", flat=True)
    }


def organizations_with_unsubmitted():
    labels = set()
    for entry in ProgressEntry.objects.filter(period__code="R5H1", state__in=UNFINISHED):
        labels |= {s.label for s in entry.initiative.sections.all()}
    for report in ActionReport.objects.filter(period__code="R5H1", state__in=UNFINISHED):
        labels |= {d.label for d in report.action.departments.all()}
    return labels


def test_a_week_before_the_deadline_each_section_gets_one_mail_listing_its_rows(
    deadline, hogo, mailoutbox
):
    submitted = set_state(
        ProgressEntry.objects.filter(
            period=deadline, initiative__sections__label=HOGO_SECTION
        ).first(),
        EntryState.SUBMITTED,
    )
    run(DEADLINE - datetime.timedelta(days=7))
    to_hogo = [m for m in mailoutbox if m.to == [hogo.email]]
    assert len(to_hogo) == 1
    mail = to_hogo[0]
    assert "あと7日" in mail.subject
    progress, reports = unsubmitted_of(HOGO_SECTION)
    linked = {
        int(line.rsplit("/shiryo3/", 1)[1].strip("/"))
        for line in mail.body.splitlines()
        if "/shiryo3/" in line
    }
    assert linked == progress and reports == set()
    assert submitted.pk not in linked
    assert "令和５年10月31日" in mail.body
    # One record per section or department with unsubmitted rows, whether it has people or not.
    records = SentReminder.objects.filter(kind=SentReminder.Kind.BEFORE_DEADLINE)
    assert {r.organization.label for r in records} == organizations_with_unsubmitted()
    assert records.get(organization__label=HOGO_SECTION).rows == len(progress)


def test_running_twice_on_one_day_sends_nothing_twice(deadline, mailoutbox):
    day = DEADLINE - datetime.timedelta(days=14)
    run(day)
    sent, records = len(mailoutbox), SentReminder.objects.count()
    assert sent > 0
    output = run(day)
    assert len(mailoutbox) == sent
    assert SentReminder.objects.count() == records
    assert "[送信済みのため省略]" in output and "[送信]" not in output


@pytest.mark.parametrize("days_before", [13, 6, 2, 0])
def test_nothing_is_sent_on_other_days(deadline, mailoutbox, days_before):
    run(DEADLINE - datetime.timedelta(days=days_before))
    assert mailoutbox == [] and SentReminder.objects.count() == 0


def test_the_days_are_configurable(deadline, mailoutbox, settings):
    settings.REMINDER_DAYS = [3]
    run(DEADLINE - datetime.timedelta(days=7))
    assert mailoutbox == []
    run(DEADLINE - datetime.timedelta(days=3))
    assert mailoutbox and all("あと3日" in m.subject for m in mailoutbox)


def test_a_dry_run_says_who_would_get_what_and_sends_nothing(deadline, hogo, mailoutbox):
    output = run(DEADLINE - datetime.timedelta(days=1), "--dry-run")
    assert mailoutbox == [] and SentReminder.objects.count() == 0
    assert f"[送信予定] before_deadline: 令和５年度上半期 {HOGO_SECTION}" in output
    assert hogo.email in output
    assert "件名: 【取組管理ポータル】令和５年度上半期の提出期限まであと1日です" in output


def test_after_the_deadline_the_hq_gets_one_digest_a_day_naming_people_without_address(
    deadline, honbu, hogo, mailoutbox
):
    nobody = get_user_model().objects.create(username="noaddress", last_name="宛先なし担当")
    nobody.organizations.add(Organization.objects.get(label=HOGO_SECTION))
    day = DEADLINE + datetime.timedelta(days=1)
    output = run(day)
    assert [m.to for m in mailoutbox] == [[honbu.email]]
    digest = mailoutbox[0].body
    for label in organizations_with_unsubmitted():
        assert f"■ {label}：" in digest
    assert "期限（令和５年10月31日）を1日過ぎました" in digest
    assert "宛先なし担当（noaddress）" in digest
    assert "メールアドレスがありません: 宛先なし担当（noaddress）" in output
    record = SentReminder.objects.get(kind=SentReminder.Kind.OVERDUE_DIGEST)
    assert "noaddress" in record.without_address and honbu.email in record.recipients

    run(day)
    assert len(mailoutbox) == 1
    run(day + datetime.timedelta(days=1))
    assert len(mailoutbox) == 2


def test_a_closed_period_reminds_nobody(deadline, mailoutbox):
    deadline.is_closed = True
    deadline.save()
    run(DEADLINE - datetime.timedelta(days=7))
    run(DEADLINE + datetime.timedelta(days=1))
    assert mailoutbox == []


def test_reminders_reach_a_real_smtp_server(deadline, hogo, smtp):
    run(DEADLINE - datetime.timedelta(days=7))
    received = smtp.to(hogo.email)
    assert len(received) == 1
    text = body(received[0])
    assert text.startswith("保護課担当 様")
    assert "まだ提出されていない行が" in text
    assert "あと7日" in received[0]["Subject"]


def test_a_refusing_mail_server_leaves_no_record_so_the_next_run_sends(
    deadline, hogo, smtp, smtp_server, settings
):
    settings.EMAIL_PORT = free_port()  # nobody listens there
    with pytest.raises(CommandError):
        run(DEADLINE - datetime.timedelta(days=7))
    # Only the reminders that had nobody to go to are recorded (with their missing people).
    assert not SentReminder.objects.exclude(recipients="").exists()
    assert not SentReminder.objects.filter(organization__label=HOGO_SECTION).exists()
    settings.EMAIL_PORT = smtp_server.port
    run(DEADLINE - datetime.timedelta(days=7))
    assert len(smtp.to(hogo.email)) == 1


def test_the_hq_sees_what_was_sent_and_sections_do_not(deadline, client, honbu, hogo):
    run(DEADLINE - datetime.timedelta(days=7))
    client.force_login(honbu)
    page = client.get(reverse("cycle:reminders")).content.decode()
    assert HOGO_SECTION in page and hogo.email in page
    client.force_login(hogo)
    assert client.get(reverse("cycle:reminders")).status_code == 403

"""Workflow mail: the section hears of a return (with the comment) or an approval, the HQ of a
submission; only after the transaction commits; never inactive users or users without an
address. Checked in Django's outbox and through a real SMTP server."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from accounts.models import HQ_GROUP
from cycle.mail import SUBJECTS
from departments.models import Organization
from reporting import services
from reporting.models import EntryState
from tests.helpers import bulk_post, current_entry, current_report, progress_post, set_state
from tests.smtp import body

pytestmark = pytest.mark.django_db

HOGO_SECTION = "保）保護課"
COMMENT = "研修の回数と参加人数を書き足してください。"


def section_people(entry, *, actor=None):
    """Addresses that should hear about the entry: active members of its sections with one."""
    people = get_user_model().objects.filter(
        is_active=True, organizations__in=entry.responsible_organizations()
    )
    return {u.email for u in people.exclude(email="").distinct() if u != actor}


def hq_people(*, actor=None):
    people = get_user_model().objects.filter(is_active=True, groups__name=HQ_GROUP)
    return {u.email for u in people.exclude(email="").distinct() if u != actor}


def submitted(entry):
    return set_state(entry, EntryState.SUBMITTED)


def review(client, app, entry, decision, comment=""):
    data = {"decision": decision, "comment": comment, "version": entry.version}
    return client.post(reverse(f"{app}:review", args=[entry.pk]), data)


def test_a_return_mails_the_sections_users_the_comment_and_a_link_to_the_row(
    client, honbu, hogo, mailoutbox, django_capture_on_commit_callbacks
):
    entry = submitted(current_entry(HOGO_SECTION))
    client.force_login(honbu)
    with django_capture_on_commit_callbacks(execute=True):
        review(client, "initiatives", entry, "return", COMMENT)
    assert {m.to[0] for m in mailoutbox} == section_people(entry) != set()
    mail = next(m for m in mailoutbox if m.to == [hogo.email])
    assert mail.subject == SUBJECTS["returned"].format(count=1)
    assert COMMENT in mail.body
    assert f"{settings.PORTAL_URL}/shiryo3/{entry.pk}/" in mail.body
    assert entry.reference in mail.body
    assert mail.body.startswith("保護課担当 様")


def test_an_approval_mails_the_sections_users(
    client, honbu, jisou, mailoutbox, django_capture_on_commit_callbacks
):
    report = submitted(current_report("子）児童相談所"))
    client.force_login(honbu)
    with django_capture_on_commit_callbacks(execute=True):
        review(client, "recommendations", report, "approve")
    assert {m.to[0] for m in mailoutbox} == section_people(report)
    mail = next(m for m in mailoutbox if m.to == [jisou.email])
    assert mail.subject == SUBJECTS["approved"].format(count=1)
    assert f"{settings.PORTAL_URL}/shiryo2/{report.pk}/" in mail.body


def test_a_submission_mails_the_hq_and_not_the_section(
    client, hogo, honbu, mailoutbox, django_capture_on_commit_callbacks
):
    entry = current_entry(HOGO_SECTION)
    client.force_login(hogo)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("initiatives:edit", args=[entry.pk]), progress_post(entry, submit=True))
    entry.refresh_from_db()
    assert entry.state == EntryState.SUBMITTED
    assert {m.to[0] for m in mailoutbox} == hq_people() == {honbu.email}
    assert mailoutbox[0].subject == SUBJECTS["submitted"].format(count=1)
    assert HOGO_SECTION in mailoutbox[0].body


def test_a_draft_save_sends_no_mail(client, hogo, mailoutbox, django_capture_on_commit_callbacks):
    entry = current_entry(HOGO_SECTION)
    client.force_login(hogo)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("initiatives:edit", args=[entry.pk]), progress_post(entry))
    assert mailoutbox == []


def test_mail_waits_for_the_commit_and_a_rollback_sends_none(
    honbu, mailoutbox, django_capture_on_commit_callbacks
):
    entry = submitted(current_entry(HOGO_SECTION))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.approve(entries=[entry], user=honbu)
    assert mailoutbox == [] and len(callbacks) == 1

    other = submitted(current_entry("子）地域連携課"))
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.approve(entries=[other], user=honbu)
        raise RuntimeError("the write fails after the approval")
    assert mailoutbox == []


def test_inactive_users_and_users_without_an_address_get_no_mail(
    client, honbu, hogo, mailoutbox, django_capture_on_commit_callbacks
):
    section = Organization.objects.get(label=HOGO_SECTION)
    User = get_user_model()
    gone = User.objects.create(username="gone", email="gone@example.jp", is_active=False)
    silent = User.objects.create(username="silent", email="")
    for user in (gone, silent):
        user.organizations.add(section)
    entry = submitted(current_entry(HOGO_SECTION))
    client.force_login(honbu)
    with django_capture_on_commit_callbacks(execute=True):
        review(client, "initiatives", entry, "return", COMMENT)
    addresses = [m.to[0] for m in mailoutbox]
    assert hogo.email in addresses
    assert "gone@example.jp" not in addresses
    assert all(address for address in addresses)


def test_a_bulk_return_sends_each_person_one_mail_listing_every_row(
    client, honbu, hogo, mailoutbox, django_capture_on_commit_callbacks
):
    from initiatives.models import ProgressEntry

    rows = list(
        ProgressEntry.objects.filter(
            period__code="R5H1", initiative__sections__label=HOGO_SECTION
        ).order_by("pk")[:3]
    )
    for row in rows:
        submitted(row)
    client.force_login(honbu)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("initiatives:bulk"),
            bulk_post("return", rows, comment=COMMENT),
        )
    to_hogo = [m for m in mailoutbox if m.to == [hogo.email]]
    assert len(to_hogo) == 1
    assert to_hogo[0].subject == SUBJECTS["returned"].format(count=len(rows))
    for row in rows:
        assert f"/shiryo3/{row.pk}/" in to_hogo[0].body


def test_a_return_reaches_a_real_smtp_server_in_japanese(
    client, honbu, hogo, smtp, django_capture_on_commit_callbacks
):
    entry = submitted(current_entry(HOGO_SECTION))
    client.force_login(honbu)
    with django_capture_on_commit_callbacks(execute=True):
        review(client, "initiatives", entry, "return", COMMENT)
    received = smtp.to(hogo.email)
    assert len(received) == 1
    message = received[0]
    # Django folds a long encoded subject onto the next line; readers drop the fold.
    assert message["Subject"].strip() == SUBJECTS["returned"].format(count=1)
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    text = body(message)
    assert COMMENT in text
    assert f"{settings.PORTAL_URL}/shiryo3/{entry.pk}/" in text
    assert {rcpt for e in smtp.envelopes for rcpt in e.rcpt_tos} == section_people(entry)


def test_the_demo_users_have_addresses_so_the_demo_sends_mail(django_user_model):
    from operations.demo import DEMO_USERS

    users = django_user_model.objects.filter(username__in=[u["username"] for u in DEMO_USERS])
    assert sorted(users.values_list("email", flat=True)) == sorted(
        f"{u['username']}@example.jp" for u in DEMO_USERS
    )

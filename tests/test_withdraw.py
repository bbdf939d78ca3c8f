"""A section takes back its submission (取下げ) until the HQ acts on it."""

import pytest
from django.urls import reverse

from cycle.services import ERROR_NOT_WITHDRAWABLE
from reporting.models import EntryState
from reporting.services import ERROR_STALE
from tests.helpers import current_entry, current_report, set_state, snapshot

pytestmark = pytest.mark.django_db

HOGO_SECTION = "保）保護課"


def withdraw(client, slug, entry, version=None):
    data = {"version": entry.version if version is None else version}
    return client.post(reverse("cycle:withdraw", args=[slug, entry.pk]), data)


def test_the_section_withdraws_a_submitted_row_back_to_draft(client, hogo):
    entry = set_state(current_entry(HOGO_SECTION), EntryState.SUBMITTED)
    client.force_login(hogo)
    detail = client.get(reverse("initiatives:detail", args=[entry.pk])).content.decode()
    assert "提出を取下げる" in detail
    assert withdraw(client, "shiryo3", entry).status_code == 302
    entry.refresh_from_db()
    assert entry.state == EntryState.DRAFT
    record = entry.history.first()
    assert (record.state, record.history_user) == (EntryState.DRAFT, hogo)
    # Editable again.
    assert client.get(reverse("initiatives:edit", args=[entry.pk])).status_code == 200


def test_a_shiryo2_report_is_withdrawn_the_same_way(client, jisou):
    report = set_state(current_report("子）児童相談所"), EntryState.SUBMITTED)
    client.force_login(jisou)
    withdraw(client, "shiryo2", report)
    report.refresh_from_db()
    assert report.state == EntryState.DRAFT


@pytest.mark.parametrize("state", [EntryState.APPROVED, EntryState.RETURNED, EntryState.DRAFT])
def test_once_the_hq_acted_or_before_submitting_there_is_nothing_to_withdraw(client, hogo, state):
    entry = set_state(current_entry(HOGO_SECTION), state)
    before = snapshot(entry)
    client.force_login(hogo)
    assert withdraw(client, "shiryo3", entry).status_code == 403
    assert snapshot(entry) == before
    detail = client.get(reverse("initiatives:detail", args=[entry.pk])).content.decode()
    assert "提出を取下げる" not in detail


def test_another_section_cannot_withdraw(client, jisou):
    entry = set_state(
        current_entry(HOGO_SECTION, exclude_section="子）地域連携課"), EntryState.SUBMITTED
    )
    before = snapshot(entry)
    client.force_login(jisou)
    assert withdraw(client, "shiryo3", entry).status_code == 403
    assert snapshot(entry) == before


def test_a_withdrawal_from_a_stale_page_changes_nothing(client, hogo):
    entry = set_state(current_entry(HOGO_SECTION), EntryState.SUBMITTED)
    before = snapshot(entry)
    client.force_login(hogo)
    response = withdraw(client, "shiryo3", entry, version=entry.version - 1)
    assert snapshot(entry) == before
    assert ERROR_STALE in client.get(response.url).content.decode()


def test_the_service_refuses_a_row_that_is_not_submitted(hogo):
    from cycle.services import withdraw as withdraw_service
    from reporting.services import WorkflowError

    entry = set_state(current_entry(HOGO_SECTION), EntryState.APPROVED)
    with pytest.raises(WorkflowError, match=ERROR_NOT_WITHDRAWABLE):
        withdraw_service(entry=entry, user=hogo, version=entry.version)

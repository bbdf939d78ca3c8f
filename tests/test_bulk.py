"""The HQ's bulk actions on a list selection: all selected rows change, or none."""

import pytest
from django.urls import reverse

from reporting.models import EntryState
from tests.helpers import current_entry, current_report, set_state, snapshot

pytestmark = pytest.mark.django_db


def submitted_entries(n):
    from initiatives.models import ProgressEntry

    entries = list(ProgressEntry.objects.filter(period__code="R5H1").order_by("pk")[:n])
    return [set_state(e, EntryState.SUBMITTED) for e in entries]


def test_hq_approves_a_selection(client, honbu):
    entries = submitted_entries(3)
    client.force_login(honbu)
    response = client.post(
        reverse("initiatives:bulk"), {"action": "approve", "selected": [e.pk for e in entries]}
    )
    assert response.status_code == 302
    for entry in entries:
        entry.refresh_from_db()
        assert entry.state == EntryState.APPROVED
        assert entry.history.first().history_user == honbu


def test_hq_returns_a_selection_with_one_comment(client, honbu):
    entries = submitted_entries(2)
    client.force_login(honbu)
    client.post(
        reverse("initiatives:bulk"),
        {
            "action": "return",
            "selected": [e.pk for e in entries],
            "comment": "数値を入れてください",
        },
    )
    for entry in entries:
        entry.refresh_from_db()
        assert (entry.state, entry.return_comment) == (EntryState.RETURNED, "数値を入れてください")


def test_one_wrong_row_changes_nothing(client, honbu):
    entries = submitted_entries(2)
    draft = set_state(current_entry("保）保護課"), EntryState.DRAFT)
    selection = [*entries, draft]
    before = [snapshot(e) for e in selection]
    client.force_login(honbu)
    response = client.post(
        reverse("initiatives:bulk"),
        {"action": "approve", "selected": [e.pk for e in selection]},
        follow=True,
    )
    assert (
        f"提出済みの報告だけを承認できます。（対象: {draft.reference}）"
        in response.content.decode()
    )
    assert [snapshot(e) for e in selection] == before


def test_return_without_comment_changes_nothing(client, honbu):
    entries = submitted_entries(1)
    before = snapshot(entries[0])
    client.force_login(honbu)
    response = client.post(
        reverse("initiatives:bulk"), {"action": "return", "selected": [entries[0].pk]}, follow=True
    )
    assert "差戻しの理由（コメント）を入力してください。" in response.content.decode()
    assert snapshot(entries[0]) == before


def test_hq_sets_one_classification_on_selected_actions(client, honbu):
    report = current_report("子）児童相談所")
    client.force_login(honbu)
    response = client.post(
        reverse("recommendations:bulk"),
        {"action": "classify", "classification": "D", "selected": [report.pk]},
    )
    assert response.status_code == 302
    assert set(report.statuses.values_list("classification", flat=True)) == {"D"}
    assert report.statuses.first().history.first().history_user == honbu


def test_section_staff_have_no_bulk_actions(client, jisou):
    report = set_state(current_report("子）児童相談所"), EntryState.SUBMITTED)
    before = snapshot(report)
    client.force_login(jisou)
    assert "一括操作" not in client.get(reverse("recommendations:list")).content.decode()
    response = client.post(
        reverse("recommendations:bulk"), {"action": "approve", "selected": [report.pk]}
    )
    assert response.status_code == 403
    assert snapshot(report) == before

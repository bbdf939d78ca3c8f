"""Bad input gets a clear Japanese message and changes nothing."""

import pytest
from django.urls import reverse

from recommendations.forms import ERROR_CLASSIFICATION
from recommendations.services import ERROR_UNDER_WAY_NEEDS_TEXT
from reporting.models import MAX_TEXT_LENGTH, EntryState, ReportingPeriod
from tests.helpers import (
    current_entry,
    current_report,
    progress_post,
    set_state,
    snapshot,
    statuses_post,
)

pytestmark = pytest.mark.django_db


def refused(client, url, data, entry, status=400):
    before = snapshot(entry)
    response = client.post(url, data)
    assert response.status_code == status
    assert snapshot(entry) == before
    return response.content.decode()


def test_submitting_empty_text_is_refused(client, hogo):
    entry = current_entry("保）保護課")
    client.force_login(hogo)
    page = refused(
        client,
        reverse("initiatives:edit", args=[entry.pk]),
        progress_post(entry, plans="", submit=True),
        entry,
    )
    assert "10月以降の取組を入力してください" in page


def test_saving_an_empty_draft_is_allowed(client, hogo):
    entry = set_state(current_entry("保）保護課"), EntryState.NOT_STARTED)
    history = entry.history.count()
    client.force_login(hogo)
    response = client.post(
        reverse("initiatives:edit", args=[entry.pk]),
        progress_post(entry, results="九月までにしたこと", plans=""),
    )
    assert response.status_code == 302
    saved = type(entry).objects.get(pk=entry.pk)
    assert (saved.results, saved.plans) == ("九月までにしたこと", "")
    assert saved.state == EntryState.DRAFT
    assert saved.version == entry.version + 1
    assert saved.updated_by == hogo
    assert saved.history.count() == history + 1


def test_text_over_the_limit_is_refused(client, hogo):
    entry = current_entry("保）保護課")
    client.force_login(hogo)
    too_long = "あ" * (MAX_TEXT_LENGTH + 1)
    page = refused(
        client,
        reverse("initiatives:edit", args=[entry.pk]),
        progress_post(entry, plans=too_long),
        entry,
    )
    limit, typed = MAX_TEXT_LENGTH, MAX_TEXT_LENGTH + 1
    assert f"10月以降の取組は{limit}文字以内で入力してください（現在{typed}文字）。" in page


def test_classification_outside_a_to_d_is_refused(client, jisou):
    report = current_report("子）児童相談所")
    status = report.statuses.first()
    client.force_login(jisou)
    data = statuses_post(report, [(status.pk, status.text, "E")])
    page = refused(client, reverse("recommendations:edit", args=[report.pk]), data, report)
    assert ERROR_CLASSIFICATION in page


def test_classification_a_without_text_cannot_be_submitted(client, jisou):
    report = current_report("子）児童相談所")
    status = report.statuses.first()
    client.force_login(jisou)
    data = statuses_post(report, [(status.pk, "", "A")], submit=True)
    page = refused(client, reverse("recommendations:edit", args=[report.pk]), data, report)
    assert ERROR_UNDER_WAY_NEEDS_TEXT in page


def test_paragraph_without_classification_is_refused(client, jisou):
    report = current_report("子）児童相談所")
    client.force_login(jisou)
    data = statuses_post(report, [(None, "区分を選び忘れた", "")])
    page = refused(client, reverse("recommendations:edit", args=[report.pk]), data, report)
    assert "区分を選んでください。" in page


def test_editing_in_a_closed_period_is_refused(client, hogo):
    entry = current_entry("保）保護課")
    ReportingPeriod.objects.filter(pk=entry.period_id).update(is_closed=True)
    client.force_login(hogo)
    page = refused(
        client,
        reverse("initiatives:edit", args=[entry.pk]),
        progress_post(entry),
        entry,
        status=403,
    )
    assert "締切済みの期間の報告は変更できません。" in page


def test_forged_post_for_another_sections_row_is_refused(client, jisou):
    entry = current_entry("保）保護課", exclude_section="子）地域連携課")
    client.force_login(jisou)
    page = refused(
        client,
        reverse("initiatives:edit", args=[entry.pk]),
        progress_post(entry),
        entry,
        status=403,
    )
    assert "この行は担当の課・部の利用者と推進本部だけが変更できます。" in page


def test_stale_version_is_refused(client, hogo):
    entry = set_state(current_entry("保）保護課"), EntryState.DRAFT)
    client.force_login(hogo)
    page = refused(
        client,
        reverse("initiatives:edit", args=[entry.pk]),
        progress_post(entry, version=entry.version - 1),
        entry,
        status=409,
    )
    assert "ほかの利用者がこの報告を更新しました" in page


def test_repost_row_keeps_no_results_of_its_own(client, hogo, honbu):
    from initiatives.models import ProgressEntry

    entry = (
        ProgressEntry.objects.filter(period__code="R5H1")
        .exclude(initiative__repost_of=None)
        .first()
    )
    client.force_login(honbu)
    response = client.post(
        reverse("initiatives:edit", args=[entry.pk]),
        progress_post(entry, results="写しを作ろうとした", plans="計画"),
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.results, entry.plans) == ("", "計画")

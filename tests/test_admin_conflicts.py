"""The admin's change forms of entries and paragraphs go through the one writer with the version
they were made from: a save made after someone else's is a conflict, never a silent overwrite."""

import pytest
from django.urls import reverse

from recommendations.models import ImplementationStatus
from reporting.models import EntryState
from tests.helpers import (
    current_entry,
    current_report,
    progress_post,
    set_state,
    snapshot,
    statuses_post,
)

pytestmark = pytest.mark.django_db


def entry_form(entry, **changes):
    data = {
        "state": entry.state,
        "results": entry.results,
        "plans": entry.plans,
        "return_comment": entry.return_comment,
        "seen_version": entry.version,
        "_save": "保存",
    }
    return {**data, **changes}


def report_form(report, **changes):
    statuses = list(report.statuses.order_by("position"))
    data = {
        "state": report.state,
        "return_comment": report.return_comment,
        "seen_version": report.version,
        "statuses-TOTAL_FORMS": len(statuses),
        "statuses-INITIAL_FORMS": len(statuses),
        "statuses-MIN_NUM_FORMS": 0,
        "statuses-MAX_NUM_FORMS": 1000,
        "_save": "保存",
    }
    for index, status in enumerate(statuses):
        data[f"statuses-{index}-id"] = status.pk
        data[f"statuses-{index}-report"] = report.pk
        data[f"statuses-{index}-position"] = status.position
        data[f"statuses-{index}-text"] = status.text
        data[f"statuses-{index}-classification"] = status.classification
    return {**data, **changes}


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def test_an_admin_form_loaded_before_a_sections_save_does_not_put_the_old_text_back(
    client, admin_user, hogo
):
    entry = current_entry("保）保護課")
    loaded = entry_form(entry, return_comment="数値を入れてください")
    client.force_login(hogo)
    client.post(
        reverse("initiatives:edit", args=[entry.pk]), progress_post(entry, plans="課が書いた内容")
    )
    saved_by_section = snapshot(entry)
    client.force_login(admin_user)
    response = client.post(change_url(entry), loaded)
    page = response.content.decode()
    assert response.status_code == 200
    assert "ほかの利用者がこの報告を更新しました" in page
    assert "課が書いた内容" in page and "hogo" in page
    assert snapshot(entry) == saved_by_section
    # The form now carries the saved version: saving again is a deliberate choice.
    entry.refresh_from_db()
    assert f'name="seen_version" value="{entry.version}"' in page


def test_an_admin_save_goes_through_the_writer_with_history_and_a_new_version(client, admin_user):
    entry = current_entry("保）保護課")
    client.force_login(admin_user)
    response = client.post(change_url(entry), entry_form(entry, plans="管理者が直した内容"))
    assert response.status_code == 302
    fresh = type(entry).objects.get(pk=entry.pk)
    assert (fresh.plans, fresh.version, fresh.updated_by) == (
        "管理者が直した内容",
        entry.version + 1,
        admin_user,
    )
    # A first write makes 未着手 a 下書き, as on the page.
    if entry.state == EntryState.NOT_STARTED:
        assert fresh.state == EntryState.DRAFT
    assert fresh.history.first().history_user == admin_user


def test_an_unchanged_admin_save_writes_nothing(client, admin_user):
    entry = current_entry("保）保護課")
    before = snapshot(entry)
    client.force_login(admin_user)
    assert client.post(change_url(entry), entry_form(entry)).status_code == 302
    assert snapshot(entry) == before


def test_an_admin_submission_is_checked_for_readiness(client, admin_user):
    entry = current_entry("保）保護課")
    before = snapshot(entry)
    client.force_login(admin_user)
    response = client.post(
        change_url(entry), entry_form(entry, state=EntryState.SUBMITTED, plans=""), follow=True
    )
    assert "を入力してください" in response.content.decode()
    assert snapshot(entry) == before


def test_a_report_form_loaded_before_a_sections_save_is_a_conflict(client, admin_user, jisou):
    report = current_report("子）児童相談所")
    loaded = report_form(report, return_comment="確認してください")
    client.force_login(jisou)
    paragraphs = [(s.pk, "課が書いた実施状況", s.classification) for s in report.statuses.all()]
    client.post(
        reverse("recommendations:edit", args=[report.pk]), statuses_post(report, paragraphs)
    )
    saved_by_section = snapshot(report)
    client.force_login(admin_user)
    response = client.post(change_url(report), loaded)
    assert response.status_code == 200
    assert "課が書いた実施状況" in response.content.decode()
    assert snapshot(report) == saved_by_section


def test_a_report_form_writes_its_paragraphs_through_the_writer(client, admin_user):
    report = current_report("子）児童相談所")
    first = report.statuses.order_by("position").first()
    client.force_login(admin_user)
    data = report_form(report)
    data["statuses-0-text"] = "管理者が直した実施状況"
    assert client.post(change_url(report), data).status_code == 302
    first.refresh_from_db()
    report.refresh_from_db()
    assert first.text == "管理者が直した実施状況"
    assert report.updated_by == admin_user
    assert first.history.first().history_user == admin_user


def test_a_paragraph_form_loaded_before_a_sections_save_is_a_conflict(client, admin_user, jisou):
    report = current_report("子）児童相談所")
    status = report.statuses.order_by("position").first()
    loaded = {
        "position": status.position,
        "text": "管理者の古い画面からの内容",
        "classification": status.classification,
        "seen_version": report.version,
        "_save": "保存",
    }
    client.force_login(jisou)
    paragraphs = [(s.pk, "課が書いた実施状況", s.classification) for s in report.statuses.all()]
    client.post(
        reverse("recommendations:edit", args=[report.pk]), statuses_post(report, paragraphs)
    )
    saved_by_section = snapshot(report)
    client.force_login(admin_user)
    response = client.post(change_url(status), loaded)
    assert response.status_code == 200
    assert "ほかの利用者がこの報告を更新しました" in response.content.decode()
    assert snapshot(report) == saved_by_section


def test_a_paragraph_saved_in_the_admin_gives_its_report_a_new_version(client, admin_user):
    report = current_report("子）児童相談所")
    status = report.statuses.order_by("position").first()
    client.force_login(admin_user)
    data = {
        "position": status.position,
        "text": "管理者が直した実施状況",
        "classification": status.classification,
        "seen_version": report.version,
        "_save": "保存",
    }
    assert client.post(change_url(status), data).status_code == 302
    assert ImplementationStatus.objects.get(pk=status.pk).text == "管理者が直した実施状況"
    assert type(report).objects.get(pk=report.pk).version == report.version + 1


def test_a_report_form_keeps_the_paragraphs_it_does_not_mark_for_deletion(client, admin_user):
    report = set_state(current_report("子）児童相談所"), EntryState.SUBMITTED)
    paragraphs = list(report.statuses.values_list("pk", "text", "classification"))
    client.force_login(admin_user)
    data = report_form(report, state=EntryState.RETURNED, return_comment="見直してください")
    for key in [k for k in data if k.startswith("statuses-")]:
        del data[key]
    data.update({"statuses-TOTAL_FORMS": 0, "statuses-INITIAL_FORMS": 0})
    assert client.post(change_url(report), data).status_code == 302
    report.refresh_from_db()
    assert (report.state, report.return_comment) == (EntryState.RETURNED, "見直してください")
    assert list(report.statuses.values_list("pk", "text", "classification")) == paragraphs


def test_an_entry_added_in_the_admin_is_written_and_checked_by_the_writer(
    client, admin_user, empty_period
):
    entry = current_entry("保）保護課")
    url = reverse("admin:initiatives_progressentry_add")
    data = {
        "period": empty_period.pk,
        "initiative": entry.initiative_id,
        "state": EntryState.SUBMITTED,
        "results": "結果",
        "plans": "",
        "return_comment": "",
        "_save": "保存",
    }
    client.force_login(admin_user)
    response = client.post(url, data, follow=True)
    assert "を入力してください" in response.content.decode()
    assert not type(entry).objects.filter(period=empty_period).exists()
    assert client.post(url, {**data, "plans": "予定"}).status_code == 302
    added = type(entry).objects.get(period=empty_period)
    assert (added.state, added.plans, added.updated_by) == (
        EntryState.SUBMITTED,
        "予定",
        admin_user,
    )

"""Every other way the admin could change an entry: delete pages and the changelist's
「選択された…の削除」, simple_history's この版に戻す, a paragraph's delete page, and users (whose
deletion would blank 更新者 on their entries). Each goes through the one writer with the version
the page showed, or is refused with a Japanese message and nothing written."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.admin import USER_NOT_DELETABLE
from accounts.models import User
from initiatives.models import ProgressEntry
from recommendations.models import ActionReport, ImplementationStatus
from reporting import services
from reporting.admin import ADMIN_REASON, ENTRY_NOT_DELETABLE
from tests.documents import database_snapshot
from tests.helpers import current_entry, current_report, progress_post, snapshot, statuses_post
from tests.test_admin_conflicts import change_url

pytestmark = pytest.mark.django_db


def url(obj, view, *args):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk, *args])


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def shown_messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def everything():
    """The entries, their paragraphs and history, and the users."""
    return database_snapshot(), list(User.objects.order_by("pk").values())


# -- Deleting entries ----------


@pytest.mark.parametrize(
    "get_entry", [lambda: current_entry("保）保護課"), lambda: current_report("子）児童相談所")]
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_entry_cannot_be_deleted_in_the_admin(client, admin_user, get_entry, method):
    entry = get_entry()
    client.force_login(admin_user)
    before = everything()
    response = getattr(client, method)(url(entry, "delete"), {"post": "yes"})
    assert response.status_code == 302 and response["Location"] == change_url(entry)
    what = entry._meta.verbose_name
    assert shown_messages(response) == [ENTRY_NOT_DELETABLE.format(what=what)]
    assert everything() == before


@pytest.mark.parametrize("model", [ProgressEntry, ActionReport, ImplementationStatus])
def test_the_changelist_offers_no_bulk_deletion_of_entries_or_paragraphs(client, admin_user, model):
    client.force_login(admin_user)
    page = client.get(changelist(model))
    assert 'value="delete_selected"' not in page.content.decode()
    before = everything()
    selected = list(model.objects.order_by("pk").values_list("pk", flat=True)[:3])
    response = client.post(
        changelist(model),
        {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert everything() == before


# -- この版に戻す ----------


def revert_page(client, entry):
    record = entry.history.order_by("history_id").first()
    response = client.get(url(entry, "simple_history", record.history_id))
    assert response.status_code == 200
    form = response.context["adminform"].form
    return url(entry, "simple_history", record.history_id), form


def posted(form):
    data = {name: form.initial.get(name, field.initial) for name, field in form.fields.items()}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    return {**data, "_save": "保存"}


def test_putting_back_a_past_version_goes_through_the_writer(client, admin_user, hogo):
    entry = current_entry("保）保護課")
    client.force_login(hogo)
    client.post(
        reverse("initiatives:edit", args=[entry.pk]), progress_post(entry, plans="課の新しい内容")
    )
    entry.refresh_from_db()
    first = entry.history.order_by("history_id").first()
    client.force_login(admin_user)
    page, form = revert_page(client, entry)
    assert form.fields["seen_version"].initial == entry.version  # the entry as it is now
    response = client.post(page, posted(form))
    assert response.status_code == 302
    fresh = ProgressEntry.objects.get(pk=entry.pk)
    assert (fresh.plans, fresh.version, fresh.updated_by) == (
        first.plans,
        entry.version + 1,
        admin_user,
    )
    record = fresh.history.first()
    assert (record.history_user, record.history_change_reason) == (admin_user, ADMIN_REASON)


def test_putting_back_a_past_version_after_someone_elses_save_is_a_conflict(
    client, admin_user, hogo
):
    entry = current_entry("保）保護課")
    client.force_login(admin_user)
    page, form = revert_page(client, entry)
    client.force_login(hogo)
    client.post(
        reverse("initiatives:edit", args=[entry.pk]),
        progress_post(entry, plans="課が確認中に書いた内容"),
    )
    saved_by_section = snapshot(entry)
    client.force_login(admin_user)
    response = client.post(page, posted(form))
    assert response.status_code == 200
    assert services.ERROR_STALE in response.content.decode()
    assert "課が確認中に書いた内容" in response.content.decode()
    assert snapshot(entry) == saved_by_section


def test_putting_back_a_report_after_someone_elses_save_is_a_conflict(client, admin_user, jisou):
    report = current_report("子）児童相談所")
    client.force_login(admin_user)
    page, form = revert_page(client, report)
    client.force_login(jisou)
    paragraphs = [(s.pk, "課が書いた実施状況", s.classification) for s in report.statuses.all()]
    client.post(
        reverse("recommendations:edit", args=[report.pk]), statuses_post(report, paragraphs)
    )
    saved = snapshot(report)
    client.force_login(admin_user)
    response = client.post(page, posted(form))
    assert response.status_code == 200
    assert snapshot(report) == saved


def test_putting_back_a_paragraph_after_someone_elses_save_is_a_conflict(client, admin_user, jisou):
    report = current_report("子）児童相談所")
    status = report.statuses.order_by("position").first()
    client.force_login(admin_user)
    page, form = revert_page(client, status)
    client.force_login(jisou)
    paragraphs = [(s.pk, "課が書いた実施状況", s.classification) for s in report.statuses.all()]
    client.post(
        reverse("recommendations:edit", args=[report.pk]), statuses_post(report, paragraphs)
    )
    saved = snapshot(report)
    client.force_login(admin_user)
    response = client.post(page, posted(form))
    assert response.status_code == 200
    assert snapshot(report) == saved


# -- A paragraph's delete page ----------


def several_paragraphs():
    for report in ActionReport.objects.filter(period__code="R5H1").prefetch_related("statuses"):
        if len(report.statuses.all()) > 1 and not report.action.repost_of_id:
            return report
    raise AssertionError("no report with several paragraphs")


def test_a_paragraph_deleted_in_the_admin_is_a_change_of_its_report(client, admin_user):
    report = several_paragraphs()
    last = report.statuses.order_by("position").last()
    client.force_login(admin_user)
    page = client.get(url(last, "delete"))
    assert f'name="seen_version" value="{report.version}"' in page.content.decode()
    response = client.post(url(last, "delete"), {"post": "yes", "seen_version": report.version})
    assert response.status_code == 302
    assert not ImplementationStatus.objects.filter(pk=last.pk).exists()
    fresh = ActionReport.objects.get(pk=report.pk)
    assert (fresh.version, fresh.updated_by) == (report.version + 1, admin_user)


def test_a_paragraph_delete_page_loaded_before_a_sections_save_deletes_nothing(
    client, admin_user, jisou
):
    report = several_paragraphs()
    last = report.statuses.order_by("position").last()
    client.force_login(admin_user)
    client.get(url(last, "delete"))
    seen = report.version
    jisou.organizations.add(*report.action.departments.all())
    client.force_login(jisou)
    paragraphs = [(s.pk, "課が書いた実施状況", s.classification) for s in report.statuses.all()]
    assert client.post(
        reverse("recommendations:edit", args=[report.pk]), statuses_post(report, paragraphs)
    ).status_code in (200, 302)
    saved = snapshot(report)
    assert saved["row"]["version"] == seen + 1
    client.force_login(admin_user)
    response = client.post(url(last, "delete"), {"post": "yes", "seen_version": seen})
    assert response.status_code == 302
    assert any(m.startswith("削除していません。") for m in shown_messages(response))
    assert snapshot(report) == saved


def test_a_paragraph_delete_without_the_version_deletes_nothing(client, admin_user):
    report = several_paragraphs()
    last = report.statuses.order_by("position").last()
    before = snapshot(report)
    client.force_login(admin_user)
    response = client.post(url(last, "delete"), {"post": "yes"})
    assert shown_messages(response)[0].startswith("削除していません。")
    assert snapshot(report) == before


# -- Users ----------


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_user_cannot_be_deleted_in_the_admin(client, admin_user, hogo, method):
    client.force_login(admin_user)
    before = everything()
    response = getattr(client, method)(url(hogo, "delete"), {"post": "yes"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:list")
    assert shown_messages(response) == [USER_NOT_DELETABLE]
    assert everything() == before


def test_the_admin_user_form_leaves_the_accounts_fields_to_the_service(client, admin_user, hogo):
    client.force_login(admin_user)
    page = client.get(url(hogo, "change")).content.decode()
    assert "利用者管理（/users/）で変更します" in page
    before = everything()
    data = {
        "username": "renamed",
        "is_active": "",
        "is_superuser": "on",
        "groups": [],
        "organizations": [],
        "_save": "保存",
    }
    client.post(url(hogo, "change"), data)
    after_users = {u["username"]: u for u in everything()[1]}
    assert "renamed" not in after_users
    fresh = after_users["hogo"]
    assert fresh["is_active"] and not fresh["is_superuser"]
    assert everything()[0] == before[0]

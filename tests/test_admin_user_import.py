"""The admin's flat import of users writes through accounts/services.py, the one writer of
accounts: the role as one column, the service's checks and messages, its history, and a
deactivated user's session ends; any refused row writes nothing."""

import datetime

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import User
from accounts.resources import OLD_COLUMNS_REFUSED, STALE_ROW
from departments.models import Organization
from tests.test_flat_import_export import (
    confirm,
    csv_rows,
    database_snapshot,
    export_bytes,
    page_errors,
    totals,
    upload,
    write_csv,
)

pytestmark = pytest.mark.django_db


def exported(client):
    content = export_bytes(client, User)
    rows = csv_rows(content)
    return rows, list(rows[0])


def edited(rows, username, **cells):
    for row in rows:
        if row["ユーザー名"] == username:
            row.update(cells)
            return rows
    raise AssertionError(username)


def test_the_export_shows_each_users_role_and_staff_number(client, admin_user):
    client.force_login(admin_user)
    rows, headers = exported(client)
    assert "役割" in headers and "職員番号" in headers
    assert "グループ" not in headers and "スタッフ権限" not in headers
    roles = {row["ユーザー名"]: row["役割"] for row in rows}
    assert roles["admin"] == "管理者" and roles["honbu"] == "推進本部"
    assert roles["hogo"] == "課の担当者"


def test_a_role_changed_in_the_file_sets_the_group_and_records_history(client, admin_user):
    client.force_login(admin_user)
    rows, headers = exported(client)
    records = User.objects.get(username="hogo").history.count()
    response = upload(client, User, write_csv(edited(rows, "hogo", 役割="課長"), headers))
    assert page_errors(response) == [] and totals(response) == {
        "update": 1,
        "skip": len(rows) - 1,
    }
    assert User.objects.get(username="hogo").history.count() == records  # the preview wrote none
    confirm(client, User, response)
    hogo = User.objects.get(username="hogo")
    assert list(hogo.groups.values_list("name", flat=True)) == ["課長"]
    assert not hogo.is_staff and not hogo.is_superuser
    record = hogo.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        admin_user,
        services.REASON_ADMIN_IMPORT,
    )
    assert hogo.history.count() == records + 1


def test_a_user_deactivated_by_the_file_is_logged_out(client, admin_user, hogo):
    other = type(client)()
    other.force_login(hogo)
    assert other.get(reverse("home")).status_code == 200
    client.force_login(admin_user)
    rows, headers = exported(client)
    response = upload(client, User, write_csv(edited(rows, "hogo", 有効="いいえ"), headers))
    confirm(client, User, response)
    hogo.refresh_from_db()
    assert not hogo.is_active
    assert hogo.history.latest().history_user == admin_user
    response = other.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def refused(client, content, message):
    before = database_snapshot()
    response = upload(client, User, content)
    assert response.status_code == 200
    assert message in page_errors(response)
    assert response.context.get("confirm_form") is None
    assert database_snapshot() == before


def test_a_retired_section_is_refused_with_the_services_message(client, admin_user):
    client.force_login(admin_user)
    section = Organization.objects.get(label="保）保護課")
    section.retired_on = datetime.date(2024, 3, 31)
    section.save()
    rows, headers = exported(client)
    content = write_csv(edited(rows, "jisou", **{"所属（課・部）": "保）保護課"}), headers)
    refused(client, content, services.RETIRED_ORGANIZATION.format(label="保）保護課"))


def test_a_staff_number_used_twice_is_refused(client, admin_user, hogo):
    client.force_login(admin_user)
    hogo.employee_number = "A-100"
    hogo.save()
    rows, headers = exported(client)
    content = write_csv(edited(rows, "jisou", 職員番号="A-100"), headers)
    refused(
        client, content, services.NUMBER_TAKEN.format(number="A-100", user=services._name(hogo))
    )


def test_nobody_deactivates_themselves_by_a_file(client, admin_user):
    client.force_login(admin_user)
    rows, headers = exported(client)
    refused(client, write_csv(edited(rows, "admin", 有効="いいえ"), headers), services.NOT_YOURSELF)


def test_a_file_with_the_old_group_columns_is_refused(client, admin_user):
    client.force_login(admin_user)
    rows = [{"ユーザー名": "hogo", "グループ": "推進本部", "スタッフ権限": "はい", "有効": "はい"}]
    content = write_csv(rows, list(rows[0]))
    refused(client, content, OLD_COLUMNS_REFUSED.format(columns="「グループ」「スタッフ権限」"))


def test_an_unknown_role_is_refused(client, admin_user):
    client.force_login(admin_user)
    rows, headers = exported(client)
    content = write_csv(edited(rows, "hogo", 役割="部長"), headers)
    before = database_snapshot()
    response = upload(client, User, content)
    assert any(
        "役割は「課の担当者」「課長」「推進本部」「管理者」から" in e for e in page_errors(response)
    )
    assert database_snapshot() == before


def test_the_export_carries_each_users_version(client, admin_user, hogo):
    client.force_login(admin_user)
    rows, headers = exported(client)
    assert headers[-1] == "版"
    versions = {row["ユーザー名"]: row["版"] for row in rows}
    assert versions["hogo"] == str(services.account_version(hogo))
    assert versions["hogo"] != versions["jisou"]


def test_a_user_changed_since_the_export_is_refused_and_the_change_kept(
    client, admin_user, honbu, hogo
):
    client.force_login(admin_user)
    rows, headers = exported(client)
    services.update_user(by=honbu, user=hogo, last_name="推進本部が直した姓")
    content = write_csv(edited(rows, "hogo", 役割="課長"), headers)

    refused(client, content, STALE_ROW.format(username="hogo"))
    hogo.refresh_from_db()
    assert hogo.last_name == "推進本部が直した姓"


def test_a_row_of_the_current_version_is_written_and_a_file_without_versions_is_not_checked(
    client, admin_user, honbu, hogo
):
    client.force_login(admin_user)
    rows, headers = exported(client)
    confirm(
        client, User, upload(client, User, write_csv(edited(rows, "hogo", 役割="課長"), headers))
    )
    assert User.objects.get(pk=hogo.pk).groups.get().name == "課長"

    services.update_user(by=honbu, user=hogo, last_name="推進本部が直した姓")
    without = [h for h in headers if h != "版"]
    rows = [{h: row[h] for h in without} for row in edited(rows, "hogo", 役割="推進本部")]
    confirm(client, User, upload(client, User, write_csv(rows, without)))
    assert User.objects.get(pk=hogo.pk).groups.get().name == "推進本部"

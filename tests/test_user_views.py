"""Issue "April's personnel changes": 利用者管理 for the HQ — list, add, change, move, deactivate
and the personnel-list upload, each refused to section staff with the database unchanged."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts import services
from accounts.access import ADMIN_ACCOUNT_DENIED, MANAGE_DENIED
from accounts.forms import ORGANIZATION_REQUIRED, STALE_PAGE
from accounts.models import User
from accounts.roles import Role, role_of
from accounts.services import (
    CHANGED_MEANWHILE,
    NOT_YOURSELF,
    RETIRED_ORGANIZATION,
    account_version,
)
from departments.models import Organization
from tests.test_personnel_import import csv_bytes, users_state


def org(label):
    return Organization.objects.get(label=label)


def url(name, *args):
    return reverse(f"accounts:{name}", args=args)


def seen(user):
    """What the change, move and 無効/有効 pages send back: the account's version they showed."""
    return {"seen": account_version(user)}


def logs_in(client, username, password="vision-demo"):
    """Through the login page, as a person does (django-axes wants the request)."""
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


@pytest.fixture
def retired(db):
    section = org("区）健康・子ども課")
    section.retired_on = datetime.date(2026, 3, 31)
    section.save()
    return section


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["hogo", "jisou"])
@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("list", "get"),
        ("add", "post"),
        ("change", "post"),
        ("move", "post"),
        ("active", "post"),
        ("import", "post"),
        ("import_confirm", "post"),
    ],
)
def test_section_staff_get_403_on_every_user_management_page_and_nothing_changes(
    client, persona, name, method, honbu
):
    client.force_login(User.objects.get(username=persona))
    args = (honbu.pk,) if name in ("change", "move", "active") else ()
    before = users_state()

    response = getattr(client, method)(url(name, *args), {"last_name": "x", "role": "hq"})

    assert response.status_code == 403
    assert MANAGE_DENIED in response.content.decode()
    assert users_state() == before


def test_the_hq_may_not_change_an_administrator_account(client, honbu, admin_user):
    client.force_login(honbu)
    before = users_state()

    for name in ("change", "move", "active"):
        response = client.post(url(name, admin_user.pk), {"last_name": "乗っ取り"})
        assert response.status_code == 403
        assert ADMIN_ACCOUNT_DENIED in response.content.decode()
    assert users_state() == before


def test_an_unknown_user_is_404(client, honbu):
    client.force_login(honbu)
    assert client.get(url("change", 999999)).status_code == 404


def test_the_hq_sees_the_menu_entry_and_section_staff_do_not(client, honbu, hogo):
    client.force_login(honbu)
    assert "利用者管理" in client.get(reverse("home")).content.decode()
    client.force_login(hogo)
    assert "利用者管理" not in client.get(reverse("home")).content.decode()


# --- the list ------------------------------------------------------------------------------------


def test_the_list_shows_sections_role_and_last_login(client, honbu, jisou):
    User.objects.filter(pk=jisou.pk).update(
        last_login=datetime.datetime(2026, 4, 2, 0, 30, tzinfo=datetime.UTC)
    )
    client.force_login(honbu)

    page = client.get(url("list")).content.decode()

    row = page[page.index("児童相談所担当") :]
    row = row[: row.index("</tr>")]
    assert "子）児童相談所<br>子）地域連携課" in row
    assert "課の担当者" in row
    assert "2026-04-02 09:30" in row  # Asia/Tokyo


def _names(response):
    return [str(u) for u in response.context["page"].object_list]


def test_the_list_filters_by_bureau_section_role_and_state(client, honbu, hogo, jisou):
    client.force_login(honbu)
    hoken = org("保健福祉局")
    kodomo = org("子ども未来局")

    assert _names(client.get(url("list"), {"bureau": hoken.pk})) == ["hogo"]
    assert _names(client.get(url("list"), {"bureau": kodomo.pk})) == ["jisou"]
    section = org("子）地域連携課")
    assert _names(client.get(url("list"), {"organization": section.pk})) == ["jisou"]
    assert _names(client.get(url("list"), {"role": Role.HQ})) == ["honbu"]
    assert _names(client.get(url("list"), {"role": Role.ADMIN})) == ["admin"]

    User.objects.filter(pk=hogo.pk).update(is_active=False)
    assert "hogo" not in _names(client.get(url("list")))
    assert _names(client.get(url("list"), {"state": "inactive"})) == ["hogo"]


def test_the_list_costs_the_same_queries_for_many_users(
    client, honbu, django_assert_max_num_queries
):
    client.force_login(honbu)
    client.get(url("list"))
    with django_assert_max_num_queries(8):
        client.get(url("list"))
    section = org("保）保護課")
    for number in range(40):
        user = User.objects.create(username=f"many{number}", last_name="多数")
        user.organizations.add(section)
    with django_assert_max_num_queries(8):
        response = client.get(url("list"))
    assert len(response.context["page"].object_list) == 44


# --- add, change, move, deactivate ---------------------------------------------------------------


def test_the_hq_adds_a_user_with_sections_and_role_in_one_form(client, honbu):
    client.force_login(honbu)

    response = client.post(
        url("add"),
        {
            "employee_number": "30001",
            "last_name": "新人",
            "first_name": "一郎",
            "email": "ichiro@city.example.jp",
            "organizations": [org("保）保護課").pk],
            "role": Role.HEAD,
        },
    )

    assert response.status_code == 302
    user = User.objects.get(employee_number="30001")
    assert user.username == "30001"
    assert [o.label for o in user.organizations.all()] == ["保）保護課"]
    assert role_of(user) == Role.HEAD
    assert user.history.get().history_user == honbu


def test_adding_section_staff_without_a_section_is_refused(client, honbu):
    client.force_login(honbu)
    before = users_state()

    response = client.post(
        url("add"), {"employee_number": "30001", "last_name": "新人", "role": "staff"}
    )

    assert response.status_code == 200
    assert ORGANIZATION_REQUIRED in response.content.decode()
    assert users_state() == before


def test_the_hq_cannot_make_an_administrator_and_nothing_changes(client, honbu, hogo):
    client.force_login(honbu)
    before = users_state()

    response = client.post(
        url("add"), {"employee_number": "30001", "last_name": "新人", "role": Role.ADMIN}
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    response = client.post(
        url("change", hogo.pk), {"last_name": "保護課担当", "role": Role.ADMIN, **seen(hogo)}
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert users_state() == before


def test_an_administrator_may_make_an_administrator(client, admin_user, hogo):
    client.force_login(admin_user)

    client.post(
        url("change", hogo.pk), {"last_name": "保護課担当", "role": Role.ADMIN, **seen(hogo)}
    )

    hogo.refresh_from_db()
    assert hogo.is_superuser and hogo.is_staff


def test_changing_the_role_to_hq_gives_the_hq_rights(client, honbu, hogo):
    client.force_login(honbu)

    response = client.post(
        url("change", hogo.pk),
        {
            "employee_number": "10001",
            "last_name": "保護課担当",
            "email": "",
            "role": Role.HQ,
            **seen(hogo),
        },
    )

    assert response.status_code == 302
    hogo = get_user_model().objects.get(pk=hogo.pk)
    assert role_of(hogo) == Role.HQ
    assert hogo.has_perm("reporting.manage_period")
    assert hogo.employee_number == "10001"
    record = hogo.history.latest()
    assert record.history_user == honbu
    assert [g.group.name for g in record.groups.all()] == ["推進本部"]


def test_a_used_employee_number_is_refused_on_the_form(client, honbu, hogo, jisou):
    User.objects.filter(pk=jisou.pk).update(employee_number="10002")
    client.force_login(honbu)
    before = users_state()

    response = client.post(
        url("change", hogo.pk),
        {"employee_number": "10002", "last_name": "x", "role": "staff", **seen(hogo)},
    )

    assert response.context["form"].errors["employee_number"] == [
        "この職員番号はほかの利用者が使っています。"
    ]
    assert users_state() == before


def test_moving_a_user_replaces_the_sections_with_history(client, honbu, hogo):
    client.force_login(honbu)

    response = client.post(
        url("move", hogo.pk),
        {
            "organizations": [org("子）地域連携課").pk],
            "transferred_on": "2026-04-01",
            **seen(hogo),
        },
    )

    assert response.status_code == 302
    hogo.refresh_from_db()
    assert [o.label for o in hogo.organizations.all()] == ["子）地域連携課"]
    assert hogo.transferred_on == datetime.date(2026, 4, 1)
    record = hogo.history.latest()
    assert (record.history_user, record.history_change_reason) == (honbu, "利用者管理")
    assert [o.organization.label for o in record.organizations.all()] == ["子）地域連携課"]


def test_a_retired_section_takes_no_new_users(client, honbu, hogo, retired):
    client.force_login(honbu)
    before = users_state()

    response = client.post(url("move", hogo.pk), {"organizations": [retired.pk], **seen(hogo)})

    assert response.status_code == 200
    assert "organizations" in response.context["form"].errors
    assert users_state() == before
    # The service refuses it too, whatever the form offered.
    with pytest.raises(services.AccountError) as refused:
        services.move_user(by=honbu, user=hogo, organizations=[retired])
    assert refused.value.message == RETIRED_ORGANIZATION.format(label=retired.label)
    assert users_state() == before


def test_a_member_of_a_retired_section_keeps_it_when_moved_elsewhere_too(
    client, honbu, hogo, retired
):
    # A member from before the section was retired.
    User.organizations.through.objects.create(user=hogo, organization=retired)
    client.force_login(honbu)

    response = client.post(
        url("move", hogo.pk),
        {"organizations": [retired.pk, org("子）地域連携課").pk], **seen(hogo)},
    )

    assert response.status_code == 302
    assert {o.label for o in hogo.organizations.all()} == {retired.label, "子）地域連携課"}


def test_a_deactivated_user_cannot_log_in_and_is_kept(client, honbu, hogo):
    hogo_client = type(client)()
    assert logs_in(hogo_client, "hogo")
    client.force_login(honbu)

    response = client.post(url("active", hogo.pk), seen(hogo))

    # hogo's open session ends with the next request.
    left = hogo_client.get(reverse("home"))
    assert left.status_code == 302 and left["Location"].startswith(reverse("login"))

    assert response.status_code == 302
    hogo.refresh_from_db()
    assert not hogo.is_active
    assert hogo.history.latest().history_user == honbu
    client.logout()
    assert not logs_in(client, "hogo")

    client.force_login(honbu)
    client.post(url("active", hogo.pk), seen(hogo))
    hogo.refresh_from_db()
    assert hogo.is_active
    client.logout()
    assert logs_in(client, "hogo")


def test_nobody_deactivates_themselves(client, honbu):
    client.force_login(honbu)
    before = users_state()

    response = client.post(url("active", honbu.pk), seen(honbu))

    assert response.status_code == 400
    assert NOT_YOURSELF in response.content.decode()
    assert users_state() == before


def test_users_are_never_deleted_from_the_pages(client, honbu, hogo):
    client.force_login(honbu)
    client.post(url("active", hogo.pk), seen(hogo))
    assert User.objects.filter(pk=hogo.pk).exists()
    assert client.post(f"{url('change', hogo.pk)}delete/").status_code == 404


# --- someone else saved meanwhile ----------------------------------------------------------------


def shown_version(client, name, user):
    """The version a page showed in its form, as the browser sends it back."""
    return client.get(url(name, user.pk)).context["form"]["seen"].value()


def test_a_change_saved_over_someone_elses_is_refused_and_theirs_is_kept(
    client, honbu, admin_user, hogo
):
    client.force_login(honbu)
    version = shown_version(client, "change", hogo)
    services.update_user(by=admin_user, user=hogo, last_name="管理者が直した姓")
    before = users_state()

    response = client.post(
        url("change", hogo.pk),
        {"last_name": "古い画面の姓", "role": Role.STAFF, "seen": version},
    )

    assert response.status_code == 200
    hogo.refresh_from_db()
    assert CHANGED_MEANWHILE.format(user="管理者が直した姓") in response.content.decode()
    assert users_state() == before
    assert hogo.last_name == "管理者が直した姓"


def test_a_move_from_a_page_opened_before_another_move_is_refused(client, honbu, admin_user, hogo):
    client.force_login(honbu)
    version = shown_version(client, "move", hogo)
    services.move_user(by=admin_user, user=hogo, organizations=[org("子）地域連携課")])
    before = users_state()

    response = client.post(
        url("move", hogo.pk), {"organizations": [org("区）健康・子ども課").pk], "seen": version}
    )

    assert response.status_code == 200
    assert CHANGED_MEANWHILE.format(user="保護課担当") in response.content.decode()
    assert users_state() == before


def test_a_second_deactivation_from_the_same_page_does_not_activate_the_user_again(
    client, honbu, hogo
):
    other = type(client)()
    client.force_login(honbu)
    other.force_login(honbu)
    version = shown_version(client, "active", hogo)
    assert shown_version(other, "active", hogo) == version

    assert client.post(url("active", hogo.pk), {"seen": version}).status_code == 302
    before = users_state()
    response = other.post(url("active", hogo.pk), {"seen": version})

    assert response.status_code == 400
    assert CHANGED_MEANWHILE.format(user="保護課担当") in response.content.decode()
    hogo.refresh_from_db()
    assert not hogo.is_active
    assert users_state() == before


@pytest.mark.parametrize("name", ["change", "move", "active"])
@pytest.mark.parametrize("sent", [{}, {"seen": "abc"}, {"seen": "-1"}])
def test_a_form_without_the_version_it_showed_is_refused_with_a_message(
    client, honbu, hogo, name, sent
):
    client.force_login(honbu)
    before = users_state()

    response = client.post(url(name, hogo.pk), {"last_name": "x", "role": Role.STAFF, **sent})

    assert response.status_code in (200, 400)
    assert STALE_PAGE in response.content.decode()
    assert users_state() == before


def test_the_pages_carry_the_version_and_a_login_does_not_change_it(client, honbu, hogo):
    client.force_login(honbu)
    version = shown_version(client, "change", hogo)
    assert version == account_version(hogo) == hogo.history.latest().history_id
    assert logs_in(type(client)(), "hogo")

    response = client.post(
        url("change", hogo.pk), {"last_name": "新しい姓", "role": Role.STAFF, "seen": version}
    )

    assert response.status_code == 302
    assert account_version(hogo) > version


# --- the personnel list upload -------------------------------------------------------------------


def test_the_upload_shows_a_preview_then_imports_all_on_confirm(client, honbu, hogo):
    User.objects.filter(pk=hogo.pk).update(employee_number="10001", email="hogo@city.example.jp")
    client.force_login(honbu)
    data = csv_bytes(
        "10001,保護課担当,hogo@city.example.jp,子）地域連携課,課の担当者,2026-04-01",
        "20001,札幌 太郎,taro@city.example.jp,保）保護課,課長,2026-04-01",
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = users_state()
    response = client.post(
        url("import"), {"file": SimpleUploadedFile("meibo.csv", data, "text/csv")}
    )

    page = response.content.decode()
    assert "異動（所属の変更）" in page and "所属: 保）保護課 → 子）地域連携課" in page
    assert users_state() == before
    token = response.context["token"]

    response = client.post(url("import_confirm"), {"token": token, "deactivate_missing": "0"})

    assert response.status_code == 302
    hogo.refresh_from_db()
    assert [o.label for o in hogo.organizations.all()] == ["子）地域連携課"]
    assert User.objects.get(employee_number="20001").history.get().history_user == honbu


def test_a_bad_file_shows_its_errors_and_offers_no_confirm(client, honbu):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(honbu)
    data = csv_bytes("20001,札幌 太郎,taro@city.example.jp,保）存在しない課,課長,")

    response = client.post(url("import"), {"file": SimpleUploadedFile("m.csv", data)})

    page = response.content.decode()
    assert "2行目: 所属「保）存在しない課」という課・部がありません。" in page
    assert response.context["token"] is None
    assert "取り込む</button>" not in page


def test_an_expired_token_imports_nothing(client, honbu):
    client.force_login(honbu)
    before = users_state()

    response = client.post(url("import_confirm"), {"token": "nothing-here"}, follow=True)

    assert "有効期限が切れました" in response.content.decode()
    assert users_state() == before

"""Issue "April's personnel changes": optional directory login, against a real OpenLDAP server
started once per run on 127.0.0.1 (tests/ldap_server.py)."""

import datetime
import json

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, role_of
from departments.models import Organization
from tests import ldap_server
from tests.helpers import current_entry
from tests.ldap_server import GROUPS, PEOPLE, group, person
from vision_portal.ldap import DIRECTORY_BACKEND, backends_with_directory, directory_settings

PASSWORD = "directory-pass"
LOCAL_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]


@pytest.fixture(scope="session")
def directory():
    if not ldap_server.available():
        pytest.skip(f"{ldap_server.SLAPD} is missing (make system-deps installs it)")
    server = ldap_server.Slapd().start()
    server.add(ldap_server.SUFFIX, objectClass=["dcObject", "organization"], dc="city", o="city")
    server.add(PEOPLE, objectClass="organizationalUnit", ou="people")
    server.add(GROUPS, objectClass="organizationalUnit", ou="groups")
    people = {
        "tanaka": ("田中", "一郎", "40001", ["保）保護課"]),
        "suzuki": ("鈴木", "花子", "40002", ["子)地域連携課"]),  # half-width ) as people type it
        "yamada": ("山田", "次郎", "40003", []),
        "sato": ("佐藤", "三郎", "40004", ["保）存在しない課", "子）児童相談所"]),
    }
    for uid, (sn, given, number, sections) in people.items():
        attributes = {
            "objectClass": "inetOrgPerson",
            "uid": uid,
            "cn": f"{sn} {given}",
            "sn": sn,
            "givenName": given,
            "mail": f"{uid}@city.example.jp",
            "employeeNumber": number,
            "userPassword": PASSWORD,
        }
        if sections:
            attributes["departmentNumber"] = sections
        server.add(person(uid), **attributes)
    server.add(group("honbu"), objectClass="groupOfNames", cn="honbu", member=person("suzuki"))
    server.add(group("kacho"), objectClass="groupOfNames", cn="kacho", member=person("tanaka"))
    server.add(group("chiiki"), objectClass="groupOfNames", cn="chiiki", member=person("yamada"))
    yield server
    server.stop()


def environment(server, **extra):
    return {
        "LDAP_SERVER_URI": server.uri,
        "LDAP_USER_SEARCH_BASE": PEOPLE,
        "LDAP_GROUP_SEARCH_BASE": GROUPS,
        **extra,
    }


MAPPED = {
    "LDAP_SECTION_ATTRIBUTE": "departmentNumber",
    "LDAP_SECTION_GROUPS": json.dumps({group("chiiki"): "子）地域連携課"}),
    "LDAP_ROLE_GROUPS": json.dumps({"推進本部": group("honbu"), "課長": group("kacho")}),
}


def with_directory(environ):
    values = directory_settings(environ)
    return override_settings(
        AUTHENTICATION_BACKENDS=backends_with_directory(LOCAL_BACKENDS, values), **values
    )


@pytest.fixture
def mapped(db, directory):
    with with_directory(environment(directory, **MAPPED)):
        yield directory


@pytest.fixture
def portal_managed(db, directory):
    with with_directory(environment(directory)):
        yield directory


def log_in(client, username, password=PASSWORD):
    response = client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.8"
    )
    return response


def logged_in_as(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def labels(user):
    return sorted(o.label for o in user.organizations.all())


# --- settings ------------------------------------------------------------------------------------


def test_without_the_variables_nothing_changes():
    assert directory_settings({}) == {}
    assert DIRECTORY_BACKEND not in settings.AUTHENTICATION_BACKENDS
    assert backends_with_directory(LOCAL_BACKENDS, {}) == LOCAL_BACKENDS


def test_the_directory_backend_comes_after_login_throttling_and_before_local_passwords():
    values = directory_settings({"LDAP_SERVER_URI": "ldap://x", "LDAP_USER_SEARCH_BASE": "o=x"})
    assert backends_with_directory(LOCAL_BACKENDS, values) == [
        LOCAL_BACKENDS[0],
        DIRECTORY_BACKEND,
        *LOCAL_BACKENDS[1:],
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"LDAP_USER_SEARCH_BASE": ""}, "環境変数 LDAP_USER_SEARCH_BASE を設定してください。"),
        ({"LDAP_ROLE_GROUPS": "[1]"}, "環境変数 LDAP_ROLE_GROUPS は"),
        ({"LDAP_ROLE_GROUPS": '{"部長": "cn=x"}'}, "LDAP_ROLE_GROUPS の役割「部長」は使えません"),
        ({"LDAP_GROUP_TYPE": "nis", "LDAP_GROUP_SEARCH_BASE": "o=x"}, "LDAP_GROUP_TYPE は"),
        (
            {"LDAP_SECTION_GROUPS": '{"cn=x": "保）保護課"}'},
            "グループで役割・所属を決めるには LDAP_GROUP_SEARCH_BASE を設定してください。",
        ),
    ],
)
def test_a_wrong_setting_stops_the_start_with_a_japanese_message(extra, message):
    environ = {"LDAP_SERVER_URI": "ldap://x", "LDAP_USER_SEARCH_BASE": "o=x", **extra}
    with pytest.raises(ImproperlyConfigured, match=message):
        directory_settings(environ)


# --- logging in ----------------------------------------------------------------------------------


def test_a_directory_account_logs_in_with_sections_and_role_from_the_mapping(client, mapped):
    response = log_in(client, "tanaka")

    assert response.status_code == 302
    user = logged_in_as(client)
    assert (user.username, user.last_name, user.first_name) == ("tanaka", "田中", "一郎")
    assert (user.email, user.employee_number) == ("tanaka@city.example.jp", "40001")
    assert labels(user) == ["保）保護課"]
    assert role_of(user) == Role.HEAD
    assert not user.has_usable_password()
    assert user.history.latest().history_change_reason == "ディレクトリからの同期"


def test_groups_map_to_the_hq_role_and_to_sections(client, mapped):
    log_in(client, "suzuki")
    suzuki = logged_in_as(client)
    assert role_of(suzuki) == Role.HQ
    assert labels(suzuki) == ["子）地域連携課"]

    client.logout()
    log_in(client, "yamada")
    assert labels(logged_in_as(client)) == ["子）地域連携課"]


def test_an_unknown_section_in_the_directory_is_left_out(client, mapped):
    log_in(client, "sato")
    assert labels(logged_in_as(client)) == ["子）児童相談所"]


def test_a_second_login_with_nothing_changed_adds_no_history(client, mapped):
    log_in(client, "tanaka")
    user = logged_in_as(client)
    records = user.history.count()
    client.logout()

    log_in(client, "tanaka")

    assert logged_in_as(client) == user
    assert user.history.count() == records


def test_without_a_mapping_sections_and_role_stay_as_the_hq_set_them(client, portal_managed):
    user = User.objects.create(username="tanaka", last_name="田中")
    user.organizations.add(Organization.objects.get(label="子）地域連携課"))

    log_in(client, "tanaka")

    user = logged_in_as(client)
    assert labels(user) == ["子）地域連携課"]
    assert role_of(user) == Role.STAFF
    assert user.email == "tanaka@city.example.jp"


def test_a_member_of_staff_imported_from_the_personnel_list_is_the_same_account(
    client, portal_managed
):
    imported = User.objects.create(username="40001", employee_number="40001", last_name="田中")

    log_in(client, "tanaka")

    assert logged_in_as(client) == imported
    assert not User.objects.filter(username="tanaka").exists()


def test_a_wrong_directory_password_is_refused(client, mapped):
    response = log_in(client, "tanaka", "wrong")

    assert response.status_code == 200
    assert "正しいユーザー名とパスワードを入力してください" in response.content.decode()
    assert logged_in_as(client) is None


def test_local_accounts_keep_working(client, mapped, hogo):
    assert log_in(client, "hogo", "vision-demo").status_code == 302
    assert logged_in_as(client) == hogo


def test_local_accounts_keep_working_when_the_directory_is_down(client, hogo):
    with with_directory({"LDAP_SERVER_URI": "ldap://127.0.0.1:9", "LDAP_USER_SEARCH_BASE": PEOPLE}):
        assert log_in(client, "tanaka").status_code == 200
        assert log_in(client, "hogo", "vision-demo").status_code == 302
    assert logged_in_as(client) == hogo


# --- the same rules as for local accounts --------------------------------------------------------


def test_a_deactivated_directory_account_cannot_log_in_and_its_session_ends(client, mapped):
    log_in(client, "tanaka")
    user = logged_in_as(client)
    assert client.get(reverse("home")).status_code == 200

    User.objects.filter(pk=user.pk).update(is_active=False)

    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.logout()
    assert log_in(client, "tanaka").status_code == 200
    assert logged_in_as(client) is None
    assert not User.objects.get(pk=user.pk).is_active  # the directory does not reopen it


def test_five_failed_directory_logins_lock_the_account(client, mapped):
    for _ in range(4):
        assert log_in(client, "tanaka", "wrong").status_code == 200
    assert log_in(client, "tanaka", "wrong").status_code == 429

    locked = log_in(client, "tanaka")

    assert locked.status_code == 429
    assert "ログインを停止しました" in locked.content.decode()
    assert logged_in_as(client) is None


def test_an_idle_directory_session_ends_like_any_other(client, mapped):
    log_in(client, "tanaka")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = client.get(reverse("home"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_permission_rules_treat_a_directory_user_by_their_sections(client, mapped, period):
    log_in(client, "tanaka")
    own = current_entry("保）保護課")
    other = current_entry("子）地域連携課", exclude_section="保）保護課")

    assert client.get(reverse("initiatives:edit", args=[own.pk])).status_code == 200
    assert client.get(reverse("initiatives:edit", args=[other.pk])).status_code == 403
    home = client.get(reverse("home"))
    assert own in home.context["entries"]
    assert other not in home.context["entries"]


def test_with_user_creation_off_only_accounts_already_in_the_portal_log_in(db, client, directory):
    User.objects.create(username="40002", employee_number="40002", last_name="鈴木")
    with with_directory(environment(directory, LDAP_CREATE_USERS="false")):
        assert log_in(client, "tanaka").status_code == 200
        assert not User.objects.filter(username="tanaka").exists()
        assert log_in(client, "suzuki").status_code == 302
    assert logged_in_as(client).username == "40002"


def test_a_required_group_keeps_everyone_else_out(db, client, directory):
    with with_directory(environment(directory, LDAP_REQUIRE_GROUP=group("honbu"))):
        assert log_in(client, "tanaka").status_code == 200
        assert logged_in_as(client) is None
        assert log_in(client, "suzuki").status_code == 302
    assert logged_in_as(client).username == "suzuki"

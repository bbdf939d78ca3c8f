"""The admin's user add page makes a working user in one save: login, name, sections, role."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.forms import ROLE_HQ, ROLE_SECTION
from accounts.roles import is_hq, organization_ids
from departments.models import Organization

pytestmark = pytest.mark.django_db

URL = reverse("admin:accounts_user_add")


def add(client, **fields):
    data = {
        "username": "new-user",
        "usable_password": "true",
        "password1": "a-long-Password-2026",
        "password2": "a-long-Password-2026",
        "last_name": "新人",
        **fields,
    }
    return client.post(URL, data)


def test_a_section_user_gets_the_chosen_sections_in_the_same_save(client, admin_user):
    client.force_login(admin_user)
    sections = list(Organization.objects.filter(label__in=["保）保護課", "子）地域連携課"]))
    response = add(client, organizations=[s.pk for s in sections], role=ROLE_SECTION)
    assert response.status_code == 302
    user = get_user_model().objects.get(username="new-user")
    assert organization_ids(user) == {s.pk for s in sections}
    assert not is_hq(user)


def test_an_hq_user_is_made_a_member_of_the_hq_in_the_same_save(client, admin_user):
    client.force_login(admin_user)
    response = add(client, role=ROLE_HQ)
    assert response.status_code == 302
    assert is_hq(get_user_model().objects.get(username="new-user"))


def test_a_section_user_without_a_section_is_refused_with_a_message(client, admin_user):
    client.force_login(admin_user)
    count = get_user_model().objects.count()
    response = add(client, role=ROLE_SECTION)
    assert response.status_code == 200
    assert "課・部の担当者には所属を１つ以上選んでください。" in response.content.decode()
    assert get_user_model().objects.count() == count


def test_the_add_page_offers_sections_and_role(client, admin_user):
    client.force_login(admin_user)
    page = client.get(URL).content.decode()
    assert 'name="organizations"' in page and 'name="role"' in page


def test_every_app_of_the_admin_index_has_a_japanese_name(client, admin_user):
    client.force_login(admin_user)
    apps = client.get(reverse("admin:index")).context["app_list"]
    names = [app["name"] for app in apps] + [m["name"] for app in apps for m in app["models"]]
    assert names and all(not name.isascii() for name in names), names


def test_the_change_page_shows_and_changes_the_role(client, admin_user, hogo):
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[hogo.pk])
    form = client.get(url).context["adminform"].form
    assert form["role"].value() == ROLE_SECTION
    data = {
        "username": hogo.username,
        "last_name": hogo.last_name,
        "organizations": [o.pk for o in hogo.organizations.all()],
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        "role": ROLE_HQ,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert is_hq(get_user_model().objects.get(pk=hogo.pk))
    response = client.post(url, {**data, "role": ROLE_SECTION})
    assert not is_hq(get_user_model().objects.get(pk=hogo.pk))

"""The admin's 利用者を追加 leads to the page that makes a user with their sections and role in
one step; the admin index names every app and model in Japanese."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_adding_a_user_in_the_admin_opens_the_page_with_sections_and_role(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:accounts_user_add"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:add")
    page = response.content.decode()
    assert 'name="organizations"' in page and 'name="role"' in page


def test_every_app_of_the_admin_index_has_a_japanese_name(client, admin_user):
    client.force_login(admin_user)
    apps = client.get(reverse("admin:index")).context["app_list"]
    names = [app["name"] for app in apps] + [m["name"] for app in apps for m in app["models"]]
    assert names and all(not name.isascii() for name in names), names

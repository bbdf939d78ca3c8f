"""The menu at the top of every page."""

import pytest
from django.test.utils import override_script_prefix
from django.urls import reverse

pytestmark = pytest.mark.django_db


def menu_of(client):
    page = client.get(reverse("home")).content.decode()
    return page[page.index('<nav aria-label="メインメニュー">') : page.index("</nav>")]


def test_the_menu_links_to_the_pages_under_the_prefix_the_portal_is_served_at(client, honbu):
    """The links are reversed once per process for each script prefix (portal_tags.page_url)."""
    client.force_login(honbu)
    assert 'href="/shiryo3/"' in menu_of(client)
    with override_script_prefix("/portal/"):
        mounted = menu_of(client)
    assert 'href="/portal/shiryo3/"' in mounted and 'href="/shiryo3/"' not in mounted
    assert 'href="/portal/' not in menu_of(client)

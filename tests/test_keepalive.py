"""Typing keeps the session alive: the edit pages ping a keep-alive endpoint, which restarts
the idle time; the script that does it is a static file (no inline script under the CSP)."""

import datetime
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from tests.helpers import current_entry, current_report

pytestmark = pytest.mark.django_db


def test_a_ping_restarts_the_idle_time(client, hogo):
    client.force_login(hogo)
    key = client.session.session_key
    almost_over = timezone.now() + datetime.timedelta(seconds=30)
    Session.objects.filter(session_key=key).update(expire_date=almost_over)
    response = client.post(reverse("cycle:keepalive"))
    assert response.status_code == 200
    assert response.json() == {"authenticated": True, "seconds_left": settings.SESSION_COOKIE_AGE}
    expires = Session.objects.get(session_key=key).expire_date
    assert expires > timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_an_ended_session_is_told_not_redirected(client):
    response = client.post(reverse("cycle:keepalive"))
    assert response.status_code == 401
    assert response.json() == {"authenticated": False}


def test_the_keepalive_wants_a_post_with_the_csrf_token(client, hogo):
    client.force_login(hogo)
    assert client.get(reverse("cycle:keepalive")).status_code == 405
    strict = client.__class__(enforce_csrf_checks=True)
    strict.force_login(hogo)
    assert strict.post(reverse("cycle:keepalive")).status_code == 403


@pytest.mark.parametrize("document", ["shiryo3", "shiryo2"])
def test_edit_pages_carry_what_the_script_needs_and_no_inline_script(client, hogo, jisou, document):
    if document == "shiryo3":
        client.force_login(hogo)
        entry = current_entry("保）保護課")
        url = reverse("initiatives:edit", args=[entry.pk])
    else:
        client.force_login(jisou)
        entry = current_report("子）児童相談所")
        url = reverse("recommendations:edit", args=[entry.pk])
    page = client.get(url).content.decode()
    assert f'data-keep-typing="{url}"' in page
    assert f'data-version="{entry.version}"' in page
    assert f'data-keepalive-url="{reverse("cycle:keepalive")}"' in page
    assert f'data-session-seconds="{settings.SESSION_COOKIE_AGE}"' in page
    assert 'maxlength="4000"' in page
    assert "data-confirm=" in page  # 提出する asks first
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and all("src=" in tag for tag in scripts)
    assert finders.find("js/cycle.js")

"""Production settings, security headers, login throttling and idle sessions."""

import datetime
import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from core.middleware import KEY as REFRESHED_AT

pytestmark = pytest.mark.django_db

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "vision_portal.settings.production",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-for-the-check-0123456789abcdef",
    "DJANGO_ALLOWED_HOSTS": "portal.city.example",
    "DATABASE_URL": "postgres://portal@db.city.example:5432/vision_portal",
}


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        # A production environment: not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE.
        env={**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}, **env},
        capture_output=True,
        text=True,
    )


def test_deploy_check_is_clean_with_production_settings():
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_its_secrets(missing):
    # An empty variable counts as missing.
    done = manage("check", env={**PRODUCTION_ENV, missing: ""})
    assert done.returncode != 0
    assert f"環境変数 {missing} を設定してください。" in done.stderr


def test_pages_send_a_strict_content_security_policy(client, hogo):
    client.force_login(hogo)
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def log_in(client, password):
    return client.post(
        reverse("login"), {"username": "hogo", "password": password}, REMOTE_ADDR="10.0.0.7"
    )


def test_five_failed_logins_lock_the_user_until_an_admin_unlocks(client, hogo, admin_user):
    for _ in range(4):
        response = log_in(client, "wrong")
        assert "正しいユーザー名とパスワードを入力してください" in response.content.decode()
    locked = log_in(client, "wrong")
    assert locked.status_code == 429
    assert "ログインを停止しました" in locked.content.decode()
    # Even the right password is refused now.
    right = log_in(client, "vision-demo")
    assert right.status_code == 429 and "_auth_user_id" not in client.session

    # An administrator unlocks it by deleting the attempt in the admin.
    attempt = AccessAttempt.objects.get(username="hogo")
    admin = client.__class__()
    admin.force_login(admin_user)
    delete = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 302
    response = log_in(client, "vision-demo")
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_idle_session_expires(client, hogo):
    client.force_login(hogo)
    assert client.get(reverse("home")).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date <= timezone.now() + datetime.timedelta(minutes=31)
    session.expire_date = timezone.now() - datetime.timedelta(seconds=1)
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_using_the_portal_extends_the_idle_timeout(client, hogo):
    client.force_login(hogo)
    client.get(reverse("home"))
    session = Session.objects.get(session_key=client.session.session_key)
    # Later, with the last refresh ten minutes ago and five minutes left, the user clicks on.
    data = session.get_decoded()
    data[REFRESHED_AT] -= 600
    Session.objects.filter(pk=session.pk).update(
        session_data=SessionStore().encode(data),
        expire_date=timezone.now() + datetime.timedelta(minutes=5),
    )
    client.get(reverse("home"))
    session.refresh_from_db()
    assert session.expire_date > timezone.now() + datetime.timedelta(minutes=29)


def test_a_page_view_within_the_minute_writes_no_session(client, hogo, django_assert_num_queries):
    client.force_login(hogo)
    client.get(reverse("healthz"))
    with django_assert_num_queries(2):  # the session and the user are read, nothing written
        client.get(reverse("healthz"))

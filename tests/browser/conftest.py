"""Browser tests: one headless Debian Chromium per run, a fresh context (cookies, storage) per
persona, pytest-django's live server, and the seed reloaded for each test
(`seeded_transactional_db`)."""

import os
import re

import pytest
from playwright.sync_api import expect, sync_playwright

from operations.demo import DEMO_PASSWORD

# The sync Playwright API keeps an event loop in the test thread; Django would otherwise refuse
# ORM calls made from it (SynchronousOnlyOperation).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (make system-deps installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """`new_page()` opens a page in a fresh context: a new, logged-out browser session.

    The contexts speak Japanese (Accept-Language: ja-JP) as the city's browsers do."""
    contexts = []

    def make():
        context = browser.new_context(
            base_url=live_server.url,
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
            viewport=VIEWPORT,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        # Confirmations (提出する, 取下げ, leaving unsaved changes) are answered yes unless the
        # test listens itself.
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def login(new_page, live_server):
    """`login("hogo")` logs the persona in through /login/ in a fresh context and returns the
    page, left on the home page (自課の取組, for the HQ 推進本部のトップ)."""

    def log_in(username):
        page = new_page()
        page.goto("/login/")
        page.get_by_label("ユーザー名").fill(username)
        page.get_by_label("パスワード").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        expect(page).to_have_url(f"{live_server.url}/")
        home = re.compile("^(自課の取組|推進本部のトップ)$")
        expect(page.get_by_role("heading", level=1, name=home)).to_be_visible()
        return page

    return log_in

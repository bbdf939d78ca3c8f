"""Issue "A reporting cycle people can live through", in a real browser: text typed when the
session ended comes back after logging in again; a returned row of the previous period stays
on the section's home after the HQ opens a new period (having confirmed what is unfinished)."""

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from initiatives.models import ProgressEntry
from operations.demo import DEMO_PASSWORD
from reporting import services
from reporting.access import current_period
from reporting.forms import ERROR_CONFIRM_UNFINISHED
from reporting.models import MAX_TEXT_LENGTH, EntryState, WorkflowEntry
from reporting.workflow import title

pytestmark = pytest.mark.browser

HOGO_SECTION = "保）保護課"
DRAFT_KEYS = """() => Object.keys(localStorage)
    .filter((key) => key.startsWith("vision-portal:draft:")).length"""


def hogo_rows(period):
    return (
        ProgressEntry.objects.filter(period=period, initiative__sections__label=HOGO_SECTION)
        .filter(state__in=WorkflowEntry.EDITABLE_BY_SECTION, initiative__repost_of=None)
        .order_by("pk")
    )


def log_in_on_the_login_page(page, username):
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def test_text_typed_when_the_session_ended_comes_back_after_logging_in(
    seeded_transactional_db, login, live_server
):
    period = current_period()
    entry = hogo_rows(period).first()
    typed = "・ブラウザテスト：区の研修に保護課から講師を派遣する（長い入力の途中）"

    page = login("hogo")
    page.goto(f"/shiryo3/{entry.pk}/edit/")
    plans = page.get_by_label(period.plans_label)
    plans.fill(typed)
    counter = page.locator(f"#{plans.get_attribute('id')}_count")
    expect(counter).to_have_text(f"{len(typed)} / {MAX_TEXT_LENGTH} 文字")

    # The session ends on the server while the person is still typing.
    Session.objects.all().delete()
    page.get_by_role("button", name="下書き保存").click()
    expect(page).to_have_url(re.compile(rf"/login/\?next=/shiryo3/{entry.pk}/edit/"))

    log_in_on_the_login_page(page, "hogo")
    expect(page).to_have_url(f"{live_server.url}/shiryo3/{entry.pk}/edit/")
    plans = page.get_by_label(period.plans_label)
    expect(plans).to_have_value(entry.plans)  # what the server has: the save never happened
    offer = page.get_by_role("alert").filter(has_text="保存されていない入力")
    offer.get_by_role("button", name="残っている入力を戻す").click()
    expect(plans).to_have_value(typed)
    expect(offer).to_have_count(0)

    page.get_by_role("button", name="下書き保存").click()
    expect(page).to_have_url(f"{live_server.url}/shiryo3/{entry.pk}/")
    entry.refresh_from_db()
    assert (entry.plans, entry.state) == (typed, EntryState.DRAFT)

    # Saved, the draft is not offered again.
    page.goto(f"/shiryo3/{entry.pk}/edit/")
    expect(page.get_by_label(period.plans_label)).to_have_value(typed)
    expect(page.get_by_role("alert").filter(has_text="保存されていない入力")).to_have_count(0)

    # Logging out on purpose forgets what the browser kept (a shared PC).
    page.get_by_label(period.plans_label).fill("・ログアウト前の入力")
    assert page.evaluate(DRAFT_KEYS) == 1
    page.get_by_role("button", name="ログアウト").click()
    expect(page).to_have_url(re.compile("/login/"))
    assert page.evaluate(DRAFT_KEYS) == 0


def test_a_returned_row_of_the_previous_period_stays_on_the_sections_home(
    seeded_transactional_db, login, live_server
):
    from django.contrib.auth import get_user_model

    period = current_period()
    honbu_user = get_user_model().objects.get(username="honbu")
    entry = hogo_rows(period).first()
    comment = "ブラウザテスト：研修の回数を書き足してください。"
    ProgressEntry.objects.filter(pk=entry.pk).update(state=EntryState.SUBMITTED)
    entry.refresh_from_db()
    services.return_to_section(entries=[entry], user=honbu_user, comment=comment)

    honbu = login("honbu")
    honbu.goto("/periods/new/")
    unfinished = honbu.get_by_role("region", name=re.compile("の未完了の行$"))
    expect(unfinished.get_by_role("rowheader", name=HOGO_SECTION, exact=True)).to_be_visible()
    expect(honbu.get_by_label("コード")).to_have_value("R5H2")
    expect(honbu.get_by_label("名称")).to_have_value("令和５年度下半期")
    honbu.get_by_role("button", name="開始する").click()
    expect(honbu.get_by_text(ERROR_CONFIRM_UNFINISHED)).to_be_visible()
    honbu.get_by_label(re.compile("^未完了の行があることを確かめたうえで")).check()
    honbu.get_by_role("button", name="開始する").click()
    expect(honbu).to_have_url(f"{live_server.url}/periods/")
    expect(honbu.get_by_role("status")).to_contain_text("令和５年度下半期 を開始しました。")
    old = honbu.get_by_role("row").filter(
        has=honbu.get_by_role("rowheader", name=period.name, exact=True)
    )
    expect(old).to_contain_text("受付中")

    hogo = login("hogo")
    earlier = hogo.get_by_role("region", name=re.compile("^前の期間の未完了の行"))
    row = earlier.get_by_role("row").filter(
        has=hogo.get_by_role("rowheader", name=title(entry), exact=True)
    )
    expect(row).to_contain_text(period.name)
    expect(row).to_contain_text(EntryState.RETURNED.label)
    expect(row).to_contain_text(comment)
    notices = hogo.get_by_role("region", name="お知らせ")
    expect(notices).to_contain_text(comment)

    row.get_by_role("link", name=re.compile("^編集")).click()
    expect(hogo).to_have_url(f"{live_server.url}/shiryo3/{entry.pk}/edit/")
    expect(hogo.get_by_role("note")).to_contain_text(comment)


def test_a_warning_comes_before_the_session_ends_and_the_session_can_be_extended(
    seeded_transactional_db, login, settings
):
    # A 90-second session: the page warns in its last 30 seconds (counted a minute early,
    # since the server slides the expiry at most once a minute).
    settings.SESSION_COOKIE_AGE = 90
    period = current_period()
    entry = hogo_rows(period).first()
    page = login("hogo")
    page.goto(f"/shiryo3/{entry.pk}/edit/")
    page.get_by_label(period.plans_label).fill("・入力中")
    session_key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    before = Session.objects.get(session_key=session_key).expire_date

    warning = page.get_by_role("alert").filter(has_text="ログインの有効期限が切れます")
    expect(warning).to_be_visible(timeout=25_000)
    warning.get_by_role("button", name="ログインを延長する").click()
    expect(warning).to_have_count(0)
    assert Session.objects.get(session_key=session_key).expire_date > before


def test_a_list_marks_the_rows_changed_since_it_was_last_opened(seeded_transactional_db, login):
    from django.contrib.auth import get_user_model

    from reporting import services

    period = current_period()
    changed = hogo_rows(period).first()
    page = login("hogo")
    page.goto("/shiryo3/?mine=true")
    expect(page.get_by_role("rowheader", name=changed.reference, exact=True)).to_be_visible()
    expect(page.get_by_text("前回以降に更新", exact=True)).to_have_count(0)

    services.write(
        entry=changed,
        user=get_user_model().objects.get(username="honbu"),
        version=changed.version,
        values={"plans": "・推進本部が補記した取組内容"},
    )
    later = page.context.new_page()  # another visit, in a new tab of the same browser
    later.goto("/shiryo3/?mine=true")
    marks = later.get_by_text("前回以降に更新", exact=True)
    expect(marks).to_have_count(1)
    row = later.get_by_role("row").filter(has=marks)
    expect(row.get_by_role("link", name=changed.reference, exact=True)).to_be_visible()
    expect(later.get_by_text(re.compile("^前回この一覧を開いた"))).to_be_visible()


def test_leaving_an_edited_page_asks_first_and_an_untouched_one_does_not(
    seeded_transactional_db, login, live_server
):
    period = current_period()
    entry = hogo_rows(period).first()
    page = login("hogo")
    asked = []
    page.on("dialog", lambda dialog: asked.append(dialog.type))  # the fixture's handler answers

    page.goto(f"/shiryo3/{entry.pk}/edit/")
    page.goto("/")
    assert asked == []

    page.goto(f"/shiryo3/{entry.pk}/edit/")
    page.get_by_label(period.plans_label).fill("・保存していない入力")
    page.goto("/")
    assert asked == ["beforeunload"]
    expect(page).to_have_url(f"{live_server.url}/")

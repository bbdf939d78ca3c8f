"""The dashboard's full pages in the browser, with more sections and departments than the
dashboard shows: reached from the dashboard by their links, paged, fitting a phone's width and
passing axe-core."""

import pytest
from playwright.sync_api import expect

from operations.synthetic import multiply_seed
from tests.browser.test_accessibility import serious
from tests.browser.test_layout import page_width

pytestmark = pytest.mark.browser


def test_hq_follows_the_dashboard_to_every_sections_tracker_and_departments(
    seeded_transactional_db, login
):
    multiply_seed(3)
    honbu = login("honbu")
    problems = {}
    for width in (1366, 390):
        honbu.set_viewport_size({"width": width, "height": 900})
        honbu.goto("/dashboard/")
        honbu.get_by_role("link", name="すべての課・部の提出状況").click()
        expect(honbu.get_by_role("heading", level=1)).to_have_text("提出状況（すべての課・部）")
        expect(honbu.get_by_text("1〜50 件目").first).to_be_visible()
        pages = [honbu.url]
        honbu.get_by_role("link", name="次のページ").first.click()
        expect(honbu.get_by_text("2 / 2 ページ").first).to_be_visible()
        pages.append(honbu.url)
        honbu.goto("/dashboard/")
        honbu.get_by_role("link", name="すべての担当部の区分の件数").click()
        expect(honbu.get_by_role("heading", level=1)).to_have_text(
            "担当部ごとの区分の件数（すべて）"
        )
        pages.append(honbu.url)
        for url in pages:
            honbu.goto(url)
            scroll, client = page_width(honbu)
            found = {"width": scroll} if scroll > client else {}
            if violations := serious(honbu):
                found["axe"] = violations
            if found:
                problems[(width, url)] = found
    assert problems == {}


def test_section_staff_see_their_own_rows_on_the_full_tracker(seeded_transactional_db, login):
    hogo = login("hogo")
    hogo.set_viewport_size({"width": 390, "height": 900})
    hogo.goto("/dashboard/")
    hogo.get_by_role("link", name="すべての課・部の提出状況").click()
    rows = hogo.get_by_role("table", name="課・部ごとの報告の状態（すべて）").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("保）保護課")
    scroll, client = page_width(hogo)
    assert scroll <= client


def test_hq_follows_a_change_of_many_actions_to_all_of_them(seeded_transactional_db, login):
    from tests.test_dashboard_moves import move_every_action

    moved = move_every_action()
    honbu = login("honbu")
    honbu.set_viewport_size({"width": 390, "height": 900})
    honbu.goto("/dashboard/")
    honbu.get_by_role("link", name=f"D→A のすべての取組（{len(moved)} 件）").click()
    expect(honbu.get_by_role("heading", level=1)).to_have_text("区分が変わった取組（Ｄ→Ａ）")
    table = honbu.get_by_role("table", name="区分が Ｄ→Ａ に変わった取組")
    expect(table.locator("tbody tr")).to_have_count(min(len(moved), 50))
    scroll, client = page_width(honbu)
    assert scroll <= client
    assert serious(honbu) == []

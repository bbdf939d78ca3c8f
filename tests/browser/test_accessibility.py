"""Accessibility in the browser: axe-core finds no serious or critical violation on any main
page, and the edit form can be used with the keyboard alone, with a visible focus."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from initiatives.models import ProgressEntry
from recommendations.models import ActionReport
from reporting.models import EntryState

pytestmark = pytest.mark.browser

# JIS X 8341-3 AA corresponds to WCAG 2.x level AA.
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
}


def serious(page):
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def pages():
    entry = ProgressEntry.objects.filter(
        period__is_current=True, initiative__sections__label="保）保護課"
    ).first()
    report = ActionReport.objects.filter(
        period__is_current=True, action__departments__label="子）児童相談所"
    ).first()
    return [
        (None, "/login/"),
        (None, "/public/"),
        ("hogo", "/"),
        ("hogo", f"/shiryo3/{entry.pk}/"),
        ("hogo", f"/shiryo3/{entry.pk}/edit/"),
        ("jisou", f"/shiryo2/{report.pk}/"),
        ("jisou", f"/shiryo2/{report.pk}/edit/"),
        ("honbu", "/"),
        ("honbu", "/shiryo3/"),
        ("honbu", "/shiryo2/?chapter=1"),
        ("honbu", "/dashboard/"),
        ("honbu", "/periods/"),
        ("honbu", "/periods/new/"),
        ("honbu", "/periods/R5H1/close/"),
        ("honbu", "/cycle/reminders/"),
        ("honbu", "/documents/import/"),
        ("jisou", f"/shiryo3/{entry.pk}/edit/"),  # the 403 page
    ]


def test_no_serious_or_critical_violations_on_the_main_pages(
    seeded_transactional_db, login, new_page
):
    found = {}
    sessions = {}
    for username, path in pages():
        if username is None:
            page = sessions.setdefault(None, new_page())
        else:
            page = sessions.get(username) or sessions.setdefault(username, login(username))
        page.goto(path)
        violations = serious(page)
        if violations:
            found[f"{username} {path}"] = violations
    assert found == {}


def focus_is_visible(page):
    """The focused element draws an outline of at least 2px (the design system's focus ring)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
        }"""
    )


def focused_name(page):
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
            const name = label || el.getAttribute('aria-label') || el.innerText || el.value;
            return (name || '').trim();
        }"""
    )


def test_keyboard_only_through_the_edit_form(seeded_transactional_db, new_page, live_server):
    entry = ProgressEntry.objects.filter(
        period__is_current=True,
        initiative__sections__label="保）保護課",
        initiative__repost_of=None,
    ).first()
    page = new_page()
    page.goto("/login/")
    # The username field has the focus; type, Tab to the password, Enter to log in.
    expect(page.get_by_label("ユーザー名")).to_be_focused()
    page.keyboard.type("hogo")
    page.keyboard.press("Tab")
    page.keyboard.type("vision-demo")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="自課の取組")).to_be_visible()

    page.goto(f"/shiryo3/{entry.pk}/edit/")
    page.keyboard.press("Tab")
    assert focused_name(page) == "本文へ移動" and focus_is_visible(page)
    page.keyboard.press("Enter")  # skip the menus

    # From the main content, Tab reaches the two labelled texts and the two buttons, in order,
    # each with a visible focus.
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        name = focused_name(page)
        assert focus_is_visible(page), f"no visible focus on {name!r}"
        seen.append(name)
        if name == "提出する":
            break
    wanted = ["９月までの取組", "10月以降の取組", "下書き保存", "提出する"]
    positions = [next(i for i, name in enumerate(seen) if name.startswith(w)) for w in wanted]
    assert positions == sorted(positions), seen

    # Type into 10月以降の取組 with the keyboard and submit with Enter on the button.
    page.get_by_label("10月以降の取組").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("・キーボードだけで入力した取組")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused_name(page) == "提出する"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/shiryo3/{entry.pk}/(#main)?$"))  # after the skip link
    entry.refresh_from_db()
    assert (entry.state, entry.plans) == (EntryState.SUBMITTED, "・キーボードだけで入力した取組")

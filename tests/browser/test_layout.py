"""Issue "A first look without flaws": every main page, as each role, at desktop (1,366 px) and
phone (390 px) width, scrolls only downwards, passes axe-core (no serious or critical violation)
and shows no English beyond the code names people know."""

import re
from pprint import pformat

import pytest
from django.apps import apps
from playwright.sync_api import expect

from documents.exports import write_shiryo3
from initiatives.models import ProgressEntry
from recommendations.models import ActionReport
from reporting.access import current_period
from tests.browser.test_accessibility import serious

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1366, "phone": 390}

# Names that are English on purpose: products and formats people meet as such.
CODE_NAMES = {
    "Excel",
    "CSV",
    "JSON",
    "XLSX",
    "xlsx",
    "csv",
    "UTF",
    "BOM",
    "CP",
    "MB",
    "Django",
    "LDAP",
}
# Key names in Django's own Japanese help text of multiple selects.
KEY_NAMES = {"Control", "Command", "Mac"}
# The personas' login names (the admin shows the user's in capitals).
USERNAMES = {"admin", "ADMIN", "honbu", "hogo", "jisou"}
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")


def words_in_the_data():
    """ASCII words the seeded texts themselves contain (e.g. 「LINE」): data, not interface."""
    words = set()
    for model in apps.get_models():
        if model._meta.app_label not in ("initiatives", "recommendations", "departments"):
            continue
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if f.get_internal_type() in ("CharField", "TextField")
        ]
        for row in model.objects.values_list(*fields):
            for value in row:
                if isinstance(value, str):
                    words.update(ENGLISH_WORD.findall(value))
    return words


def main_pages():
    """(role, path) of every main page. The rows shown are each role's own where it has them."""
    entry = ProgressEntry.objects.filter(
        period__is_current=True, initiative__sections__label="保）保護課"
    ).first()
    report = ActionReport.objects.filter(
        period__is_current=True, action__departments__label="子）児童相談所"
    ).first()
    everyone = [
        "/",
        "/shiryo3/",
        "/shiryo2/",
        f"/shiryo3/{entry.pk}/",
        f"/shiryo2/{report.pk}/",
        "/dashboard/",
        "/periods/",
        "/documents/import/",
    ]
    pages = [(None, "/login/"), (None, "/public/")]
    pages += [("hogo", path) for path in [*everyone, f"/shiryo3/{entry.pk}/edit/"]]
    pages += [("jisou", path) for path in [*everyone, f"/shiryo2/{report.pk}/edit/"]]
    hq_pages = [
        *everyone,
        f"/periods/{current_period().code}/meeting/",
        f"/periods/{current_period().code}/close/",
        "/cycle/reminders/",
        "/users/",
        "/users/add/",
        f"/shiryo3/{entry.pk}/edit/",
        f"/shiryo2/{report.pk}/edit/",
        "/periods/new/",
    ]
    pages += [("honbu", path) for path in hq_pages]
    pages += [("admin", path) for path in [*hq_pages, "/admin/", "/admin/accounts/user/add/"]]
    return pages


def page_width(page):
    return page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


def visible_english(page, allowed):
    """English words on the page, code (<code>, <kbd>, <samp>) left out. Empties the code
    elements: run it last on a page."""
    text = page.evaluate(
        """() => {
            document.querySelectorAll('code, kbd, samp').forEach(el => { el.textContent = ''; });
            return document.body.innerText;
        }"""
    )
    return sorted(set(ENGLISH_WORD.findall(text)) - allowed)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_main_page_fits_passes_axe_and_speaks_japanese(
    seeded_transactional_db, login, new_page, width
):
    allowed = CODE_NAMES | KEY_NAMES | USERNAMES | words_in_the_data()
    sessions = {}
    problems = {}
    for username, path in main_pages():
        if username not in sessions:
            sessions[username] = new_page() if username is None else login(username)
            sessions[username].set_viewport_size({"width": width, "height": 900})
        page = sessions[username]
        response = page.goto(path)
        found = {}
        if response.status != 200:
            found["status"] = response.status
        scroll, client = page_width(page)
        if scroll > client:
            found["width"] = scroll
        # The Django admin's markup is Django's own: only its width and words are checked.
        if not path.startswith("/admin/") and (violations := serious(page)):
            found["axe"] = violations
        if english := visible_english(page, allowed):
            found["english"] = english
        if found:
            problems[f"{username} {path}"] = found
    assert not problems, pformat(problems, width=100)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_import_preview_fits_and_passes_axe(seeded_transactional_db, login, width, tmp_path):
    """The page reached by uploading a file: hogo uploads 資料3 as exported."""
    path = tmp_path / "shiryo3.xlsx"
    write_shiryo3(current_period(), path)
    page = login("hogo")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/documents/import/")
    page.get_by_label("資料3 人材育成ビジョンに基づく取組").check()
    page.get_by_label("ファイル").set_input_files(path)
    page.get_by_role("button", name="内容を確認する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("取込みの確認")
    scroll, client = page_width(page)
    assert scroll <= client
    assert serious(page) == []
    assert visible_english(page, CODE_NAMES | USERNAMES | words_in_the_data()) == []

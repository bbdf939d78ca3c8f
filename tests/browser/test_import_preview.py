"""The import preview in the browser: a stale file's conflict shown with both texts, accessible,
fitting a phone, and settled by the HQ's choice."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from documents.exports import export_shiryo3
from reporting.models import ReportingPeriod
from tests.browser.test_accessibility import serious
from tests.test_document_import_versions import edit_on_page, hogo_entries, plans_cell

pytestmark = pytest.mark.browser


def test_a_conflict_in_the_preview_is_shown_and_settled_by_the_hqs_choice(
    seeded_transactional_db, login, tmp_path
):
    period = ReportingPeriod.objects.get(is_current=True)
    first, second = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, first).value = "本部のファイルの内容"
    plans_cell(workbook, second).value = "本部の変更"
    path = tmp_path / "資料3.xlsx"
    workbook.save(path)
    edit_on_page(first, get_user_model().objects.get(username="hogo"), "課が後から書いた内容")

    page = login("honbu")
    page.goto("/documents/import/")
    page.get_by_label("資料3 人材育成ビジョンに基づく取組").check()
    page.get_by_label("ファイル").set_input_files(str(path))
    page.get_by_role("button", name="内容を確認する").click()
    expect(page.get_by_text("競合した行（1 件）")).to_be_visible()
    expect(page.get_by_role("cell", name="課が後から書いた内容")).to_be_visible()
    assert serious(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_label("上書きする").check()
    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_text("を取り込みました")).to_be_visible()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.plans, second.plans) == ("本部のファイルの内容", "本部の変更")

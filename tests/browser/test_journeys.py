"""Issue "Section staff enter progress, the HQ reviews": the journeys through a real browser.

Every expected row is computed from the seeded database, never written down as a constant."""

import os
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from initiatives.models import ProgressEntry
from recommendations.models import ActionReport, Classification
from reporting.access import current_period
from reporting.models import EntryState, WorkflowEntry

pytestmark = pytest.mark.browser

HOGO_SECTION = "保）保護課"
JISOU_DEPARTMENT = "子）児童相談所"
DENIED_NOT_RESPONSIBLE = "この行は担当の課・部の利用者と推進本部だけが変更できます。"
# README's screenshots are rewritten only on request (UPDATE_SCREENSHOTS=1); otherwise the
# journeys still take them, into a temporary folder.
README_SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"


@pytest.fixture
def screenshots(tmp_path):
    return README_SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path


# --- locators ---------------------------------------------------------------------------------


def home_table(page, document):
    """The home page's table of 資料3 or 資料2 rows (a section labelled by its heading)."""
    return page.get_by_role("region", name=re.compile(rf"^{document}")).get_by_role("table")


def home_row(page, reference):
    """The row of one 資料3 entry on the home page, found by its row header (the reference)."""
    return (
        home_table(page, "資料3")
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=reference, exact=True))
    )


def cell_with_text(row, text):
    """The row's cell whose text is exactly `text` (matched on text, not on the accessible name,
    which also carries the state badges' CSS icons such as "⚠ ")."""
    return row.get_by_role("cell").filter(has_text=re.compile(rf"^\s*{re.escape(text)}\s*$"))


def summary(page, term):
    """The value (<dd>) after the term (<dt>) in a detail page's summary list."""
    return page.locator(f"xpath=//dl/dt[normalize-space()='{term}']/following-sibling::dd[1]")


def edit_link(scope, reference):
    """The 編集 link of a row; its accessible name ends with the visually hidden reference."""
    return scope.get_by_role("link", name=re.compile(rf"^編集\s*（{re.escape(reference)}）$"))


def submit(page):
    page.get_by_role("button", name="提出する", exact=True).click()


def review(page, decision, comment=""):
    """The HQ's review form on a detail page: 承認する or 差戻す, then 確定する."""
    page.get_by_role("radio", name=decision, exact=True).check()
    if comment:
        page.get_by_label("差戻しコメント").fill(comment)
    page.get_by_role("button", name="確定する", exact=True).click()


# --- database ---------------------------------------------------------------------------------


def entries_of_section(period, label):
    return ProgressEntry.objects.filter(period=period, initiative__sections__label=label).distinct()


def snapshot(entry):
    entry = type(entry).objects.get(pk=entry.pk)
    return {
        "state": entry.state,
        "version": entry.version,
        "results": entry.results,
        "plans": entry.plans,
        "return_comment": entry.return_comment,
        "history": entry.history.count(),
    }


# --- journeys ---------------------------------------------------------------------------------


def test_section_submits_hq_returns_section_resubmits_hq_approves(seeded_transactional_db, login):
    period = current_period()
    mine = entries_of_section(period, HOGO_SECTION)
    expected_references = sorted(entry.reference for entry in mine)
    assert expected_references, "the seed gives 保）保護課 rows in the current period"
    entry = next(
        e
        for e in mine.order_by("pk")
        if e.state in WorkflowEntry.EDITABLE_BY_SECTION
        and not e.initiative.repost_of_id
        and e.results.strip()
    )
    reference = entry.reference
    history_before = entry.history.count()
    first_text = "・ブラウザテスト：保護課の10月以降の取組（1回目の提出）"
    comment = "研修の実施時期を具体的に書いてください。"
    final_text = "・ブラウザテスト：令和５年11月に保護課職員向けの研修を実施する（再提出）"

    # hogo sees exactly 保）保護課's 資料3 rows, and no 資料2 table.
    hogo = login("hogo")
    row_headers = home_table(hogo, "資料3").get_by_role("rowheader")
    expect(row_headers).to_have_count(len(expected_references))
    assert sorted(row_headers.all_inner_texts()) == expected_references
    expect(hogo.get_by_role("region", name=re.compile(r"^資料2"))).to_have_count(0)
    expect(hogo.get_by_role("table")).to_have_count(1)

    # hogo edits one row's 10月以降の取組 and submits.
    edit_link(home_row(hogo, reference), reference).click()
    expect(hogo).to_have_url(re.compile(rf"/shiryo3/{entry.pk}/edit/$"))
    plans = hogo.get_by_label(period.plans_label)
    expect(plans).to_have_value(entry.plans)
    plans.fill(first_text)
    submit(hogo)
    expect(hogo).to_have_url(re.compile(rf"/shiryo3/{entry.pk}/$"))
    expect(hogo.get_by_role("status")).to_contain_text(f"{reference} の報告を提出しました。")
    expect(summary(hogo, "状態")).to_have_text(EntryState.SUBMITTED.label)

    # honbu returns it with a comment.
    honbu = login("honbu")
    honbu.goto(f"/shiryo3/{entry.pk}/")
    expect(summary(honbu, "状態")).to_have_text(EntryState.SUBMITTED.label)
    review(honbu, "差戻す", comment)
    expect(honbu.get_by_role("status")).to_contain_text(f"{reference} を差戻しました。")
    expect(summary(honbu, "状態")).to_have_text(EntryState.RETURNED.label)
    expect(summary(honbu, "差戻しコメント")).to_have_text(comment)

    # hogo, logged in again, finds the comment next to the row, fixes the text and resubmits.
    hogo = login("hogo")
    row = home_row(hogo, reference)
    expect(cell_with_text(row, EntryState.RETURNED.label)).to_be_visible()
    expect(cell_with_text(row, comment)).to_be_visible()
    edit_link(row, reference).click()
    expect(hogo.get_by_role("note")).to_contain_text(comment)
    plans = hogo.get_by_label(period.plans_label)
    expect(plans).to_have_value(first_text)
    plans.fill(final_text)
    submit(hogo)
    expect(summary(hogo, "状態")).to_have_text(EntryState.SUBMITTED.label)

    # honbu approves.
    honbu.goto(f"/shiryo3/{entry.pk}/")
    review(honbu, "承認する")
    expect(honbu.get_by_role("status")).to_contain_text(f"{reference} を承認しました。")
    expect(summary(honbu, "状態")).to_have_text(EntryState.APPROVED.label)

    entry.refresh_from_db()
    assert entry.state == EntryState.APPROVED
    assert entry.plans == final_text
    assert entry.return_comment == ""
    records = list(entry.history.order_by("history_date", "history_id"))[history_before:]
    assert [(r.state, r.history_user.username) for r in records] == [
        (EntryState.SUBMITTED, "hogo"),
        (EntryState.RETURNED, "honbu"),
        (EntryState.SUBMITTED, "hogo"),
        (EntryState.APPROVED, "honbu"),
    ]
    assert [r.plans for r in records] == [first_text, first_text, final_text, final_text]
    assert records[1].return_comment == comment


def test_other_section_is_refused_on_hogos_edit_page(seeded_transactional_db, login):
    period = current_period()
    jisou = get_user_model().objects.get(username="jisou")
    entry = (
        entries_of_section(period, HOGO_SECTION)
        .exclude(initiative__sections__in=jisou.organizations.all())
        .order_by("pk")
        .first()
    )
    assert entry is not None, "the seed gives 保）保護課 a row that is not also jisou's"
    before = snapshot(entry)

    page = login("jisou")
    response = page.goto(f"/shiryo3/{entry.pk}/edit/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("この操作はできません")
    expect(page.get_by_role("alert")).to_have_text(DENIED_NOT_RESPONSIBLE)
    expect(page.get_by_label(period.plans_label)).to_have_count(0)

    # A hand-made POST with a valid CSRF token is refused the same way.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"/shiryo3/{entry.pk}/edit/",
        form={
            "version": str(before["version"]),
            "results": "書き換え",
            "plans": "書き換え",
            "submit": "",
        },
        headers={"X-CSRFToken": token},
    )
    assert response.status == 403
    assert DENIED_NOT_RESPONSIBLE in response.text()

    # The detail page does not offer the edit button either.
    page.goto(f"/shiryo3/{entry.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(entry.reference)
    expect(page.get_by_role("link", name="報告を編集する")).to_have_count(0)

    assert snapshot(entry) == before


def test_department_reclassifies_a_status_and_adds_one(seeded_transactional_db, login):
    period = current_period()
    reports = (
        ActionReport.objects.filter(
            period=period,
            action__departments__label=JISOU_DEPARTMENT,
            state__in=WorkflowEntry.EDITABLE_BY_SECTION,
        )
        .distinct()
        .order_by("pk")
        .prefetch_related("statuses")
    )
    report = next(
        r for r in reports if [s.classification for s in r.statuses.all()] == [Classification.B]
    )
    (original,) = report.statuses.all()
    reference = report.reference
    text_a = "・ブラウザテスト：令和５年10月から児童相談所で取組を開始した。"
    text_c = "・ブラウザテスト：区との役割分担を速やかに検討する。"

    page = login("jisou")
    edit_link(home_table(page, "資料2"), reference).click()
    expect(page).to_have_url(re.compile(rf"/shiryo2/{report.pk}/edit/$"))

    existing = page.get_by_role("group", name="実施状況 1", exact=True)
    classification = existing.get_by_label("区分", exact=True)
    expect(classification).to_have_value(Classification.B)
    classification.select_option(label=Classification.A.label)
    existing.get_by_label("実施状況", exact=True).fill(text_a)

    added = page.get_by_role("group", name=re.compile(r"^新しい実施状況を追加"))
    added.get_by_label("実施状況", exact=True).fill(text_c)
    added.get_by_label("区分", exact=True).select_option(label=Classification.C.label)
    submit(page)

    expect(page).to_have_url(re.compile(rf"/shiryo2/{report.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text(f"{reference} の実施状況を提出しました。")
    expect(summary(page, "状態")).to_have_text(EntryState.SUBMITTED.label)
    statuses = page.get_by_role("heading", name=f"{period.name}の実施状況", exact=True).locator(
        "xpath=following-sibling::ol[1]"
    )
    items = statuses.get_by_role("listitem")
    expect(items).to_have_text(
        [
            re.compile(rf"^{Classification.A.mark}\s*{re.escape(text_a)}$"),
            re.compile(rf"^{Classification.C.mark}\s*{re.escape(text_c)}$"),
        ]
    )
    expect(items.nth(0).get_by_title(Classification.A.label)).to_have_text(Classification.A.mark)
    expect(items.nth(1).get_by_title(Classification.C.label)).to_have_text(Classification.C.mark)

    report.refresh_from_db()
    assert report.state == EntryState.SUBMITTED
    assert [
        (s.pk == original.pk, s.classification, s.text)
        for s in report.statuses.order_by("position")
    ] == [(True, Classification.A, text_a), (False, Classification.C, text_c)]
    assert report.history.order_by("history_date", "history_id").last().history_user.username == (
        "jisou"
    )


def test_readme_screenshots(seeded_transactional_db, login, new_page, screenshots):
    """home.png (hogo's home page), hq-home.png (honbu's, with a row hogo submitted),
    shiryo2-list.png (資料2 as honbu) and public-phone.png (the public page on a phone)."""
    from initiatives.services import save_progress

    SCREENSHOTS = screenshots
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    hogo = login("hogo")
    expect(home_table(hogo, "資料3")).to_be_visible()
    hogo.screenshot(path=SCREENSHOTS / "home.png", full_page=True, animations="disabled")

    entry = entries_of_section(current_period(), HOGO_SECTION).order_by("pk").first()
    save_progress(
        entry=entry,
        user=get_user_model().objects.get(username="hogo"),
        version=entry.version,
        results=entry.results,
        plans=f"{entry.plans}\n・研修の対象を全職員に広げる",
        submit=True,
    )
    honbu = login("honbu")
    waiting = honbu.get_by_role("region", name=re.compile("^推進本部の確認待ち"))
    expect(waiting.get_by_role("rowheader")).to_have_count(1)
    honbu.screenshot(path=SCREENSHOTS / "hq-home.png", full_page=True, animations="disabled")

    honbu.goto("/shiryo2/")
    expect(honbu.get_by_role("heading", level=1)).to_contain_text("資料2")
    expect(honbu.get_by_role("table", name="資料2の具体的な取組一覧")).to_be_visible()
    honbu.screenshot(path=SCREENSHOTS / "shiryo2-list.png", animations="disabled")

    phone = new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto("/public/?chapter=1")
    expect(phone.get_by_role("table")).to_be_visible()
    phone.get_by_role("table").evaluate("table => table.scrollIntoView()")  # the rows as cards
    phone.screenshot(path=SCREENSHOTS / "public-phone.png", animations="disabled")

    for name in ("home", "hq-home", "shiryo2-list", "public-phone"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 0


def test_hq_follows_a_dashboard_segment_to_the_same_rows(
    seeded_transactional_db, login, screenshots
):
    """honbu opens the dashboard, clicks chapter (1)'s 区分Ｂ segment of the chart, and lands on
    the 資料2 list filtered to as many rows as the segment says."""
    honbu = login("honbu")
    honbu.get_by_role("link", name="ダッシュボード").click()
    expect(honbu.get_by_role("heading", level=1, name="推進本部 ダッシュボード")).to_be_visible()
    screenshots.mkdir(parents=True, exist_ok=True)
    honbu.screenshot(path=screenshots / "dashboard.png", full_page=True, animations="disabled")

    segment = honbu.locator("svg#chart-chapters a[aria-label*='(1) '][aria-label*='区分Ｂ']")
    label = segment.get_attribute("aria-label")
    count = int(re.search(r"(\d+)件", label).group(1))
    segment.click()

    expect(honbu).to_have_url(re.compile(r"/shiryo2/\?.*classification=B"))
    expect(honbu.get_by_role("heading", level=1)).to_contain_text("資料2")
    expect(honbu.get_by_text(f"{count} 件", exact=True).first).to_be_visible()
    rows = honbu.get_by_role("table", name="資料2の具体的な取組一覧").locator("tbody tr")
    expect(rows).to_have_count(count)


def test_hq_downloads_shiryo3_of_the_seeded_period(seeded_transactional_db, login, tmp_path):
    """honbu downloads 資料3 from the period page; the file opens and has the document's title."""
    import openpyxl

    from core.wareki import era_month_label, month_label

    period = current_period()
    honbu = login("honbu")
    honbu.get_by_role("link", name="報告期間", exact=True).click()
    row = honbu.get_by_role("row").filter(has_text=period.name)
    with honbu.expect_download() as download_info:
        row.get_by_role("link", name="資料3（Excel）").click()
    download = download_info.value
    assert download.suggested_filename == f"資料3_{period.name}.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    book = openpyxl.load_workbook(path)
    title = book.worksheets[0]["A1"].value
    expected = (
        f"「子ども虐待防止に関する職務に従事する職員の人材育成ビジョン」に基づく"
        f"{era_month_label(period.results_until)}までの取組結果と"
        f"{month_label(period.plans_from)}以降の取組内容"
    )
    assert title == expected
    assert title.endswith("令和５年９月までの取組結果と10月以降の取組内容")


def test_hq_approves_a_selection_from_a_list_it_has_seen_before(seeded_transactional_db, login):
    """The list comes from the cache the second time; its checkboxes, action and button still
    post to the bulk form, with that response's CSRF token, and the list shows the change."""
    period = current_period()
    entries = list(
        ProgressEntry.objects.filter(period=period).select_related("initiative").order_by("pk")[:2]
    )
    ProgressEntry.objects.filter(pk__in=[e.pk for e in entries]).update(state=EntryState.SUBMITTED)
    honbu = login("honbu")
    honbu.goto("/shiryo3/?state=submitted")
    honbu.reload()  # the same list again, now from the cache
    table = honbu.get_by_role("table", name=re.compile("資料3の取組一覧"))
    expect(table.locator("tbody tr")).to_have_count(2)
    for entry in entries:
        honbu.get_by_label(f"{entry.reference} を選択").check()
    honbu.get_by_label("一括操作").select_option("approve")
    honbu.get_by_role("button", name="実行する").click()

    expect(honbu.get_by_text("2 件を承認しました。")).to_be_visible()
    expect(table.get_by_text("条件に合う取組はありません。")).to_be_visible()
    states = ProgressEntry.objects.filter(pk__in=[e.pk for e in entries]).values_list(
        "state", flat=True
    )
    assert set(states) == {EntryState.APPROVED}


def test_hogo_sees_what_an_import_would_remove_and_confirms_it(
    seeded_transactional_db, login, tmp_path
):
    """An import that empties a text lists it under 消える文章; the file is imported only once
    the box is ticked. A file with a formula is refused with its cell named."""
    import io

    from documents.exports import export_shiryo3
    from flatfiles.safe_reader import FORMULA

    period = current_period()
    workbook = export_shiryo3(period)
    target, sheet, row = None, None, None
    for ws in workbook:
        for cells in ws.iter_rows(min_row=4):
            if cells[5].value and HOGO_SECTION in str(cells[5].value) and cells[4].value:
                sheet, row = ws.title, cells[0].row
                break
        if row:
            break
    target = next(
        e
        for e in entries_of_section(period, HOGO_SECTION)
        if e.plans and e.plans.split("\n")[0] in str(workbook[sheet].cell(row, 5).value)
    )
    old = target.plans

    def upload(page, data, name):
        path = tmp_path / name
        path.write_bytes(data)
        page.goto("/documents/import/")
        page.get_by_label("資料3 人材育成ビジョンに基づく取組").check()
        page.get_by_label("ファイル").set_input_files(str(path))
        page.get_by_role("button", name="内容を確認する").click()

    hogo = login("hogo")
    workbook[sheet].cell(row, 5).value = "=1+1"
    out = io.BytesIO()
    workbook.save(out)
    upload(hogo, out.getvalue(), "formula.xlsx")
    cell = f"E{row}"
    expect(hogo.get_by_role("alert")).to_contain_text(FORMULA.format(sheet=sheet, cell=cell))
    expect(hogo.get_by_role("button", name="取り込む")).to_have_count(0)

    workbook[sheet].cell(row, 5).value = None
    out = io.BytesIO()
    workbook.save(out)
    upload(hogo, out.getvalue(), "removal.xlsx")
    removals = hogo.get_by_role("table", name=re.compile("^消える文章（1 件）"))
    expect(removals).to_contain_text(old.split("\n")[0])
    hogo.get_by_role("button", name="取り込む").click()
    # The browser does not send the form while the box is unticked.
    expect(hogo).to_have_url(re.compile("/documents/import/$"))
    assert ProgressEntry.objects.get(pk=target.pk).plans == old
    hogo.get_by_label(re.compile("削除してよいことを確かめました")).check()
    hogo.get_by_role("button", name="取り込む").click()
    expect(hogo.get_by_role("heading", level=1)).to_contain_text("資料3")
    assert ProgressEntry.objects.get(pk=target.pk).plans == ""

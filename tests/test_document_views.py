"""Downloading the committee documents from the pages, and uploading a filled-in copy."""

import io

import openpyxl
import pytest
from django.urls import reverse

from documents.exports import NO_ROWS, NO_ROWS_SHEET, export_shiryo3
from documents.imports import NO_PERMISSION, REMOVALS_NOT_CONFIRMED, import_shiryo3
from flatfiles.safe_reader import KIND_PDF, WANTED_XLSX, WRONG_KIND
from initiatives.models import Initiative, ProgressEntry
from reporting.models import ReportingPeriod
from tests.documents import document_sheet_names

pytestmark = pytest.mark.django_db


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_list_export_contains_what_i_filtered(client, hogo):
    client.force_login(hogo)
    response = client.get(reverse("documents:shiryo3"), {"mine": "true"})
    book = workbook(response)
    assert "filename*=utf-8''" in response["Content-Disposition"].lower()
    texts = {cell.value for ws in book for row in ws.iter_rows() for cell in row if cell.value}
    mine = Initiative.objects.filter(sections__label="保）保護課")
    others = Initiative.objects.exclude(sections__label="保）保護課").filter(repost_of=None)
    assert all("保）保護課" in t for t in texts if isinstance(t, str) and t.startswith("保）"))
    assert document_sheet_names(book) == sorted({f"分類{i.category.number}" for i in mine})
    other_plans = {
        e.plans for e in ProgressEntry.objects.filter(period__code="R5H1", initiative__in=others)
    }
    mine_plans = {
        e.plans for e in ProgressEntry.objects.filter(period__code="R5H1", initiative__in=mine)
    }
    assert mine_plans <= texts
    assert not (other_plans - mine_plans) & texts


def test_unfiltered_export_is_the_whole_document(client, honbu):
    client.force_login(honbu)
    book = workbook(client.get(reverse("documents:shiryo2"), {"period": "R2-05"}))
    assert document_sheet_names(book) == ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"]


@pytest.mark.parametrize(
    ("document", "query", "header_row", "first_header"),
    [
        ("shiryo2", {"mine": "true"}, 8, "該当提言"),  # hogo answers for no 資料2 action
        ("shiryo3", {"q": "どの取組にもない言葉"}, 3, "取組内容の分類"),
    ],
)
def test_a_filter_that_selects_nothing_downloads_the_headings_and_says_so(
    client, hogo, document, query, header_row, first_header
):
    client.force_login(hogo)
    book = workbook(client.get(reverse(f"documents:{document}"), query))
    assert document_sheet_names(book) == [NO_ROWS_SHEET]
    ws = book[NO_ROWS_SHEET]
    assert ws.cell(header_row, 1).value == first_header
    assert ws.cell(header_row + 1, 1).value == NO_ROWS
    assert ws.max_row == header_row + 1


def test_the_empty_download_imports_as_nothing_to_change(period, hogo):
    data = io.BytesIO()
    export_shiryo3(period, only=set()).save(data)
    result = import_shiryo3(file=data.getvalue(), period=period, user=hogo, dry_run=True)
    assert (result.errors, result.rows) == ([], [])


def test_period_page_and_dashboard_link_to_both_documents(client, honbu):
    client.force_login(honbu)
    for url in (reverse("reporting:periods"), reverse("dashboard:index")):
        page = client.get(url).content.decode()
        assert f"{reverse('documents:shiryo3')}?period=R5H1" in page
        assert f"{reverse('documents:shiryo2')}?period=R5H1" in page


def upload(client, content, *, document="shiryo3", period="R5H1"):
    file = io.BytesIO(content)
    file.name = "資料3.xlsx"
    return client.post(
        reverse("documents:upload"), {"document": document, "period": period, "file": file}
    )


def exported(period_code="R5H1", change=None):
    book = export_shiryo3(ReportingPeriod.objects.get(code=period_code))
    if change:
        change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def set_plans(reference_section, text):
    """Change the 10月以降 cell of the first row answered by the given section."""

    def change(book):
        for ws in book:
            for row in ws.iter_rows(min_row=4):
                if row[5].value and reference_section in str(row[5].value):
                    row[4].value = text
                    return

    return change


def test_preview_writes_nothing_and_confirm_imports(client, hogo):
    client.force_login(hogo)
    content = exported(change=set_plans("保）保護課", "Excel で書き直した計画"))
    preview = upload(client, content)
    page = preview.content.decode()
    assert "まだ保存していません" in page and "1 件" in page
    assert not ProgressEntry.objects.filter(plans="Excel で書き直した計画").exists()

    response = client.post(reverse("documents:confirm"), {"plan": preview.context["plan"]})
    assert response.status_code == 302
    entry = ProgressEntry.objects.get(plans="Excel で書き直した計画")
    assert entry.history.first().history_user == hogo


def test_section_cannot_import_another_sections_row(client, hogo):
    client.force_login(hogo)
    content = exported(change=set_plans("子）地域連携課", "他課の行を書き換えた"))
    page = upload(client, content).content.decode()
    assert "取り込めません" in page
    assert NO_PERMISSION.split(":")[1].split("{")[0].strip() in page
    assert "担当の課・部の利用者と推進本部だけが変更できます" in page  # the real reason
    assert "取り込む</button>" not in page
    assert not ProgressEntry.objects.filter(plans="他課の行を書き換えた").exists()


def test_a_file_that_is_not_xlsx_is_refused(client, hogo):
    client.force_login(hogo)
    page = upload(client, b"%PDF-1.4 this is a pdf").content.decode()
    assert WRONG_KIND.format(kind=KIND_PDF, wanted=WANTED_XLSX) in page


def test_an_expired_preview_cannot_be_confirmed(client, hogo):
    client.force_login(hogo)
    response = client.post(
        reverse("documents:confirm"),
        {"plan": "forged-or-expired"},
        follow=True,
    )
    assert "有効期限が切れました" in response.content.decode()


def test_a_removed_text_is_listed_and_written_only_when_the_user_ticks_it(client, hogo):
    client.force_login(hogo)
    target = ProgressEntry.objects.filter(
        period__code="R5H1", initiative__sections__label="保）保護課"
    ).exclude(plans="")[0]
    old = target.plans
    content = exported(change=set_plans("保）保護課", None))
    preview = upload(client, content)
    page = preview.content.decode()
    assert "消える文章（1 件）" in page
    assert 'name="confirm_removals"' in page
    assert old.split("\n")[0] in page
    form = {"plan": preview.context["plan"]}

    unticked = client.post(reverse("documents:confirm"), form)
    assert unticked.status_code == 400
    assert REMOVALS_NOT_CONFIRMED.format(count=1) in unticked.content.decode()
    target.refresh_from_db()
    assert target.plans == old

    ticked = client.post(reverse("documents:confirm"), {**form, "confirm_removals": "1"})
    assert ticked.status_code == 302
    target.refresh_from_db()
    assert target.plans == ""

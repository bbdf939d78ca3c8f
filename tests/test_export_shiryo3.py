"""資料3 as xlsx: the cells the committee reads, checked against the seeded database."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.marks import REPOST_MARK, circled
from documents.exports import export_shiryo3
from documents.management.base import NO_CURRENT_PERIOD, UNKNOWN_PERIOD
from initiatives.models import Category, Initiative, ProgressEntry
from operations.synthetic import multiply_seed
from reporting.models import EntryState, ReportingPeriod
from tests.documents import (
    document_sheet_names,
    document_sheets,
    find_row,
    merged,
    reload,
    to_bytes,
    values,
)
from tests.helpers import entry, initiative
from tests.mutation import per_test_while_mapping

pytestmark = pytest.mark.django_db

TITLE_R5H1 = (
    "「子ども虐待防止に関する職務に従事する職員の人材育成ビジョン」に基づく"
    "令和５年９月までの取組結果と10月以降の取組内容"
)


@pytest.fixture(scope=per_test_while_mapping)
def seed_export(django_db_setup, django_db_blocker):
    """The export of the seeded current period, made and loaded once for the tests that only
    read it (each test's own changes are rolled back, so they never reach it)."""
    with django_db_blocker.unblock():
        return exported(ReportingPeriod.objects.get(code="R5H1"))


def exported(period):
    return reload(to_bytes(export_shiryo3(period)))


def test_title_and_document_mark_on_every_sheet(seed_export):
    for ws in document_sheets(seed_export):
        assert ws["A1"].value == TITLE_R5H1
        assert ws["F1"].value == "資料３"
        assert ws["F1"].alignment.horizontal == "right"


@pytest.mark.parametrize(
    ("until", "since", "title_dates", "results", "plans"),
    [
        ("2024-03-31", "2024-04-01", "令和６年３月までの取組結果と４月以降", "３月", "４月"),
        ("2019-03-31", "2019-04-01", "平成31年３月までの取組結果と４月以降", "３月", "４月"),
        (
            "2023-12-31",
            "2024-01-01",
            "令和５年12月までの取組結果と令和６年１月以降",
            "12月",
            "１月",
        ),
    ],
)
def test_title_and_headings_are_computed_from_the_period(until, since, title_dates, results, plans):
    other = ReportingPeriod.objects.create(
        code="X",
        name="別の期間",
        results_until=datetime.date.fromisoformat(until),
        plans_from=datetime.date.fromisoformat(since),
    )
    ws = exported(other)["分類1"]
    assert ws["A1"].value == (
        "「子ども虐待防止に関する職務に従事する職員の人材育成ビジョン」に基づく"
        f"{title_dates}の取組内容"
    )
    assert ws["C3"].value == f"{results}までの取組"
    assert ws["E3"].value == f"{plans}以降の取組"


def test_one_sheet_per_category_headed_by_the_category(seed_export):
    workbook = seed_export
    categories = list(Category.objects.order_by("number"))
    assert document_sheet_names(workbook) == [f"分類{c.number}" for c in categories]
    for ws, category in zip(document_sheets(workbook), categories, strict=True):
        assert ws["A2"].value == f"{'１２３４５'[category.number - 1]}\u3000{category.title}"
        assert [c.value for c in ws[3]][:6] == [
            "取組内容の分類",
            "対象職種",
            "９月までの取組",
            "取組番号",
            "10月以降の取組",
            "担当課",
        ]


def test_the_category_heading_is_bold(period):
    for ws in document_sheets(exported(period)):
        assert (ws["A1"].font.b, ws["A2"].font.b) == (True, True), ws.title
        assert ws["A2"].alignment.horizontal != "right", ws.title


def test_rows_are_in_document_order(seed_export):
    workbook = seed_export
    for category in Category.objects.all():
        rows = values(workbook[f"分類{category.number}"])[3:]
        expected = [
            (circled(i.number), i.job_category.name)
            for i in Initiative.objects.filter(category=category).order_by(
                "subclass__number", "number"
            )
        ]
        # Merged job-category cells hold their text in their first row only.
        shown, job = [], None
        for row in rows:
            job = row[1] or job
            shown.append((row[3], job))
        assert shown == expected


def test_category_1_row_4_cell_by_cell(period, seed_export):
    ws = seed_export["分類1"]
    row = find_row(ws, 4, "④")
    caseworker = initiative(1, 4)
    assert ws.cell(row, 2).value == "ケースワーカー"
    assert ws.cell(row, 3).value == entry(period, caseworker).results
    assert ws.cell(row, 3).value.startswith(
        "・令和３年度から「子どものいる世帯に対する適切な支援」"
    )
    assert (
        ws.cell(row, 5).value
        == entry(period, caseworker).plans
        == ("・引き続き実施する（４区を対象に監査を実施）。")
    )
    assert ws.cell(row, 6).value == "保）保護課"


def test_empty_text_cells_stay_empty(seed_export):
    ws = seed_export["分類1"]
    assert ws.cell(find_row(ws, 4, "②"), 3).value is None  # 1-② has no ９月までの取組
    assert ws.cell(find_row(ws, 4, "①"), 5).value is None  # 1-① has no 10月以降の取組


def test_several_sections_one_a_line_in_the_organisation_order(seed_export):
    ws = seed_export["分類1"]
    # The document prints 子ども未来局 first; the portal keeps the organisation's order.
    assert ws.cell(find_row(ws, 4, "①"), 6).value == "保健福祉局\n子ども未来局\n区）保健福祉部"
    assert ws.cell(find_row(ws, 4, "②"), 6).value == "総）職員育成担当課\n子）地域連携課"


def test_job_category_cells_are_merged_over_consecutive_rows(seed_export):
    ws = seed_export["分類1"]
    assert ws["B4"].value == "共通"
    assert "B4:B6" in merged(ws)  # ①②③ are 共通
    assert ws["B7"].value == "ケースワーカー"
    assert not any(r.startswith("B7:") for r in merged(ws))
    assert "A4:A12" in merged(ws)  # the category over its nine rows
    assert ws["A4"].value == ws["A2"].value


def test_category_3_is_grouped_by_sub_class(seed_export):
    ws = seed_export["分類3"]
    groups = sorted(
        (r for r in ws.merged_cells.ranges if r.min_col == 1 and r.min_row > 3),
        key=lambda r: r.min_row,
    )
    names = list(Category.objects.get(number=3).subclasses.values_list("name", flat=True))
    assert [ws.cell(r.min_row, 1).value for r in groups] == names
    for group in groups:
        assert ws.cell(group.min_row, 4).value == "①"  # numbering restarts per sub-class
        for job in (r for r in ws.merged_cells.ranges if r.min_col == 2):
            # A job-category cell never runs across two sub-classes.
            assert (
                job.max_row < group.min_row
                or job.min_row > group.max_row
                or (group.min_row <= job.min_row and job.max_row <= group.max_row)
            )


def test_repost_row_shows_its_originals_result_and_its_own_plans(period, seed_export):
    ws = seed_export["分類3"]
    repost = initiative(3, 6, "研修体制の整備")
    assert repost.repost_of == initiative(1, 9)
    start = find_row(ws, 1, "研修体制の整備")
    row = find_row(ws, 4, "⑥", start=start)
    assert ws.cell(row, 3).value == entry(period, repost.repost_of).results + REPOST_MARK
    assert ws.cell(row, 3).value.endswith("(SC及びSSW)【再掲】")
    assert ws.cell(row, 5).value == entry(period, repost).plans


def test_only_the_given_periods_texts(period):
    later = ReportingPeriod.objects.create(
        code="R5H2",
        name="令和５年度下半期",
        results_until=datetime.date(2024, 3, 31),
        plans_from=datetime.date(2024, 4, 1),
    )
    ProgressEntry.objects.create(
        period=later, initiative=initiative(1, 4), results="下半期の結果", plans="下半期の予定"
    )
    ws = exported(later)["分類1"]
    row = find_row(ws, 4, "④")
    assert [ws.cell(row, 3).value, ws.cell(row, 5).value] == ["下半期の結果", "下半期の予定"]
    # Rows without an entry in the period are there, with empty texts.
    assert [ws.cell(r, 4).value for r in range(4, 13)] == list("①②③④⑤⑥⑦⑧⑨")
    assert ws.cell(find_row(ws, 4, "⑨"), 3).value is None
    assert ws.cell(find_row(ws, 4, "⑨"), 6).value == "教）児童生徒担当課"
    now = exported(period)["分類1"]
    assert now.cell(row, 5).value == entry(period, initiative(1, 4)).plans


def test_rows_not_yet_approved_are_marked_with_their_state(period):
    entries = ProgressEntry.objects.filter(period=period)
    entries.filter(initiative=initiative(1, 1)).update(state=EntryState.APPROVED)
    entries.filter(initiative=initiative(1, 2)).update(state=EntryState.RETURNED)
    ws = exported(period)["分類1"]
    assert ws.cell(3, 7).value == "状態（空欄は承認済）"
    assert ws.cell(find_row(ws, 4, "①"), 7).value is None
    assert ws.cell(find_row(ws, 4, "②"), 7).value == "差戻し"
    third = entries.get(initiative=initiative(1, 3)).state
    assert ws.cell(find_row(ws, 4, "③"), 7).value == EntryState(third).label


def test_a_repost_is_marked_while_its_original_is_not_approved(period):
    repost = initiative(3, 6, "研修体制の整備")
    entries = ProgressEntry.objects.filter(period=period)
    entries.update(state=EntryState.APPROVED)
    entries.filter(initiative=repost.repost_of).update(state=EntryState.SUBMITTED)
    ws = exported(period)["分類3"]
    row = find_row(ws, 4, "⑥", start=find_row(ws, 1, "研修体制の整備"))
    assert ws.cell(row, 7).value == "提出済"
    assert exported(period)["分類2"].max_column == 6  # all approved: no 状態 column


def test_every_page_is_numbered_in_the_footer(seed_export):
    for ws in document_sheets(seed_export):
        assert ws.oddFooter.center.text == "- &P / &N -"


def test_print_settings(seed_export):
    for ws in document_sheets(seed_export):
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert ws.print_title_rows == "$3:$3"
        assert ws.freeze_panes == "A4"
        cell = ws.cell(4, 3)
        assert cell.alignment.wrap_text is True
        assert cell.border.left.style == cell.border.bottom.style == "thin"
        assert ws.column_dimensions["C"].width > ws.column_dimensions["D"].width


@pytest.mark.parametrize("text", ["=1+1", "+81-11", "-1", "@SUM(A1)", "\t=1+1", "=HYPERLINK(1)"])
def test_formula_like_text_is_written_as_text(period, text):
    target = entry(period, initiative(1, 4))
    target.plans = text
    target.save()
    data = to_bytes(export_shiryo3(period))
    for read_only in (False, True):
        ws = reload(data, read_only=read_only)["分類1"]
        cell = next(ws.iter_rows(min_row=7, max_row=7))[4]  # E7: 1-④ 10月以降の取組
        assert cell.data_type == "s"
        assert cell.value == text
    assert reload(data)["分類1"]["E7"].quotePrefix is True


def test_carriage_return_is_written_as_a_line_break(period):
    target = entry(period, initiative(1, 4))
    target.plans = "\r=1+1\r\n次の行"
    target.save()
    cell = exported(period)["分類1"]["E7"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("\n=1+1\n次の行", "s", True)


def test_ordinary_text_has_no_quote_prefix(seed_export):
    assert seed_export["分類1"]["E7"].quotePrefix is False


def test_query_count_does_not_grow_with_the_rows(period):
    with CaptureQueriesContext(connection) as seed_size:
        rows = sum(ws.max_row for ws in document_sheets(export_shiryo3(period)))
    multiply_seed(2)
    with CaptureQueriesContext(connection) as double_size:
        workbook = export_shiryo3(period)
    assert sum(ws.max_row for ws in document_sheets(workbook)) > rows + 40
    assert len(double_size) == len(seed_size)


def test_command_writes_the_current_period(tmp_path, period):
    out = tmp_path / "資料3.xlsx"
    call_command("export_shiryo3", str(out))
    assert reload(out.read_bytes())["分類1"]["A1"].value == TITLE_R5H1


def test_command_writes_the_period_given(tmp_path):
    out = tmp_path / "資料3.xlsx"
    call_command("export_shiryo3", str(out), "--period", "R2-05")
    ws = reload(out.read_bytes())["分類1"]
    assert ws["A1"].value.endswith("令和２年５月までの取組結果と５月以降の取組内容")
    assert ws["E7"].value is None  # R2-05 has no 資料3 entries


def test_command_refuses_an_unknown_period(tmp_path):
    with pytest.raises(CommandError, match=UNKNOWN_PERIOD.format(code="R9H9")):
        call_command("export_shiryo3", str(tmp_path / "x.xlsx"), "--period", "R9H9")
    assert not (tmp_path / "x.xlsx").exists()


def test_command_without_a_current_period(tmp_path):
    ReportingPeriod.objects.update(is_current=False)
    with pytest.raises(CommandError, match=NO_CURRENT_PERIOD):
        call_command("export_shiryo3", str(tmp_path / "x.xlsx"))

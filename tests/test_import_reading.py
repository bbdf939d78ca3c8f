"""Reading a document file back: the line breaks Excel writes, sheets cut short or laid out by
hand, merged cells, every problem of every row and sheet reported at once, and each row of the
preview named by its sheet, row and reference."""

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.cell_range import CellRange

from departments.models import Organization
from documents.exports import SHIRYO2_HEADERS, export_shiryo2, export_shiryo3
from documents.imports import (
    BAD_KEY,
    DUPLICATE_ROW,
    HEADING_UNKNOWN,
    MERGED_TEXT_CELLS,
    NO_DOCUMENT_SHEET,
    READ_ONLY_CHANGED,
    ROWS_AFTER_TABLE,
    UNKNOWN_ORGANIZATION,
    import_shiryo2,
    import_shiryo3,
)
from documents.versions import SHEET
from initiatives.models import ProgressEntry
from tests.documents import database_snapshot, find_row, to_bytes, values
from tests.helpers import entry, initiative

pytestmark = pytest.mark.django_db


def row_of(ws, mark, subclass=None):
    start = find_row(ws, 1, subclass) if subclass else 4
    return find_row(ws, 4, mark, start=start)


def errors(result):
    return [(e.sheet, e.row, e.message) for e in result.errors]


def outcome(result, reference):
    return next(
        (r.sheet, r.row, r.reference, r.status) for r in result.rows if r.reference == reference
    )


def preview3(workbook, period, user):
    before = database_snapshot()
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=user, dry_run=True)
    assert database_snapshot() == before
    return result


# -- Line breaks ----------


@pytest.mark.parametrize("with_versions", [True, False])
@pytest.mark.parametrize("excel_line_break", ["_x000D_\n", "_x000D_"])
def test_the_line_breaks_excel_writes_read_as_the_stored_ones(
    period, admin_user, excel_line_break, with_versions
):
    """Excel keeps a carriage return in the file as _x000D_ (Windows: before the line feed; an
    old Mac file: alone); either reads as the stored line break, so the row is unchanged, in a
    file with its 版 sheet or without (compared with the stored text alone)."""
    workbook = export_shiryo3(period)
    if not with_versions:
        del workbook[SHEET]
    ws = workbook["分類1"]
    cell = ws.cell(row_of(ws, "⑥"), 5)
    assert "\n" in cell.value
    cell.value = cell.value.replace("\n", excel_line_break) + "  "
    result = preview3(workbook, period, admin_user)
    assert result.ok
    assert outcome(result, "1-⑥") == ("分類1", cell.row, "1-⑥", "unchanged")
    assert result.counts["changed"] == result.counts["conflict"] == 0


# -- Sheets cut short or laid out by hand ----------


def workbook_of(title, rows):
    workbook = Workbook()
    ws = workbook.active
    ws.title = title
    for row in rows:
        ws.append(row)
    return workbook


def first_shiryo2_row(period):
    ws = export_shiryo2(period)["(1)"]
    return values(ws)[8]  # under the header row (8)


def test_a_shiryo2_sheet_without_its_heading_rows_is_refused_at_the_heading_row(period, admin_user):
    data = to_bytes(workbook_of("(1)", [SHIRYO2_HEADERS, first_shiryo2_row(period)]))
    result = import_shiryo2(file=data, period=period, user=admin_user)
    assert errors(result) == [("(1)", 4, HEADING_UNKNOWN.format(value="", what="項目"))]


def test_the_heading_error_names_what_stands_in_the_heading_row(period, admin_user):
    row = first_shiryo2_row(period)
    assert row[0]
    data = to_bytes(workbook_of("(1)", [[], [], SHIRYO2_HEADERS, row]))
    result = import_shiryo2(file=data, period=period, user=admin_user)
    assert errors(result) == [("(1)", 4, HEADING_UNKNOWN.format(value=row[0], what="項目"))]


def test_a_file_of_the_version_sheet_alone_is_refused_as_a_whole(period, admin_user):
    workbook = export_shiryo3(period)
    workbook[SHEET].sheet_state = "visible"  # a workbook's only sheet cannot stay hidden
    for ws in list(workbook.worksheets):
        if ws.title != SHEET:
            workbook.remove(ws)
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user)
    assert [str(e) for e in result.errors] == [NO_DOCUMENT_SHEET]


def test_text_in_column_b_under_the_legend_is_refused(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    legend = max(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value)
    ws.cell(legend + 2, 2).value = "メモ"
    result = import_shiryo2(file=to_bytes(workbook), period=period, user=admin_user)
    assert errors(result) == [("(1)", legend + 2, ROWS_AFTER_TABLE)]


# -- Merged cells ----------


def test_a_header_cell_spanning_two_rows_is_not_a_merged_text_cell(period, admin_user):
    """A header cell merged up into the row above (a spreadsheet that keeps the hidden cell's
    text, as LibreOffice can, still shows the header) is part of the heading, not of the
    table: the rows read as usual."""
    workbook = export_shiryo3(period)
    workbook["分類1"].merged_cells.add(CellRange("E2:E3"))  # the cells keep their texts
    result = preview3(workbook, period, admin_user)
    assert result.ok
    assert result.counts["changed"] == 0


def test_merged_number_cells_are_refused_naming_the_column(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    row = row_of(ws, "④")
    ws.merge_cells(start_row=row, start_column=4, end_row=row + 1, end_column=4)
    result = preview3(workbook, period, admin_user)
    cells = f"D{row}:D{row + 1}"
    message = MERGED_TEXT_CELLS.format(cells=cells, column="取組番号")
    assert errors(result) == [("分類1", row, message)]


def test_merged_section_cells_read_as_the_lower_row_changing_its_sections(period, admin_user):
    """担当課 is not written by an import: merged over two rows it is not refused as merged text,
    but the lower row then shows no section, which is a change of a read-only column."""
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    row = row_of(ws, "④")
    ws.merge_cells(start_row=row, start_column=6, end_row=row + 1, end_column=6)
    result = preview3(workbook, period, admin_user)
    assert errors(result) == [("分類1", row + 1, READ_ONLY_CHANGED.format(column="担当課"))]


def test_every_sheet_is_checked_after_one_with_merged_text_cells(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    row = row_of(ws, "④")
    ws.merge_cells(start_row=row, start_column=5, end_row=row + 1, end_column=5)
    other = workbook["分類2"]
    other.cell(row_of(other, "④"), 6).value = "存在しない課"
    result = preview3(workbook, period, admin_user)
    assert errors(result) == [
        (
            "分類1",
            row,
            MERGED_TEXT_CELLS.format(cells=f"E{row}:E{row + 1}", column="10月以降の取組"),
        ),
        (
            "分類2",
            row_of(other, "④"),
            UNKNOWN_ORGANIZATION.format(column="担当課", label="存在しない課"),
        ),
    ]


def test_every_sheet_is_checked_after_one_with_an_unknown_heading(period, admin_user):
    workbook = export_shiryo3(period)
    workbook["分類1"]["A2"].value = "６\u3000ない分類"
    other = workbook["分類2"]
    row = row_of(other, "④")
    other.cell(row, 4).value = "ｘ"
    result = preview3(workbook, period, admin_user)
    assert errors(result) == [
        ("分類1", 2, HEADING_UNKNOWN.format(value="６\u3000ない分類", what="分類")),
        ("分類2", row, BAD_KEY.format(column="取組番号", value="ｘ")),
    ]


# -- Every problem row reported ----------


def test_every_row_with_an_unreadable_number_is_reported_in_every_sheet(period, admin_user):
    workbook = export_shiryo3(period)
    first, second = workbook["分類1"], workbook["分類2"]
    rows = [("分類1", row_of(first, "②")), ("分類1", row_of(first, "⑤")), ("分類2", 4)]
    for sheet, row in rows:
        workbook[sheet].cell(row, 4).value = "ｘ"
    # and a problem found later on the first sheet's rows, before the others
    first.cell(row_of(first, "⑦"), 6).value = "存在しない課"
    result = preview3(workbook, period, admin_user)
    bad = BAD_KEY.format(column="取組番号", value="ｘ")
    unknown = UNKNOWN_ORGANIZATION.format(column="担当課", label="存在しない課")
    assert sorted(errors(result)) == sorted(
        [(sheet, row, bad) for sheet, row in rows] + [("分類1", row_of(first, "⑦"), unknown)]
    )
    assert second  # both sheets read


def test_a_changed_category_cell_is_refused_on_each_of_its_rows_naming_the_column(
    period, admin_user
):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws["A4"].value = "別の分類"  # merged over the category's rows
    last = max(r for r in range(4, ws.max_row + 1) if ws.cell(r, 4).value)
    result = preview3(workbook, period, admin_user)
    message = READ_ONLY_CHANGED.format(column="取組内容の分類")
    assert errors(result) == [("分類1", row, message) for row in range(4, last + 1)]


def test_every_duplicated_row_is_reported(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    source = [ws.cell(row_of(ws, mark), c).value for mark in ("①", "②") for c in range(1, 7)]
    last = max(r for r in range(4, ws.max_row + 1) if ws.cell(r, 4).value)
    for offset in range(2):
        for column in range(1, 7):
            ws.cell(last + 1 + offset, column).value = source[offset * 6 + column - 1]
    ws.cell(last + 1, 1).value = ws["A2"].value
    ws.cell(last + 1, 2).value = "共通"
    ws.cell(last + 2, 2).value = "共通"
    result = preview3(workbook, period, admin_user)
    assert errors(result) == [
        (
            "分類1",
            last + 1 + offset,
            DUPLICATE_ROW.format(reference=f"1-{mark}", sheet="分類1", row=row_of(ws, mark)),
        )
        for offset, mark in enumerate(("①", "②"))
    ]


# -- Organisations ----------


def test_a_section_whose_name_holds_a_space_reads_as_one_section(period, admin_user):
    target = initiative(1, 4)
    existing = target.sections.get()
    section = Organization.objects.create(
        level=Organization.Level.SECTION,
        parent=existing.parent,
        name="子ども\u3000相談課",
        sort_order=existing.sort_order + 1,
    )
    target.sections.add(section)
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    assert section.label in ws.cell(row_of(ws, "④"), 6).value.split("\n")
    result = preview3(workbook, period, admin_user)
    assert result.ok
    assert result.counts["changed"] == 0


# -- The preview names every row by its sheet, row and reference ----------


def test_a_row_left_as_stored_is_named_unchanged_with_its_sheet_and_row(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    result = preview3(workbook, period, admin_user)
    assert outcome(result, "1-④") == ("分類1", row_of(ws, "④"), "1-④", "unchanged")


def test_a_row_left_as_exported_after_a_later_change_is_named_unchanged(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    target = entry(period, initiative(1, 4))
    ProgressEntry.objects.filter(pk=target.pk).update(
        plans="後から変えた取組", version=target.version + 1
    )
    result = preview3(workbook, period, admin_user)
    assert outcome(result, "1-④") == ("分類1", row_of(ws, "④"), "1-④", "unchanged")


def test_a_row_changed_over_a_later_change_is_a_conflict_with_its_sheet_and_row(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "④"), 5).value = "ファイルで変えた取組"
    target = entry(period, initiative(1, 4))
    ProgressEntry.objects.filter(pk=target.pk).update(
        plans="後から変えた取組", version=target.version + 1
    )
    result = preview3(workbook, period, admin_user)
    assert outcome(result, "1-④") == ("分類1", row_of(ws, "④"), "1-④", "conflict")


def test_a_row_with_nothing_stored_changed_in_a_file_without_versions_is_named_changed(
    period, admin_user
):
    target = entry(period, initiative(1, 4))
    ProgressEntry.objects.filter(pk=target.pk).update(results="", plans="")
    workbook = export_shiryo3(period)
    del workbook[SHEET]
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "④"), 5).value = "初めて書く取組"
    result = preview3(workbook, period, admin_user)
    assert outcome(result, "1-④") == ("分類1", row_of(ws, "④"), "1-④", "changed")

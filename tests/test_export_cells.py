"""Cells of the exports a user reads or edits: what an empty, odd or control-character text
becomes, which cells are merged (only blocks of two or more rows; a one-row block stays a plain
cell), the 状態 column's width, and the state a 【再掲】 row shows. Read from the saved file, as a
user's Excel opens it, except where the cell as written is the point."""

import pytest
from openpyxl import Workbook

from documents.exports import STATE_COLUMN, STATE_WIDTH, export_shiryo2, export_shiryo3, set_text
from initiatives.models import ProgressEntry
from reporting.models import EntryState
from tests.documents import document_sheets, find_row, merged, reload, to_bytes
from tests.helpers import entry, initiative

pytestmark = pytest.mark.django_db

LINE, SPARE = 14, 4


def cell():
    return Workbook().active["A1"]


def test_a_missing_text_is_an_empty_cell():
    assert set_text(cell(), None).value is None
    assert set_text(cell(), "").value is None


def test_a_control_character_xml_cannot_hold_is_left_out_of_the_text(period):
    target = entry(period, initiative(1, 4))
    ProgressEntry.objects.filter(pk=target.pk).update(plans="研修を\x07実施する。")
    ws = reload(to_bytes(export_shiryo3(period)))["分類1"]
    assert ws.cell(find_row(ws, 4, "④"), 5).value == "研修を実施する。"


@pytest.mark.parametrize("line_break", ["\r", "\r\n"])
def test_a_carriage_return_is_a_line_break_and_its_row_is_tall_enough_for_every_line(
    period, line_break
):
    target = entry(period, initiative(1, 4))
    text = line_break.join(["一行目", "二行目", "三行目", "四行目", "五行目"])
    ProgressEntry.objects.filter(pk=target.pk).update(results="短い", plans=text)
    ws = reload(to_bytes(export_shiryo3(period)))["分類1"]
    row = find_row(ws, 4, "④")
    assert ws.cell(row, 5).value == "一行目\n二行目\n三行目\n四行目\n五行目"
    assert ws.row_dimensions[row].height >= 5 * LINE + SPARE


@pytest.mark.parametrize("export", [export_shiryo2, export_shiryo3])
def test_only_blocks_of_two_or_more_rows_are_merged(period, export):
    """A one-row block (an action with one 実施状況 paragraph, a job category on one row, the
    状態 of one row) stays a plain cell; a run of rows with the same value is one merged cell."""
    workbook = reload(to_bytes(export(period)))
    for ws in document_sheets(workbook):
        for cells in ws.merged_cells.ranges:
            assert (cells.min_row, cells.min_col) != (cells.max_row, cells.max_col), (
                ws.title,
                str(cells),
            )


def test_a_run_of_two_rows_of_the_same_job_category_is_merged(period):
    ws = reload(to_bytes(export_shiryo3(period)))["分類4"]
    # ①② are 共通, ③ 保健師 alone, ④⑤ … as the seed's document groups them.
    assert merged(ws) == {"A1:E1", "A2:F2", "A4:A9", "B4:B5", "B8:B9"}
    assert ws["B4"].value == "共通"


def test_the_state_column_is_wide_enough_for_its_labels(period):
    ws = reload(to_bytes(export_shiryo3(period)))["分類1"]
    assert ws.cell(3, STATE_COLUMN).value == "状態（空欄は承認済）"
    assert ws.column_dimensions["G"].width == STATE_WIDTH


def test_a_repost_row_shows_its_own_state_when_only_its_plans_await_approval(period):
    """A 【再掲】 row of 資料3 shows its original's results but its own plans: when its own entry
    is submitted and the original approved, the row is not approved."""
    repost = initiative(2, 1)
    assert repost.repost_of_id
    entries = ProgressEntry.objects.filter(period=period)
    entries.update(state=EntryState.APPROVED)
    entries.filter(initiative=repost).update(state=EntryState.SUBMITTED)
    ws = reload(to_bytes(export_shiryo3(period)))["分類2"]
    assert ws.cell(find_row(ws, 4, "①"), STATE_COLUMN).value == "提出済"
    assert ws.cell(find_row(ws, 4, "②"), STATE_COLUMN).value is None

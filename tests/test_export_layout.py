"""Both documents as the committee prints them: Excel does not grow a row for wrapped or merged
cells when it opens a file, so the export sizes every row for its text (14 pt a line of 10.5 pt
text and 4 pt to spare; the 12 pt title 17 pt a line); the columns, margins and fonts are the
committee's layout. Read from the saved file, as a user's Excel opens it."""

from math import ceil
from unicodedata import east_asian_width

import pytest
from openpyxl.cell.cell import MergedCell

from documents.exports import SHIRYO2_WIDTHS, SHIRYO3_WIDTHS, export_shiryo2, export_shiryo3
from initiatives.models import ProgressEntry
from recommendations.models import VerificationReport
from reporting.models import ReportingPeriod
from tests.documents import document_sheets, find_row, reload, to_bytes
from tests.helpers import initiative
from tests.mutation import per_test_while_mapping

pytestmark = pytest.mark.django_db

LINE, TITLE_LINE, SPARE = 14, 17, 4
# The marks and numbers are centred, the texts are not.
CENTRED = {"資料2": (1, 5), "資料3": (4,)}
EXPORTS = {"資料2": (export_shiryo2, SHIRYO2_WIDTHS), "資料3": (export_shiryo3, SHIRYO3_WIDTHS)}


@pytest.fixture(scope=per_test_while_mapping)
def seed_exports(django_db_setup, django_db_blocker):
    """Both exports of the seeded current period, made and loaded once (the tests only read)."""
    with django_db_blocker.unblock():
        period = ReportingPeriod.objects.get(code="R5H1")
        return {name: reload(to_bytes(export(period))) for name, (export, _) in EXPORTS.items()}


def columns_taken(text):
    """Half-width columns a line of text takes: a full-width character two."""
    return sum(2 if east_asian_width(ch) in "WFA" else 1 for ch in text)


def lines(text, width, size=10.5):
    """Lines a wrapped text takes in a column `width` characters wide (one kept for the cell's
    margins; a 12 pt character is 12/10.5 as wide as a 10.5 pt one), one at least a line."""
    per_line = (width - 1) * 10.5 / size
    return sum(max(1, ceil(columns_taken(line) / per_line)) for line in str(text).split("\n"))


def widths(ws):
    return [ws.column_dimensions[column].width for column in "ABCDEF"]


def table_rows(ws):
    """The rows of the table: under the header row, down to the last row with a cell in B–F."""
    header = find_row(ws, 1, ws["A3"].value if ws["A3"].value == "取組内容の分類" else "該当提言")
    last = max(
        r for r in range(header, ws.max_row + 1) if any(ws.cell(r, c).value for c in range(2, 7))
    )
    return header, range(header + 1, last + 1)


def height(ws, row):
    return ws.row_dimensions[row].height


@pytest.mark.parametrize("document", EXPORTS)
def test_every_row_of_the_table_is_as_tall_as_its_text_needs(seed_exports, document):
    for ws in document_sheets(seed_exports[document]):
        assert_rows_fit(ws)


def assert_rows_fit(ws):
    """Each row of the table as tall as its own cells need, and a cell merged over rows as
    tall as its text needs in their heights together."""
    column_widths = widths(ws)
    spans = {
        (r.min_row, r.min_col): r.max_row for r in ws.merged_cells.ranges if r.max_row > r.min_row
    }
    _, rows = table_rows(ws)
    merged_cells = []
    for row in rows:
        own = [1]
        for column in range(1, 7):
            value = ws.cell(row, column).value
            if value is None:
                continue
            needed = lines(value, column_widths[column - 1])
            end = spans.get((row, column), row)
            if end == row:
                own.append(needed)
            else:
                merged_cells.append((row, end, needed))
        fits = max(own) * LINE + SPARE
        # No less than its own cells need, and more only as the last row of merged cells.
        assert height(ws, row) >= fits, (ws.title, row)
        if height(ws, row) > fits:
            totals = [
                sum(height(ws, r) for r in range(start, end + 1)) - (needed * LINE + SPARE)
                for start, end, needed in merged_cells
                if end == row
            ]
            assert 0 in totals, (ws.title, row, totals)
    # A cell merged over several rows has room for its text in their heights together.
    for start, end, needed in merged_cells:
        total = sum(height(ws, r) for r in range(start, end + 1))
        assert total >= needed * LINE + SPARE, (ws.title, start, end)
    # The row under the table keeps Excel's height, like every row a user adds there.
    assert height(ws, rows[-1] + 1) is None, ws.title


@pytest.mark.parametrize("document", EXPORTS)
def test_the_title_and_the_lines_across_the_table_are_as_tall_as_their_text(seed_exports, document):
    for ws in document_sheets(seed_exports[document]):
        column_widths = widths(ws)
        title = ws["A1"].value
        assert height(ws, 1) == lines(title, sum(column_widths[:5]), size=12) * TITLE_LINE + SPARE
        ranges = {str(r) for r in ws.merged_cells.ranges}
        assert "A1:E1" in ranges
        header, rows = table_rows(ws)
        across = [
            row
            for row in [*range(2, header), *range(rows[-1] + 1, ws.max_row + 1)]
            if ws.cell(row, 1).value
        ]
        assert across, ws.title
        for row in across:
            assert f"A{row}:F{row}" in ranges, (ws.title, row)
            text = ws.cell(row, 1).value
            assert height(ws, row) == lines(text, sum(column_widths)) * LINE + SPARE, (
                ws.title,
                row,
            )


@pytest.mark.parametrize("document", EXPORTS)
def test_columns_margins_and_fonts_are_the_committees(seed_exports, document):
    _, document_widths = EXPORTS[document]
    for ws in document_sheets(seed_exports[document]):
        assert widths(ws) == list(document_widths)
        margins = ws.page_margins
        assert (margins.left, margins.right, margins.top, margins.bottom) == (0.4, 0.4, 0.5, 0.5)
        title = ws["A1"]
        assert (title.font.name, title.font.sz, title.font.b) == ("ＭＳ 明朝", 12, True)
        header, rows = table_rows(ws)
        for column in range(1, 7):
            heading = ws.cell(header, column)
            assert (heading.font.name, heading.font.sz, heading.font.b) == ("ＭＳ 明朝", 10.5, True)
            assert heading.alignment.horizontal == "center"
            for row in (rows[0], rows[-1]):
                cell = ws.cell(row, column)
                if isinstance(cell, MergedCell):
                    continue  # drawn with the style of the range's first cell
                assert (cell.font.name, cell.font.sz, cell.font.b) == ("ＭＳ 明朝", 10.5, False)
                centred = cell.alignment.horizontal == "center"
                assert centred == (column in CENTRED[document]), (ws.title, row, column)
                assert cell.border.left.style == cell.border.bottom.style == "thin"


def test_a_long_title_and_note_get_the_lines_they_need(period):
    # 130 columns: two lines of the 12 pt title (one would do at 10.5 pt); 160: two across
    # the whole table.
    VerificationReport.objects.update(document_title="長" * 65, note="注" * 80)
    ws = document_sheets(reload(to_bytes(export_shiryo2(period))))[0]
    column_widths = widths(ws)
    assert lines("長" * 65, sum(column_widths[:5]), size=12) == 2
    assert lines("注" * 80, sum(column_widths)) == 2
    assert (ws["A1"].value, ws["A3"].value) == ("長" * 65, "注" * 80)
    assert (height(ws, 1), height(ws, 3)) == (2 * TITLE_LINE + SPARE, 2 * LINE + SPARE)


def test_a_row_of_one_line_texts_is_one_line_tall(period):
    ProgressEntry.objects.filter(period=period).update(results="短い", plans="短い")
    one_line = []
    for ws in document_sheets(reload(to_bytes(export_shiryo3(period)))):
        # Where the texts are short, the other columns decide the heights.
        assert_rows_fit(ws)
        _, rows = table_rows(ws)
        for row in rows:
            own = [
                lines(cell.value, width)
                for cell, width in zip(ws[row][:6], widths(ws), strict=True)
                if cell.value is not None and not in_merged_rows(ws, cell)
            ]
            if max(own) == 1:
                one_line.append((ws.title, row, height(ws, row)))
    assert one_line
    assert {h for _, _, h in one_line} == {LINE + SPARE}, one_line


def in_merged_rows(ws, cell):
    return any(cell.coordinate in r and r.max_row > r.min_row for r in ws.merged_cells.ranges)


def test_a_row_whose_classification_cell_is_its_tallest_is_as_tall_as_that_cell(period):
    """A filtered export of one row of a category: its 分類 cell is not merged with others', and
    its long heading needs more lines than the row's short texts."""
    ProgressEntry.objects.filter(period=period).update(results="短い", plans="短い")
    only = {initiative(1, 9).pk}
    (ws,) = document_sheets(reload(to_bytes(export_shiryo3(period, only=only))))
    _, rows = table_rows(ws)
    (row,) = rows
    needed = [lines(cell.value, width) for cell, width in zip(ws[row][:6], widths(ws), strict=True)]
    assert not in_merged_rows(ws, ws.cell(row, 1))
    assert needed[0] > max(needed[1:])
    assert height(ws, row) == needed[0] * LINE + SPARE
    assert_rows_fit(ws)


@pytest.mark.parametrize("document", EXPORTS)
def test_the_tables_borders_end_at_its_last_row(period, document):
    """The blank row under the table and the legend under it are text, not table cells."""
    export, _ = EXPORTS[document]
    for ws in document_sheets(reload(to_bytes(export(period)))):
        _, rows = table_rows(ws)
        assert ws.cell(rows[-1], 6).border.bottom.style == "thin", ws.title
        for row in range(rows[-1] + 1, ws.max_row + 1):
            for column in range(1, 7):
                border = ws.cell(row, column).border
                sides = (border.left, border.right, border.top, border.bottom)
                assert all(getattr(side, "style", None) is None for side in sides), (ws.title, row)

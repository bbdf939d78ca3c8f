"""Helpers for the tests of the document exports and imports (tests/test_*shiryo*.py,
tests/test_document_roundtrip.py)."""

import io

import openpyxl

from initiatives.models import ProgressEntry
from recommendations.models import ActionReport, ImplementationStatus


def to_bytes(workbook):
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def reload(data, read_only=False):
    """The workbook as a user's Excel (or our import) reads the saved file."""
    return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only, data_only=True)


def document_sheets(workbook):
    """The sheets a reader sees: the document's, without the hidden 版 sheet (versions.py)."""
    return [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]


def document_sheet_names(workbook):
    return [ws.title for ws in document_sheets(workbook)]


def values(ws):
    """Every cell value of the document's six columns, row by row (the 状態 column beside them
    has tests of its own)."""
    return [list(row) for row in ws.iter_rows(max_col=6, values_only=True)]


def find_row(ws, column, value, start=1):
    """The first row number at or below `start` whose cell in `column` (1-based) is `value`."""
    for number, row in enumerate(ws.iter_rows(min_row=start, values_only=True), start=start):
        if row[column - 1] == value:
            return number
    raise AssertionError(f"{value!r} がシート「{ws.title}」の {column} 列にありません。")


def merged(ws):
    return {str(r) for r in ws.merged_cells.ranges}


def _rows(queryset):
    """Every column of every row, by primary key."""
    return sorted(queryset.values(), key=lambda row: row["id"])


def database_snapshot():
    """Everything an import may write, every column a user can see (texts, 区分, state, return
    comment, who changed it and when, version …) and the history, to prove that nothing was
    written. Whole rows, so a column added later is compared too."""
    return {
        "entries": _rows(ProgressEntry.objects.all()),
        "reports": _rows(ActionReport.objects.all()),
        "statuses": _rows(ImplementationStatus.objects.all()),
        "history": [
            ProgressEntry.history.count(),
            ActionReport.history.count(),
            ImplementationStatus.history.count(),
        ],
    }


def refused_import(import_document, period, user, data, message, *, sheet=None, row=None):
    """Import `data` and check it is refused with exactly this error (at this sheet and row, if
    given) and writes nothing."""
    before = database_snapshot()
    result = import_document(file=data, period=period, user=user)
    assert [e.message for e in result.errors] == [message]
    if sheet is not None:
        assert (result.errors[0].sheet, result.errors[0].row) == (sheet, row)
    assert database_snapshot() == before
    return result

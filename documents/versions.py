"""The versions an exported 資料2 / 資料3 was made from, kept in the workbook itself.

Each export gets a hidden, protected sheet 「版」 with one line per row the document writes: the
row's reference (as the pages write it: 「3-研修体制の整備-⑥」, 「(1)イ(ｳ)」), the version of its
entry and a fingerprint of the texts the export put in its cells. Hidden sheets and their cells
survive editing and saving in Excel and LibreOffice. On import the fingerprint tells whether the
file changes a row at all (a row the file leaves as exported is never written nor refused, however
the database moved since), and the version whether someone else changed it since the export
(then it is a conflict, see imports.py)."""

import hashlib
from dataclasses import dataclass

SHEET = "版"
HEADERS = ("取組", "版", "内容の確認用")
WARNING = "この表は取込みで使います。変更しないでください。"
PERIOD_LABEL = "報告期間"


@dataclass(frozen=True)
class Exported:
    version: int
    fingerprint: str


def fingerprint(texts):
    """Of the texts as the import reads them back (documents.imports.clean_text)."""
    joined = "\x1f".join(text.replace("\r\n", "\n").replace("\r", "\n").rstrip() for text in texts)
    return hashlib.sha256(joined.encode()).hexdigest()[:20]


class Versions(dict):
    """{reference: Exported}, and the code of the period the file was exported from (None in a
    file exported before it was recorded)."""

    period = None


def add_sheet(workbook, rows, *, period=None):
    """`rows`: (reference, version, texts) of every row the document writes; `period` the
    period exported, whose code the sheet keeps so that the file is not read into another."""
    ws = workbook.create_sheet(SHEET)
    ws.append([WARNING, PERIOD_LABEL, period.code] if period is not None else [WARNING])
    ws.append(list(HEADERS))
    for reference, version, texts in rows:
        ws.append([reference, version, fingerprint(texts)])
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
    return ws


def read_sheet(workbook):
    """{reference: Exported} from the 版 sheet of a workbook opened by flatfiles.safe_reader (cells
    as the texts Excel shows); None when it has none (a file made by hand or before versions
    were exported)."""
    sheet = next((ws for ws in workbook.worksheets if is_version_sheet(ws)), None)
    if sheet is None:
        return None
    rows = sheet.rows(len(HEADERS))
    versions = Versions()
    if rows and rows[0][1].strip() == PERIOD_LABEL:
        versions.period = rows[0][2].strip() or None
    for values in rows[2:]:
        reference, version, mark = (value.strip() for value in values)
        if reference and version.isdigit() and mark:
            versions[reference] = Exported(int(version), mark)
    return versions


def is_version_sheet(ws):
    return ws.title == SHEET

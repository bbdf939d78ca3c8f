"""A corpus of bad and borderline files, made here from real exports, tried on every import path:
the document imports (function, upload page, command) and the admin's flat CSV / XLSX import.
Each refusal is the exact message a user sees, and the database's checksum is unchanged after it.
Each accepted borderline file stores what Excel shows."""

import datetime
import hashlib
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DataError, connection, transaction
from django.urls import reverse

from accounts.management.base import IMPORT_FAILED
from documents.exports import export_shiryo2, export_shiryo3
from documents.imports import MERGED_TEXT_CELLS, import_shiryo2, import_shiryo3
from flatfiles import safe_reader
from flatfiles.resources import DATABASE_NUL, user_error
from flatfiles.safe_reader import (
    BAD_XML_IN_CELL,
    BROKEN_FILE,
    BROKEN_SHEET,
    CELL_TOO_LONG,
    CONTROL_CHARACTER,
    CSV_CONTROL_CHARACTER,
    FILE_TOO_LARGE,
    FORMULA,
    NOT_XLSX,
    TOO_MANY_ELEMENTS,
    TOO_MANY_SHEETS,
)
from initiatives.models import ProgressEntry
from tests.documents import find_row, to_bytes
from tests.helpers import action, entry, initiative
from tests.test_flat_import_export import IMPORT_CSV, IMPORT_XLSX, export_bytes, upload

pytestmark = pytest.mark.django_db

TABLE_PREFIXES = ("accounts_", "departments_", "reporting_", "initiatives_", "recommendations_")
SHEET1 = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
# 資料3: the sheet 分類1, the row of 1-④ and its 10月以降の取組 cell.
SHEET, ROW, CELL = "分類1", 7, "E7"
MARKER = "ここを書き換える"


def database_checksum():
    """One hash per table of the project (history included): any write shows."""
    sums = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            if table.startswith(TABLE_PREFIXES) or table == "portal_datarevision":
                rows = "string_agg(t::text, chr(10) ORDER BY t::text)"
                cursor.execute(f"SELECT coalesce({rows}, '') FROM \"{table}\" t")
                sums[table] = hashlib.md5(cursor.fetchone()[0].encode()).hexdigest()
    return sums


# -- Making bad files ----------


def shiryo3_with(period, value=MARKER, number_format=None):
    """資料3 with `value` in the cell E7 (1-④'s 10月以降の取組)."""
    workbook = export_shiryo3(period)
    cell = workbook[SHEET][CELL]
    assert workbook[SHEET].cell(ROW, 4).value == "④"
    cell.value = value
    if number_format:
        cell.number_format = number_format
    return to_bytes(workbook)


_INLINE = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is><t[^>]*>(.*?)</t></is></c>', re.S)


def as_saved_by_excel(data):
    """The workbook with its texts in a shared string table, as Excel saves it (openpyxl writes
    each text in its cell)."""
    strings = {}

    def shared(match):
        index = strings.setdefault(match.group(3), len(strings))
        return b"<c " + match.group(1) + b't="s"' + match.group(2) + b"><v>%d</v></c>" % index

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                body = _INLINE.sub(shared, body)
            elif item.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://'
                    b'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"'
                    b"/></Relationships>",
                )
            target.writestr(item.filename, body, zipfile.ZIP_DEFLATED)
        items = b"".join(b'<si><t xml:space="preserve">' + text + b"</t></si>" for text in strings)
        target.writestr(
            STRINGS,
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + items
            + b"</sst>",
        )
    return out.getvalue()


def member(data, name):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def with_member(data, name, body):
    """The xlsx `data` with the member `name` replaced by `body` (bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename == name:
                target.writestr(name, body, zipfile.ZIP_DEFLATED)
            else:
                target.writestr(item, source.read(item.filename))
    return out.getvalue()


def edit_member(data, name, old, new):
    body = member(data, name)
    assert body.count(old) == 1, (old, body.count(old))
    return with_member(data, name, body.replace(old, new))


def with_cell_xml(data, ref, inner, kind="inlineStr", sheet=SHEET1):
    """The cell `ref` of the sheet replaced by raw XML (bytes) of the given type."""
    body = member(data, sheet)
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"([^>]*?)(?:/>|>.*?</c>)', re.S)
    match = pattern.search(body)
    style = re.search(rb's="\d+"', match.group(1))
    attrs = b" " + style.group() if style else b""
    kind_attr = b' t="' + kind.encode() + b'"' if kind else b""
    cell = b'<c r="' + ref.encode() + b'"' + attrs + kind_attr + b">" + inner + b"</c>"
    return with_member(data, sheet, body[: match.start()] + cell + body[match.end() :])


def inline(text):
    return b"<is><t>" + text + b"</t></is>"


# The ways a cell's XML can be broken, as the corpus outside found them.
BROKEN_XML = {
    "NUL as a reference": b"a&#0;b",
    "a raw control character": b"a\x01b",
    "a lone surrogate": b"a&#xD800;b",
    "CESU-8 surrogate bytes": b"a\xed\xa0\x80b",
    "U+FFFE": b"a\xef\xbf\xbeb",
    "U+FFFF as a reference": b"a&#xFFFF;b",
    "a raw vertical tab": b"a\x0bb",
}


# -- The document imports ----------


def refused(run, period, user, data, message, *, sheet=SHEET, row=ROW):
    before = database_checksum()
    result = run(file=data, period=period, user=user)
    assert [(e.sheet, e.row, e.message) for e in result.errors] == [(sheet, row, message)]
    assert database_checksum() == before
    return result


@pytest.mark.parametrize("text", BROKEN_XML.values(), ids=BROKEN_XML.keys())
def test_broken_xml_in_an_inline_cell_is_named(period, admin_user, text):
    data = with_cell_xml(shiryo3_with(period), CELL, inline(text))
    message = BAD_XML_IN_CELL.format(sheet=SHEET, cell=CELL)
    refused(import_shiryo3, period, admin_user, data, message)


@pytest.mark.parametrize("text", BROKEN_XML.values(), ids=BROKEN_XML.keys())
def test_broken_xml_in_a_shared_string_names_the_cell_that_shows_it(period, admin_user, text):
    data = edit_member(as_saved_by_excel(shiryo3_with(period)), STRINGS, MARKER.encode(), text)
    message = BAD_XML_IN_CELL.format(sheet=SHEET, cell=CELL)
    refused(import_shiryo3, period, admin_user, data, message)


@pytest.mark.parametrize(
    ("escaped", "code"),
    [("_x0000_", "U+0000"), ("_x0001_", "U+0001"), ("_x001B_", "U+001B"), ("_xD800_", "U+D800")],
)
def test_a_control_character_excel_escaped_is_refused_with_its_cell(
    period, admin_user, escaped, code
):
    data = shiryo3_with(period, f"前{escaped}後")
    message = CONTROL_CHARACTER.format(sheet=SHEET, cell=CELL, code=code)
    refused(import_shiryo3, period, admin_user, data, message)


@pytest.mark.parametrize("char", ["\x7f", "\x85"])
def test_a_control_character_xml_allows_is_refused_too(period, admin_user, char):
    data = with_cell_xml(shiryo3_with(period), CELL, inline(f"前{char}後".encode()))
    code = f"U+{ord(char):04X}"
    message = CONTROL_CHARACTER.format(sheet=SHEET, cell=CELL, code=code)
    refused(import_shiryo3, period, admin_user, data, message)


@pytest.mark.parametrize(
    "formula",
    ["=1+1", '=HYPERLINK("http://x","y")', "=cmd|'/C calc'!A0", "=SUM(1,2)"],
)
def test_a_formula_is_refused_with_its_cell_named(period, admin_user, formula):
    message = FORMULA.format(sheet=SHEET, cell=CELL)
    refused(import_shiryo3, period, admin_user, shiryo3_with(period, formula), message)


def test_a_formula_with_a_cached_value_is_refused_not_read_by_its_value(period, admin_user):
    data = with_cell_xml(shiryo3_with(period), CELL, b"<f>1+1</f><v>2</v>", kind=None)
    message = FORMULA.format(sheet=SHEET, cell=CELL)
    refused(import_shiryo3, period, admin_user, data, message)


def test_a_shared_formula_is_refused(period, admin_user):
    data = with_cell_xml(shiryo3_with(period), CELL, b'<f t="shared" si="0"/><v>x</v>', kind="str")
    message = FORMULA.format(sheet=SHEET, cell=CELL)
    refused(import_shiryo3, period, admin_user, data, message)


def test_a_formula_in_the_classification_of_shiryo2_is_refused(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    row = find_row(ws, 3, f"(ｱ)\n{action(1, 1, 1).text}")
    ws.cell(row, 5).value = '="A"'
    message = FORMULA.format(sheet="(1)", cell=f"E{row}")
    refused(import_shiryo2, period, admin_user, to_bytes(workbook), message, sheet="(1)", row=row)


def test_a_cell_over_the_limit_is_refused_while_it_streams_in(period, admin_user):
    # Compressed, the file is small; unpacked, the cell would be 5 MB.
    data = with_cell_xml(shiryo3_with(period), CELL, inline("あ".encode() * 5_000_000))
    assert len(data) < 200_000
    message = CELL_TOO_LONG.format(sheet=SHEET, cell=CELL)
    refused(import_shiryo3, period, admin_user, data, message)


def test_a_shared_string_over_the_limit_is_refused_at_the_cell_that_shows_it(period, admin_user):
    long = "あ".encode() * (safe_reader.MAX_TEXT_LENGTH + 1)
    data = edit_member(as_saved_by_excel(shiryo3_with(period)), STRINGS, MARKER.encode(), long)
    message = CELL_TOO_LONG.format(sheet=SHEET, cell=CELL)
    refused(import_shiryo3, period, admin_user, data, message)


def test_text_at_the_limit_is_accepted(period, admin_user):
    text = "あ" * safe_reader.MAX_TEXT_LENGTH
    result = import_shiryo3(file=shiryo3_with(period, text), period=period, user=admin_user)
    assert result.ok
    assert entry(period, initiative(1, 4)).plans == text


def test_too_many_sheets(period, admin_user):
    data = to_bytes(export_shiryo3(period))
    sheets = b"".join(
        b'<sheet name="x%d" sheetId="%d" r:id="rId1"/>' % (n, n + 100)
        for n in range(safe_reader.MAX_SHEETS)
    )
    data = edit_member(data, "xl/workbook.xml", b"</sheets>", sheets + b"</sheets>")
    refused(import_shiryo3, period, admin_user, data, TOO_MANY_SHEETS, sheet="", row=None)


def test_too_many_xml_elements(period, admin_user, monkeypatch):
    # The limit that bounds the time a file takes; lowered here so the test stays quick.
    monkeypatch.setattr(safe_reader, "MAX_XML_TAGS", 500)
    data = to_bytes(export_shiryo3(period))
    refused(import_shiryo3, period, admin_user, data, TOO_MANY_ELEMENTS, sheet="", row=None)


def test_a_document_type_declaration_is_refused(period, admin_user):
    data = to_bytes(export_shiryo3(period))
    bomb = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    data = with_member(data, SHEET1, bomb + member(data, SHEET1))
    message = BROKEN_SHEET.format(sheet=SHEET, line=1)
    refused(import_shiryo3, period, admin_user, data, message, sheet=SHEET, row=None)


def test_a_sheet_missing_from_the_package(period, admin_user):
    data = to_bytes(export_shiryo3(period))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename != SHEET1:
                target.writestr(item, source.read(item.filename))
    refused(import_shiryo3, period, admin_user, out.getvalue(), NOT_XLSX, sheet="", row=None)


def test_a_member_whose_bytes_are_damaged(period, admin_user):
    data = bytearray(to_bytes(export_shiryo3(period)))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(SHEET1)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in range(start + 10, start + 40):
        data[offset] ^= 0xFF
    message = BROKEN_FILE.format(part=SHEET1)
    refused(import_shiryo3, period, admin_user, bytes(data), message, sheet="", row=None)


@pytest.mark.parametrize(
    ("column", "letter", "name"), [(4, "D", "実施状況"), (5, "E", "区分")], ids=["text", "mark"]
)
def test_merged_status_cells_of_two_actions_are_refused(period, admin_user, column, letter, name):
    """Excel keeps the text of a merged range's first cell only: the lower action's paragraph
    would read as deleted."""
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    lower = find_row(ws, 3, f"(ｲ)\n{action(1, 1, 2).text}")
    ws.merge_cells(start_row=lower - 1, start_column=column, end_row=lower, end_column=column)
    message = MERGED_TEXT_CELLS.format(cells=f"{letter}{lower - 1}:{letter}{lower}", column=name)
    data = to_bytes(workbook)
    refused(import_shiryo2, period, admin_user, data, message, sheet="(1)", row=lower - 1)


@pytest.mark.parametrize(("column", "letter"), [(3, "C"), (4, "D"), (5, "E")])
def test_merged_text_cells_of_shiryo3_are_refused(period, admin_user, column, letter):
    workbook = export_shiryo3(period)
    ws = workbook[SHEET]
    ws.merge_cells(start_row=ROW, start_column=column, end_row=ROW + 1, end_column=column)
    heading = ws.cell(3, column).value
    message = MERGED_TEXT_CELLS.format(cells=f"{letter}{ROW}:{letter}{ROW + 1}", column=heading)
    refused(import_shiryo3, period, admin_user, to_bytes(workbook), message)


# -- Borderline files that are accepted, as Excel shows them ----------


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [
        (datetime.datetime(2023, 10, 1), "yyyy/m/d", "2023/10/1"),
        (datetime.datetime(2023, 10, 1), 'yyyy"年"m"月"d"日"', "2023年10月1日"),
        (datetime.datetime(2023, 10, 1), '[$-411]ggge"年"m"月"d"日"', "令和5年10月1日"),
        (datetime.datetime(2023, 10, 1, 9, 30), "yyyy/m/d h:mm", "2023/10/1 9:30"),
        (datetime.time(13, 5), "h:mm", "13:05"),
        (3.5, "General", "3.5"),
        (12, "General", "12"),
        (1234567.891, "#,##0.00", "1,234,567.89"),
        (0.125, "0.0%", "12.5%"),
        (True, "General", "TRUE"),
    ],
)
def test_numbers_and_dates_are_read_as_excel_shows_them(
    period, admin_user, value, number_format, shown
):
    data = shiryo3_with(period, value, number_format)
    result = import_shiryo3(file=data, period=period, user=admin_user)
    assert result.ok, result.errors
    assert entry(period, initiative(1, 4)).plans == shown


def test_phonetic_guides_are_not_read_as_text(period, admin_user):
    data = edit_member(
        as_saved_by_excel(shiryo3_with(period)),
        STRINGS,
        MARKER.encode(),
        '保護課</t><rPh sb="0" eb="3"><t>ホゴカ</t></rPh><t>'.encode(),
    )
    assert import_shiryo3(file=data, period=period, user=admin_user).ok
    assert entry(period, initiative(1, 4)).plans == "保護課"


def test_an_escaped_underscore_reads_back_as_written(period, admin_user):
    data = edit_member(
        as_saved_by_excel(shiryo3_with(period)), STRINGS, MARKER.encode(), b"a_x005F_x0041_b"
    )
    assert import_shiryo3(file=data, period=period, user=admin_user).ok
    assert entry(period, initiative(1, 4)).plans == "a_x0041_b"


def test_tab_and_line_breaks_are_kept(period, admin_user):
    data = shiryo3_with(period, "一行目\n\t二行目")
    assert import_shiryo3(file=data, period=period, user=admin_user).ok
    assert entry(period, initiative(1, 4)).plans == "一行目\n\t二行目"


def test_a_cell_written_without_its_reference_is_placed_by_order(period, admin_user):
    data = shiryo3_with(period, "参照のないセル")
    body = member(data, SHEET1)
    body = re.sub(rb'(<c) r="E7"', rb"\1", body)
    assert import_shiryo3(file=with_member(data, SHEET1, body), period=period, user=admin_user).ok
    assert entry(period, initiative(1, 4)).plans == "参照のないセル"


# -- The other document paths: upload page and command ----------


def test_the_upload_page_names_the_cell_and_answers_200(client, admin_user, period):
    client.force_login(admin_user)
    data = with_cell_xml(shiryo3_with(period), CELL, inline(b"a&#0;b"))
    before = database_checksum()
    file = SimpleUploadedFile("資料3.xlsx", data)
    response = client.post(
        reverse("documents:upload"), {"document": "shiryo3", "period": "R5H1", "file": file}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert BAD_XML_IN_CELL.format(sheet=SHEET, cell=CELL) in page
    assert "取り込む</button>" not in page
    assert database_checksum() == before


def test_the_command_prints_the_message_and_fails_without_a_traceback(
    tmp_path, period, admin_user, capsys
):
    path = tmp_path / "資料3.xlsx"
    path.write_bytes(shiryo3_with(period, "=1+1"))
    before = database_checksum()
    with pytest.raises(CommandError, match=IMPORT_FAILED.format(count=1)):
        call_command("import_shiryo3", str(path), "--period", "R5H1")
    err = capsys.readouterr().err
    assert err.strip() == f"シート「{SHEET}」 {ROW}行目: " + FORMULA.format(sheet=SHEET, cell=CELL)
    assert database_checksum() == before


# -- The admin's flat import ----------


def flat_refused(client, model, content, fmt, message):
    before = database_checksum()
    response = upload(client, model, content, fmt)
    page = response.content.decode()
    assert response.context.get("confirm_form") is None
    assert message in page, page[:3000]
    assert database_checksum() == before
    return page


def flat_xlsx_with(client, value):
    """The admin's XLSX export of 取組状況 with `value` in the first row's 10月以降 column."""
    import openpyxl

    data = export_bytes(client, ProgressEntry, fmt=2)
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book.active
    headers = [cell.value for cell in ws[1]]
    column = headers.index("取組内容（10月以降の取組）") + 1
    ws.cell(2, column).value = value
    return to_bytes(book), ws.cell(2, column).coordinate, ws.title


def test_flat_xlsx_formula_is_refused_with_its_cell(client, admin_user):
    client.force_login(admin_user)
    data, cell, title = flat_xlsx_with(client, "=1+1")
    flat_refused(client, ProgressEntry, data, IMPORT_XLSX, FORMULA.format(sheet=title, cell=cell))


def test_flat_xlsx_with_broken_xml_is_refused_with_its_cell(client, admin_user):
    client.force_login(admin_user)
    data, cell, title = flat_xlsx_with(client, MARKER)
    data = edit_member(as_saved_by_excel(data), STRINGS, MARKER.encode(), b"a&#0;b")
    message = BAD_XML_IN_CELL.format(sheet=title, cell=cell)
    flat_refused(client, ProgressEntry, data, IMPORT_XLSX, message)


def test_flat_xlsx_over_the_cell_limit(client, admin_user):
    client.force_login(admin_user)
    data, cell, title = flat_xlsx_with(client, MARKER)
    data = with_cell_xml(data, cell, inline(b"a" * 2_000_000))
    message = CELL_TOO_LONG.format(sheet=title, cell=cell)
    flat_refused(client, ProgressEntry, data, IMPORT_XLSX, message)


def test_flat_xlsx_with_too_many_sheets(client, admin_user):
    client.force_login(admin_user)
    data, _, _ = flat_xlsx_with(client, MARKER)
    sheets = b"".join(
        b'<sheet name="x%d" sheetId="%d" r:id="rId1"/>' % (n, n + 100) for n in range(1500)
    )
    data = edit_member(data, "xl/workbook.xml", b"</sheets>", sheets + b"</sheets>")
    flat_refused(client, ProgressEntry, data, IMPORT_XLSX, TOO_MANY_SHEETS)


def test_flat_csv_with_a_nul_is_refused_with_its_row_and_column(client, admin_user):
    client.force_login(admin_user)
    text = export_bytes(client, ProgressEntry).decode("utf-8-sig")
    lines = text.split("\r\n")
    headers = lines[0].split(",")
    cells = lines[1].split(",")
    column = headers.index("取組内容（10月以降の取組）")
    cells[column] = "a\x00b"
    lines[1] = ",".join(cells)
    data = "\r\n".join(lines).encode("utf-8-sig")
    message = CSV_CONTROL_CHARACTER.format(row=2, column=headers[column], code="U+0000")
    flat_refused(client, ProgressEntry, data, IMPORT_CSV, message)


def test_flat_csv_with_headers_only_says_what_to_do_in_japanese(client, admin_user):
    client.force_login(admin_user)
    header = export_bytes(client, ProgressEntry).decode("utf-8-sig").split("\r\n")[0]
    flat_refused(
        client,
        ProgressEntry,
        (header + "\r\n").encode("utf-8-sig"),
        IMPORT_CSV,
        "取り込む行がありません。1行目に見出し、2行目から取り込む行を入れたファイルを選んでください",
    )


def test_flat_upload_over_10_mb_is_refused_before_it_is_read(client, admin_user):
    client.force_login(admin_user)
    data = b"a," * (safe_reader.MAX_FILE_BYTES // 2 + 1)
    flat_refused(client, ProgressEntry, data, IMPORT_CSV, FILE_TOO_LARGE)


def test_a_nul_the_database_refuses_becomes_a_message(period):
    """What reaches the database is checked by the reader first; should anything slip through,
    the database's own refusal is told in Japanese too."""
    target = entry(period, initiative(1, 4))
    with pytest.raises(DataError) as raised, transaction.atomic():
        ProgressEntry.objects.filter(pk=target.pk).update(plans="a\x00b")
    assert str(user_error(raised.value)) == DATABASE_NUL


@pytest.mark.parametrize("fmt", [0, 1, 2])
def test_an_admin_export_of_an_empty_selection_is_a_file_with_its_headings(client, admin_user, fmt):
    client.force_login(admin_user)
    data = export_bytes(client, ProgressEntry, fmt=fmt, query="?q=どの行にもない言葉")
    if fmt == 2:
        import openpyxl

        rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.values)
    else:
        text = data.decode("utf-8-sig" if fmt == 0 else "cp932")
        rows = [line.split(",") for line in text.splitlines()]
    assert len(rows) == 1
    assert "取組内容（10月以降の取組）" in rows[0]


@pytest.mark.parametrize(
    "number_format",
    ["yyyy/m/d", 'yyyy"年"m"月"d"日"', '[$-411]ggge"年"m"月"d"日"', "[$-411]ge.m.d"],
)
def test_a_date_typed_into_the_flat_xlsx_is_read_as_that_date(client, admin_user, number_format):
    import openpyxl

    from reporting.models import ReportingPeriod
    from tests.test_flat_import_export import confirm

    client.force_login(admin_user)
    book = openpyxl.load_workbook(io.BytesIO(export_bytes(client, ReportingPeriod, fmt=2)))
    ws = book.active
    headers = [cell.value for cell in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "R5H1")
    cell = ws.cell(row, headers.index("提出期限") + 1)
    cell.value = datetime.datetime(2023, 11, 15)
    cell.number_format = number_format
    response = upload(client, ReportingPeriod, to_bytes(book), IMPORT_XLSX)
    confirm(client, ReportingPeriod, response)
    deadline = ReportingPeriod.objects.get(code="R5H1").deadline
    assert deadline == datetime.date(2023, 11, 15)


def test_flat_csv_with_a_row_of_endless_columns_is_refused_before_it_is_split(client, admin_user):
    client.force_login(admin_user)
    data = ("a" + "," * 1_000_000 + "\r\n").encode()
    flat_refused(client, ProgressEntry, data, IMPORT_CSV, safe_reader.TOO_MANY_COLUMNS)


def test_flat_csv_with_an_unclosed_quote_is_refused_in_japanese(client, admin_user):
    client.force_login(admin_user)
    data = ('報告期間,取組\r\nR5H1,"1-④\r\n' + "x" * 200_000).encode()
    flat_refused(client, ProgressEntry, data, IMPORT_CSV, safe_reader.CSV_BROKEN.format(row=2))


def test_an_excel_file_given_as_csv_says_which_format_to_choose(client, admin_user):
    client.force_login(admin_user)
    data = export_bytes(client, ProgressEntry, fmt=2)
    flat_refused(client, ProgressEntry, data, IMPORT_CSV, safe_reader.CSV_IS_EXCEL)


def test_a_sheet_written_with_a_namespace_prefix_is_read(period, admin_user):
    """Some programs write <x:row>…; the names are matched without their prefix."""
    data = shiryo3_with(period, "接頭辞つきの XML")
    body = member(data, SHEET1)
    body = re.sub(rb"<(/?)([A-Za-z]+)([ >/])", rb"<\1x:\2\3", body)
    body = body.replace(b"<x:worksheet xmlns=", b"<x:worksheet xmlns:x=", 1)
    assert b"<x:row" in body and b"<x:c " in body
    assert import_shiryo3(file=with_member(data, SHEET1, body), period=period, user=admin_user).ok
    assert entry(period, initiative(1, 4)).plans == "接頭辞つきの XML"


def test_a_date_of_a_1904_workbook_is_shown_as_excel_shows_it(period, admin_user):
    data = with_cell_xml(shiryo3_with(period, 0, "yyyy/m/d"), CELL, b"<v>0</v>", kind=None)
    body = member(data, "xl/workbook.xml")
    if b"<workbookPr" in body:
        body = re.sub(rb"<workbookPr", b'<workbookPr date1904="1"', body, count=1)
    else:
        body = body.replace(b"<sheets>", b'<workbookPr date1904="1"/><sheets>', 1)
    data = with_member(data, "xl/workbook.xml", body)
    assert import_shiryo3(file=data, period=period, user=admin_user).ok
    assert entry(period, initiative(1, 4)).plans == "1904/1/1"

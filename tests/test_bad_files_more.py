"""More kinds of bad file, each tried on every import path: the document import (function, upload
page, command), the admin's flat CSV / XLSX import, and the personnel list (upload page,
command). Each gets one Japanese message that names what is wrong, writes nothing (the whole
database's checksum is unchanged) and never a 500. The .xls and .ods files are made by the real
LibreOffice from an export; the encrypted workbook is an OLE2 container as Excel writes one
(its directory names the EncryptionInfo stream), made here."""

import io
import shutil
import struct
import subprocess

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from documents.exports import export_shiryo3
from documents.imports import DUPLICATE_ROW, HEADERS_WRONG, NO_DOCUMENT_SHEET, import_shiryo3
from documents.versions import SHEET as VERSION_SHEET
from flatfiles import safe_reader
from flatfiles.resources import UNKNOWN_COLUMNS
from flatfiles.safe_reader import (
    CSV_ENCODING_AT,
    CSV_IS_EXCEL,
    CSV_UTF16,
    EMPTY_FILE,
    ENCRYPTED,
    KIND_ODS,
    KIND_PDF,
    NOT_XLSX,
    OLD_XLS,
    WANTED_TABLE,
    WANTED_XLSX,
    WRONG_KIND,
)
from initiatives.models import ProgressEntry
from tests.documents import to_bytes
from tests.test_bad_files import database_checksum
from tests.test_flat_import_export import IMPORT_CSV, IMPORT_XLSX, export_bytes, page_errors
from tests.test_flat_import_export import upload as flat_upload

pytestmark = pytest.mark.django_db

PERSONNEL_HEADER = "職員番号,氏名,メールアドレス,所属,役割,異動日"


# -- Making the files ----------


def ole2(*streams):
    """An OLE2 compound file whose directory holds `streams` (Root Entry first), as an
    encrypted Office file is stored: header, one directory sector."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHH", 0x3E, 3, 0xFFFE)
    header += struct.pack("<H", 9) + bytes(512 - len(header) - 2)
    entries = b""
    for kind, name in [(5, "Root Entry"), *((2, s) for s in streams)]:
        encoded = (name + "\0").encode("utf-16-le")
        entry = encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
        entries += entry.ljust(128, b"\0")
    return header + entries.ljust(512, b"\0")


ENCRYPTED_XLSX = ole2("EncryptionInfo", "EncryptedPackage", "\x06DataSpaces")


@pytest.fixture(scope="module")
def libreoffice_files(tmp_path_factory, django_db_blocker):
    """{"xls": bytes, "ods": bytes}: a 資料3 export converted by LibreOffice."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice がありません: make system-deps（scripts/system-deps.sh）"
    folder = tmp_path_factory.mktemp("lo")
    with django_db_blocker.unblock():
        from reporting.models import ReportingPeriod

        period = ReportingPeriod.objects.get(code="R5H1")
        (folder / "資料3.xlsx").write_bytes(to_bytes(export_shiryo3(period)))
    files = {}
    for kind in ("xls", "ods"):
        subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation=file://{folder}/profile",
                "--convert-to",
                kind,
                "--outdir",
                str(folder),
                str(folder / "資料3.xlsx"),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        files[kind] = (folder / f"資料3.{kind}").read_bytes()
    return files


def xlsx_of(rows, title="Sheet"):
    book = openpyxl.Workbook()
    book.active.title = title
    for row in rows:
        book.active.append(row)
    return to_bytes(book)


# -- Driving each path ----------


def document_function(period, user, data):
    result = import_shiryo3(file=data, period=period, user=user)
    return [e.message for e in result.errors]


def document_page(client, data):
    response = client.post(
        reverse("documents:upload"),
        {"document": "shiryo3", "period": "R5H1", "file": SimpleUploadedFile("a.xlsx", data)},
    )
    assert response.status_code == 200
    assert "取り込む</button>" not in response.content.decode()
    return response.content.decode()


def document_command(tmp_path, data, capsys):
    path = tmp_path / "資料3.xlsx"
    path.write_bytes(data)
    with pytest.raises(CommandError):
        call_command("import_shiryo3", str(path), "--period", "R5H1")
    return capsys.readouterr().err


def flat(client, data, fmt):
    response = flat_upload(client, ProgressEntry, data, fmt, name="a.csv")
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    return page_errors(response)


def personnel_page(client, data):
    response = client.post(
        reverse("accounts:import"), {"file": SimpleUploadedFile("meibo.csv", data)}
    )
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert 'name="token"' not in page
    return page


def personnel_command(tmp_path, data, capsys):
    path = tmp_path / "meibo.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError) as raised:
        call_command("import_users", str(path))
    return str(raised.value) + capsys.readouterr().err


def every_path(client, tmp_path, capsys, period, admin_user, data, *, xlsx, table, csv=None):
    """Each path refuses `data`: the document paths with `xlsx`, the personnel list with
    `table`, the flat import with `csv` (CSV chosen) and `xlsx` (Excel chosen)."""
    csv = csv or table
    client.force_login(admin_user)  # a login writes its time: before the checksum
    before = database_checksum()
    assert document_function(period, admin_user, data) == [xlsx]
    assert xlsx in document_page(client, data)
    assert xlsx in document_command(tmp_path, data, capsys)
    assert csv in flat(client, data, IMPORT_CSV)
    assert xlsx in flat(client, data, IMPORT_XLSX)
    assert table in personnel_page(client, data)
    assert table in personnel_command(tmp_path, data, capsys)
    assert database_checksum() == before


# -- Files that are not what they claim ----------


def test_an_old_xls_saved_by_libreoffice(
    client, tmp_path, capsys, period, admin_user, libreoffice_files
):
    data = libreoffice_files["xls"]
    assert data.startswith(safe_reader.OLE2_SIGNATURE)
    every_path(
        client,
        tmp_path,
        capsys,
        period,
        admin_user,
        data,
        xlsx=OLD_XLS,
        table=OLD_XLS,
        csv=CSV_IS_EXCEL,
    )


def test_an_ods_saved_by_libreoffice(
    client, tmp_path, capsys, period, admin_user, libreoffice_files
):
    every_path(
        client,
        tmp_path,
        capsys,
        period,
        admin_user,
        libreoffice_files["ods"],
        xlsx=WRONG_KIND.format(kind=KIND_ODS, wanted=WANTED_XLSX),
        table=WRONG_KIND.format(kind=KIND_ODS, wanted=WANTED_XLSX),
        csv=WRONG_KIND.format(kind=KIND_ODS, wanted=WANTED_TABLE),
    )


def test_a_password_protected_workbook(client, tmp_path, capsys, period, admin_user):
    every_path(
        client,
        tmp_path,
        capsys,
        period,
        admin_user,
        ENCRYPTED_XLSX,
        xlsx=ENCRYPTED,
        table=ENCRYPTED,
    )


def test_a_pdf_renamed(client, tmp_path, capsys, period, admin_user):
    data = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
    every_path(
        client,
        tmp_path,
        capsys,
        period,
        admin_user,
        data,
        xlsx=WRONG_KIND.format(kind=KIND_PDF, wanted=WANTED_XLSX),
        table=WRONG_KIND.format(kind=KIND_PDF, wanted=WANTED_TABLE),
    )


def test_a_utf16_csv(client, tmp_path, capsys, period, admin_user):
    for data in [
        (PERSONNEL_HEADER + "\r\n1,札幌 太郎,a@example.jp,保）保護課,課の担当者,\r\n").encode(
            "utf-16"
        ),
        (PERSONNEL_HEADER + "\r\n").encode("utf-16-le"),  # without a BOM
    ]:
        every_path(
            client, tmp_path, capsys, period, admin_user, data, xlsx=NOT_XLSX, table=CSV_UTF16
        )


def test_a_shift_jis_csv_with_bytes_it_cannot_hold_names_the_line(
    client, tmp_path, capsys, period, admin_user
):
    data = (PERSONNEL_HEADER + "\r\n").encode("cp932") + "1,札幌".encode("cp932") + b"\x85\xff\r\n"
    message = CSV_ENCODING_AT.format(row=2)
    every_path(client, tmp_path, capsys, period, admin_user, data, xlsx=NOT_XLSX, table=message)


def test_an_empty_file(client, tmp_path, capsys, period, admin_user):
    client.force_login(admin_user)  # a login writes its time: before the checksum
    before = database_checksum()
    assert document_function(period, admin_user, b"") == [EMPTY_FILE]
    assert "空" in document_page(client, b"")
    assert EMPTY_FILE in document_command(tmp_path, b"", capsys)
    for fmt in (IMPORT_CSV, IMPORT_XLSX):
        assert any("空" in e for e in flat(client, b"", fmt))
    assert "空" in personnel_page(client, b"")
    assert EMPTY_FILE in personnel_command(tmp_path, b"", capsys)
    assert database_checksum() == before


# -- Workbooks that are not the document ----------


def test_a_workbook_of_only_the_version_sheet(client, tmp_path, capsys, period, admin_user):
    book = export_shiryo3(period)
    book[VERSION_SHEET].sheet_state = "visible"
    for ws in [ws for ws in book.worksheets if ws.title != VERSION_SHEET]:
        book.remove(ws)
    data = to_bytes(book)
    client.force_login(admin_user)  # a login writes its time: before the checksum
    before = database_checksum()
    assert document_function(period, admin_user, data) == [NO_DOCUMENT_SHEET]
    assert NO_DOCUMENT_SHEET in document_page(client, data)
    assert NO_DOCUMENT_SHEET in document_command(tmp_path, data, capsys)
    assert database_checksum() == before


def test_sheets_reordered_and_renamed_import_as_before(period, admin_user):
    book = export_shiryo3(period)
    sheets = [ws for ws in book.worksheets if ws.title != VERSION_SHEET]
    sheets[0].cell(7, 5).value = "並べ替えたファイルで書いた"
    for number, ws in enumerate(sheets):
        ws.title = f"名前を変えた{number}"
    book._sheets.reverse()
    before = database_checksum()
    result = import_shiryo3(file=to_bytes(book), period=period, user=admin_user, dry_run=True)
    assert result.ok, [str(e) for e in result.errors]
    assert result.counts["changed"] == 1 and result.counts["conflict"] == 0
    assert database_checksum() == before


def test_a_missing_column_is_named(client, period, admin_user):
    book = export_shiryo3(period)
    ws = book.worksheets[0]
    ws.delete_cols(6)
    messages = document_function(period, admin_user, to_bytes(book))
    assert len(messages) == 1 and messages[0].startswith(HEADERS_WRONG.split("「")[0])


def test_a_duplicated_row_is_named_with_its_first_place(period, admin_user):
    book = export_shiryo3(period)
    ws = book.worksheets[0]
    assert ws.cell(7, 4).value == "④"  # 1-④
    values = [cell.value for cell in ws[7]]
    ws.insert_rows(8)
    for column, value in enumerate(values, start=1):
        ws.cell(8, column).value = value
    before = database_checksum()
    result = import_shiryo3(file=to_bytes(book), period=period, user=admin_user)
    message = DUPLICATE_ROW.format(reference="1-④", sheet=ws.title, row=7)
    assert [(e.sheet, e.row, e.message) for e in result.errors] == [(ws.title, 8, message)]
    assert database_checksum() == before


def test_a_file_of_another_period_overwrites_nothing_without_the_hqs_choice(
    period, empty_period, admin_user
):
    entry = ProgressEntry.objects.filter(period=period).exclude(plans="").first()
    ProgressEntry.objects.create(
        period=empty_period,
        initiative=entry.initiative,
        results="新しい期間の結果",
        plans="新しい期間の予定",
    )
    data = to_bytes(export_shiryo3(period))
    before = database_checksum()
    result = import_shiryo3(file=data, period=empty_period, user=admin_user)
    assert result.other_period == "R5H1" and not result.has_versions
    assert [r.reference for r in result.conflicts] == [entry.initiative.reference]
    stored = ProgressEntry.objects.get(period=empty_period, initiative=entry.initiative)
    assert stored.plans == "新しい期間の予定"
    # The rows the new period lacked are new; nothing stored was overwritten.
    assert result.counts["new"] > 0 and result.counts["changed"] == 0
    assert database_checksum() != before


# -- The flat and personnel paths ----------


def test_a_flat_file_with_a_row_twice_names_both_rows(client, admin_user):
    client.force_login(admin_user)
    content = export_bytes(client, ProgressEntry)
    lines = content.split(b"\r\n")
    doubled = b"\r\n".join([lines[0], lines[1], lines[1], *lines[2:]])
    before = database_checksum()
    errors = flat(client, doubled, IMPORT_CSV)
    assert any("行番号 1 の行と同じです" in e for e in errors), errors
    assert database_checksum() == before


def test_a_personnel_list_with_a_very_long_name(client, admin_user):
    data = (
        PERSONNEL_HEADER + "\r\n1," + "長" * 5000 + ",long@example.jp,保）保護課,課の担当者,\r\n"
    ).encode("utf-8-sig")
    client.force_login(admin_user)  # a login writes its time: before the checksum
    before = database_checksum()
    page = personnel_page(client, data)
    assert "氏名" in page and "文字" in page
    assert database_checksum() == before


def test_a_flat_user_export_edited_in_libreoffice_imports_unchanged(client, admin_user, tmp_path):
    """The admin's XLSX export of users, saved again by LibreOffice: every row unchanged."""
    client.force_login(admin_user)
    content = export_bytes(client, User, fmt=2)
    (tmp_path / "users.xlsx").write_bytes(content)
    subprocess.run(
        [
            shutil.which("soffice"),
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(tmp_path / "out"),
            str(tmp_path / "users.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    resaved = (tmp_path / "out" / "users.xlsx").read_bytes()
    assert resaved != content
    before = database_checksum()
    response = flat_upload(client, User, resaved, IMPORT_XLSX)
    assert page_errors(response) == []
    totals = {k: v for k, v in response.context["result"].totals.items() if v}
    assert totals == {"skip": User.objects.count()}
    assert database_checksum() == before


def test_a_flat_file_with_a_renamed_heading_is_refused_naming_it(client, admin_user):
    """A misspelt heading would leave its column unread and every row "unchanged"."""
    client.force_login(admin_user)
    content = export_bytes(client, ProgressEntry).decode("utf-8-sig")
    header, rest = content.split("\r\n", 1)
    renamed = header.replace("取組内容（10月以降の取組）", "10月以降")
    assert renamed != header
    before = database_checksum()
    errors = flat(client, (renamed + "\r\n" + rest).encode("utf-8-sig"), IMPORT_CSV)
    assert errors == [UNKNOWN_COLUMNS.format(columns="「10月以降」")]
    assert database_checksum() == before


def test_a_flat_file_with_values_under_no_heading_is_refused(client, admin_user):
    client.force_login(admin_user)
    rows = xlsx_rows_of(export_bytes(client, ProgressEntry, fmt=2))
    rows[0].insert(1, None)
    for row in rows[1:]:
        row.insert(1, "メモ")
    before = database_checksum()
    errors = flat(client, xlsx_of(rows), IMPORT_XLSX)
    assert errors == [UNKNOWN_COLUMNS.format(columns="B列目（見出しなし）")]
    assert database_checksum() == before


def xlsx_rows_of(data):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(row) for row in book.active.iter_rows(values_only=True)]

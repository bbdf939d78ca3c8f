"""No exported cell runs as a formula in Excel, and the escaped files import back unchanged."""

import pytest
from django.urls import reverse

from flatfiles.spreadsheet import escape_formula, unescape_formula
from initiatives.models import Category, ProgressEntry
from tests.test_flat_import_export import (
    CSV_BOM,
    CSV_CP932,
    IMPORT_XLSX,
    XLSX,
    csv_rows,
    database_snapshot,
    export_bytes,
    page_errors,
    totals,
    upload,
    xlsx_sheet,
)

pytestmark = pytest.mark.django_db

RISKY = ["=1+1", "+x", "-x", "@x", "\tx", "\rx", '=HYPERLINK("http://example.com","x")']
PLANS = "取組内容（10月以降の取組）"


def test_escape_formula():
    assert [escape_formula(text) for text in RISKY[:6]] == [
        "'=1+1",
        "'+x",
        "'-x",
        "'@x",
        "'\tx",
        "'\rx",
    ]
    assert escape_formula("・研修を実施") == "・研修を実施"
    assert escape_formula("'quoted") == "'quoted"
    assert escape_formula(3) == 3
    assert [unescape_formula(escape_formula(text)) for text in RISKY] == RISKY
    assert unescape_formula("'quoted") == "'quoted"


@pytest.fixture
def risky_entries():
    entries = list(ProgressEntry.objects.filter(period__code="R5H1").order_by("pk")[: len(RISKY)])
    for entry, text in zip(entries, RISKY, strict=True):
        ProgressEntry.objects.filter(pk=entry.pk).update(plans=text)
    Category.objects.filter(number=1).update(title="=1+1")
    return {entry.reference: text for entry, text in zip(entries, RISKY, strict=True)}


@pytest.mark.parametrize("fmt", [CSV_BOM, CSV_CP932], ids=["utf8", "cp932"])
def test_csv_cells_are_escaped_and_import_back_unchanged(client, admin_user, risky_entries, fmt):
    client.force_login(admin_user)
    content = export_bytes(client, ProgressEntry, fmt)
    rows = csv_rows(content, "cp932" if fmt == CSV_CP932 else "utf-8-sig")
    cells = {row["取組"]: row[PLANS] for row in rows if row["取組"] in risky_entries}
    assert cells == {ref: "'" + text for ref, text in risky_entries.items()}
    assert not any(
        value.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for value in row.values()
    )
    before = database_snapshot()
    response = upload(client, ProgressEntry, content)
    assert page_errors(response) == []
    assert totals(response) == {"skip": ProgressEntry.objects.count()}
    assert database_snapshot() == before


def test_xlsx_cells_are_text_and_import_back_unchanged(client, admin_user, risky_entries):
    client.force_login(admin_user)
    content = export_bytes(client, ProgressEntry, XLSX)
    sheet = xlsx_sheet(content)
    headers = [cell.value for cell in sheet[1]]
    escaped = {}
    for row in sheet.iter_rows(min_row=2):
        reference = row[headers.index("取組")].value
        if reference in risky_entries:
            escaped[reference] = row[headers.index(PLANS)]
    assert len(escaped) == len(RISKY)
    for reference, cell in escaped.items():
        assert cell.data_type == "s"
        assert not cell.value.startswith("=")
        assert cell.value.startswith("'")
        # Excel's CR is not kept by XLSX at all; everything else is the escaped text.
        assert cell.value == "'" + risky_entries[reference].replace("\r", "\n")
    formulas = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []

    before = database_snapshot()
    response = upload(client, ProgressEntry, content, IMPORT_XLSX)
    assert page_errors(response) == []
    assert totals(response) == {"skip": ProgressEntry.objects.count()}
    assert database_snapshot() == before


def test_master_data_is_escaped_too(client, admin_user, risky_entries):
    client.force_login(admin_user)
    rows = csv_rows(export_bytes(client, Category))
    assert rows[0]["取組内容の分類"] == "'=1+1"
    cell = xlsx_sheet(export_bytes(client, Category, XLSX))["B2"]
    assert (cell.value, cell.data_type) == ("'=1+1", "s")


def test_text_shift_jis_cannot_hold_is_refused_with_a_reason(client, admin_user):
    client.force_login(admin_user)
    entry = ProgressEntry.objects.filter(period__code="R5H1").first()
    ProgressEntry.objects.filter(pk=entry.pk).update(plans="研修😀を実施")
    resource = "progressentryresource"
    response = client.post(
        reverse("admin:initiatives_progressentry_export"),
        {"format": str(CSV_CP932), "resource": "0", f"{resource}_plans": "on"},
    )
    assert response.status_code == 200
    assert "Content-Disposition" not in response
    assert "「😀」（U+1F600" in response.content.decode()
    assert "Shift_JIS（CP932）で表せません" in response.content.decode()
    # UTF-8 and Excel hold it.
    assert "研修😀を実施" in export_bytes(client, ProgressEntry, CSV_BOM).decode("utf-8-sig")

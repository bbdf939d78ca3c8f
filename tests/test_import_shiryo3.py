"""Importing 資料3 from xlsx: what is written, what is refused, and that a refusal writes nothing.

The checks on the file itself (size, type, zip bomb) are shared by both imports and are tested
here for both."""

import datetime
import io
import re
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.management.base import IMPORT_FAILED, UNKNOWN_USER
from core.marks import REPOST_MARK
from documents import imports
from documents.exports import export_shiryo2, export_shiryo3
from documents.imports import (
    BAD_KEY,
    DUPLICATE_ROW,
    HEADERS_MISSING,
    HEADERS_WRONG,
    HEADING_UNKNOWN,
    READ_ONLY_CHANGED,
    REMOVALS_NOT_CONFIRMED,
    REPOST_EDITED,
    UNKNOWN_ORGANIZATION,
    UNKNOWN_ROW,
    import_shiryo2,
    import_shiryo3,
)
from flatfiles import safe_reader
from flatfiles.safe_reader import (
    CELL_TOO_LONG,
    EMPTY_FILE,
    FILE_TOO_LARGE,
    KIND_PDF,
    KIND_WORD,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_TEXT_LENGTH,
    NOT_XLSX,
    OLD_XLS,
    TOO_MANY_COLUMNS,
    TOO_MANY_ROWS,
    UNPACKED_TOO_LARGE,
    WANTED_XLSX,
    WRONG_KIND,
)
from initiatives.models import Initiative, ProgressEntry
from recommendations.models import ActionReport
from reporting.models import ReportingPeriod
from tests.documents import database_snapshot, find_row, refused_import, to_bytes
from tests.helpers import entry, initiative, lockable_from_another_connection

# The real reason: the row is another section's.
OUTSIDE = "この行は担当の課・部の利用者と推進本部だけが変更できます。"
# What a 分類 cell that names none of the category's sub-classes is told, on each row it covers.
SUB_CLASS_CHANGED = READ_ONLY_CHANGED.format(column="取組内容の分類")

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider():
    """A user with no section, no group and no permission."""
    return get_user_model().objects.create_user("outsider", password="x")


def row_of(ws, mark, subclass=None):
    start = find_row(ws, 1, subclass) if subclass else 4
    return find_row(ws, 4, mark, start=start)


def refused(period, user, data, message, *, sheet=None, row=None):
    return refused_import(import_shiryo3, period, user, data, message, sheet=sheet, row=row)


# -- What is written ----------


def test_importing_the_export_changes_nothing(period, admin_user):
    before = database_snapshot()
    result = import_shiryo3(file=to_bytes(export_shiryo3(period)), period=period, user=admin_user)
    assert result.ok
    assert result.counts == {
        "new": 0,
        "changed": 0,
        "unchanged": Initiative.objects.count(),
        "conflict": 0,
    }
    assert database_snapshot() == before


def test_a_changed_cell_is_written_with_the_user_in_its_history(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    row = row_of(ws, "④")
    ws.cell(row, 5).value = "・10月以降は全区で監査を実施する。"
    target = entry(period, initiative(1, 4))
    results_before, version = target.results, target.version

    result = import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user)

    assert result.ok
    assert [(r.sheet, r.row, r.reference) for r in result.rows if r.status == "changed"] == [
        ("分類1", row, "1-④")
    ]
    assert result.counts == {"new": 0, "changed": 1, "unchanged": 43, "conflict": 0}
    target.refresh_from_db()
    assert target.plans == "・10月以降は全区で監査を実施する。"
    assert target.results == results_before
    assert (target.version, target.updated_by) == (version + 1, admin_user)
    latest = target.history.latest()
    assert latest.history_user == admin_user
    assert latest.plans == target.plans
    assert latest.history_change_reason == imports.CHANGE_REASON


def test_trailing_blanks_and_windows_line_breaks_are_not_a_change(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    cell = ws.cell(row_of(ws, "⑥"), 5)
    cell.value = cell.value.replace("\n", "\r\n") + "\n  "
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user)
    assert result.counts["changed"] == 0


def test_dry_run_reports_the_changes_and_writes_nothing(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "④"), 5).value = "変更"
    before = database_snapshot()
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user, dry_run=True)
    assert result.ok and result.dry_run
    assert result.counts == {"new": 0, "changed": 1, "unchanged": 43, "conflict": 0}
    assert database_snapshot() == before


def test_the_preview_shows_both_texts_of_a_changed_row_before_and_after(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "④"), 5).value = "変更した取組"
    target = entry(period, initiative(1, 4))
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user, dry_run=True)
    (changed,) = [r for r in result.rows if r.status == "changed"]
    results, plans = f"【{period.results_label}】", f"【{period.plans_label}】"
    assert changed.before == f"{results}{target.results}\n{plans}{target.plans}"
    assert changed.after == f"{results}{target.results}\n{plans}変更した取組"


def test_importing_into_an_empty_period_creates_its_entries(period, empty_period, admin_user):
    workbook = export_shiryo3(period)
    result = import_shiryo3(file=to_bytes(workbook), period=empty_period, user=admin_user)
    assert result.counts == {"new": 44, "changed": 0, "unchanged": 0, "conflict": 0}
    # Each row of the preview says where it is in the file.
    rows = {r.reference: (r.status, r.sheet, r.row) for r in result.rows}
    assert rows["1-④"] == ("new", "分類1", row_of(workbook["分類1"], "④"))
    for old in ProgressEntry.objects.filter(period=period).select_related("initiative"):
        new = entry(empty_period, old.initiative)
        assert (new.results, new.plans) == (old.results, old.plans)
        assert new.history.get().history_user == admin_user


def test_a_cleared_result_is_listed_as_removed_under_its_heading(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    row = row_of(ws, "④")
    old = ws.cell(row, 3).value
    ws.cell(row, 3).value = None
    preview = import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user, dry_run=True)
    assert [(r.sheet, r.row, r.reference, r.what, r.text) for r in preview.removals] == [
        ("分類1", row, "1-④", period.results_label, old)
    ]


def test_the_original_holds_the_text_of_a_repost(period, admin_user):
    """Editing only the original (the 【再掲】 cell still shows the old text) is accepted; the
    【再掲】 row keeps no copy."""
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "⑨"), 3).value = "・新しい取組結果"
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user)
    assert result.counts == {"new": 0, "changed": 1, "unchanged": 43, "conflict": 0}
    assert entry(period, initiative(1, 9)).results == "・新しい取組結果"
    assert entry(period, initiative(3, 6, "研修体制の整備")).results == ""


def test_a_repost_cell_showing_the_new_original_text_is_accepted(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "⑨"), 3).value = "・新しい取組結果"
    ws = workbook["分類3"]
    ws.cell(row_of(ws, "⑥", "研修体制の整備"), 3).value = "・新しい取組結果" + REPOST_MARK
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user)
    assert result.ok
    assert result.counts["changed"] == 1


def test_a_repost_row_writes_only_its_own_plans(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類3"]
    ws.cell(row_of(ws, "⑥", "研修体制の整備"), 5).value = "・再掲行の10月以降"
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user)
    assert [r.reference for r in result.rows if r.status == "changed"] == ["3-研修体制の整備-⑥"]
    repost = entry(period, initiative(3, 6, "研修体制の整備"))
    assert (repost.results, repost.plans) == ("", "・再掲行の10月以降")


def test_a_text_of_exactly_the_limit_is_accepted(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "④"), 5).value = "あ" * MAX_TEXT_LENGTH
    assert import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user).ok
    assert len(entry(period, initiative(1, 4)).plans) == MAX_TEXT_LENGTH


def test_a_preview_takes_no_more_queries_for_more_categories_and_rows(period, admin_user):
    def preview(sheets):
        """The preview of an export with only `sheets`, every row's 10月以降 edited."""
        workbook = export_shiryo3(period)
        for ws in workbook.worksheets:
            if ws.title.startswith("分類") and ws.title not in sheets:
                workbook.remove(ws)
        for title in sheets:
            ws = workbook[title]
            for row in range(row_of(ws, "①"), ws.max_row + 1):
                if ws.cell(row, 4).value:
                    ws.cell(row, 5).value = f"{ws.cell(row, 5).value or ''}（追記）"
        data = to_bytes(workbook)
        with CaptureQueriesContext(connection) as queries:
            result = import_shiryo3(file=data, period=period, user=admin_user, dry_run=True)
        assert result.ok
        return result.counts["changed"], len(queries)

    # Every row is a change shown with who stored it when.
    ProgressEntry.objects.filter(period=period).update(updated_by=admin_user)
    every = [ws.title for ws in export_shiryo3(period).worksheets if ws.title.startswith("分類")]
    assert len(every) > 2
    one_changed, one_sheet = preview(every[:1])
    all_changed, all_sheets = preview(every)
    assert all_changed > one_changed > 0
    assert all_sheets == one_sheet


# -- Permission ----------


def test_a_row_the_user_may_not_change_is_refused_and_nothing_is_written(period, outsider):
    workbook = export_shiryo3(period)
    ws = workbook["分類3"]
    row = row_of(ws, "⑥", "研修体制の整備")
    ws.cell(row, 5).value = "権限のない変更"
    refused(
        period,
        outsider,
        to_bytes(workbook),
        "3-研修体制の整備-⑥: この行を変更する権限がありません。" + OUTSIDE,
        sheet="分類3",
        row=row,
    )


def test_unchanged_rows_need_no_permission(period, outsider):
    result = import_shiryo3(file=to_bytes(export_shiryo3(period)), period=period, user=outsider)
    assert result.ok


# -- Refused content ----------


def test_one_error_and_the_valid_changes_are_not_written_either(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "④"), 5).value = "正しい変更"
    ws.cell(row_of(ws, "⑤"), 6).value = "保）ない課"
    refused(
        period,
        admin_user,
        to_bytes(workbook),
        UNKNOWN_ORGANIZATION.format(column="担当課", label="保）ない課"),
        sheet="分類1",
        row=row_of(ws, "⑤"),
    )


def test_editing_a_repost_row_is_refused(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類3"]
    row = row_of(ws, "⑥", "研修体制の整備")
    ws.cell(row, 3).value = "・再掲行だけを書き換えた" + REPOST_MARK
    result = refused(
        period,
        admin_user,
        to_bytes(workbook),
        REPOST_EDITED.format(original="1-⑨"),
        sheet="分類3",
        row=row,
    )
    # The rows after it are still checked and shown.
    assert sum(result.counts.values()) == Initiative.objects.count() - 1


def without_the_original_of_the_repost(period):
    """The export of the period after the original of 3-研修体制の整備-⑥【再掲】 (1-⑨) lost its
    entry, with the original's sheet left out: the 【再掲】 row is compared with nothing in the
    database and nothing in the file."""
    entry(period, initiative(1, 9)).delete()
    workbook = export_shiryo3(period)
    workbook.remove(workbook["分類1"])
    return workbook


def test_a_repost_of_an_original_with_no_entry_and_no_row_in_the_file_is_accepted(
    period, admin_user
):
    workbook = without_the_original_of_the_repost(period)
    ws = workbook["分類3"]
    assert ws.cell(row_of(ws, "⑥", "研修体制の整備"), 3).value == REPOST_MARK
    before = database_snapshot()
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user)
    assert result.errors == []
    assert result.counts["changed"] == result.counts["new"] == 0
    assert database_snapshot() == before


def test_a_repost_cell_reading_none_is_refused_when_its_original_has_no_entry_and_no_row(
    period, admin_user
):
    """What a script writes for an empty cell ("None") is not the original's empty text."""
    workbook = without_the_original_of_the_repost(period)
    ws = workbook["分類3"]
    row = row_of(ws, "⑥", "研修体制の整備")
    ws.cell(row, 3).value = "None" + REPOST_MARK
    refused(
        period,
        admin_user,
        to_bytes(workbook),
        REPOST_EDITED.format(original="1-⑨"),
        sheet="分類3",
        row=row,
    )


def test_wrong_headers(period, admin_user):
    workbook = export_shiryo3(period)
    workbook["分類2"]["C3"].value = "取組結果"
    message = HEADERS_WRONG.format(
        expected="取組内容の分類／対象職種／９月までの取組／取組番号／10月以降の取組／担当課",
        found="取組内容の分類／対象職種／取組結果／取組番号／10月以降の取組／担当課",
    )
    refused(period, admin_user, to_bytes(workbook), message, sheet="分類2", row=3)


def test_a_file_of_other_months_has_wrong_headers(period, admin_user):
    later = ReportingPeriod.objects.create(
        code="R5H2",
        name="令和５年度下半期",
        results_until=datetime.date(2024, 3, 31),
        plans_from=datetime.date(2024, 4, 1),
    )
    result = import_shiryo3(file=to_bytes(export_shiryo3(period)), period=later, user=admin_user)
    assert len(result.errors) == 5
    assert "「取組内容の分類／対象職種／３月までの取組／" in result.errors[0].message
    assert not ProgressEntry.objects.filter(period=later).exists()


def test_missing_headers(period, admin_user):
    workbook = export_shiryo3(period)
    for cell in workbook["分類4"][3]:
        cell.value = None
    message = HEADERS_MISSING.format(first="取組内容の分類")
    refused(period, admin_user, to_bytes(workbook), message, sheet="分類4", row=None)


def test_unknown_category_heading(period, admin_user):
    workbook = export_shiryo3(period)
    workbook["分類5"]["A2"].value = "６\u3000新しい分類"
    message = HEADING_UNKNOWN.format(value="６\u3000新しい分類", what="分類")
    refused(period, admin_user, to_bytes(workbook), message, sheet="分類5", row=2)


def test_unknown_section_label(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "④"), 6).value = "保）保護課\n保）存在しない課"
    message = UNKNOWN_ORGANIZATION.format(column="担当課", label="保）存在しない課")
    refused(period, admin_user, to_bytes(workbook), message, sheet="分類1", row=7)


@pytest.mark.parametrize(
    ("column", "value", "heading"), [(6, "保）障がい福祉課", "担当課"), (2, "保健師", "対象職種")]
)
def test_sections_and_job_category_cannot_be_changed_by_import(
    period, admin_user, column, value, heading
):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "④"), column).value = value
    message = READ_ONLY_CHANGED.format(column=heading)
    refused(period, admin_user, to_bytes(workbook), message, sheet="分類1", row=7)


def test_the_classification_of_a_category_without_sub_classes_cannot_be_changed_by_import(
    period, admin_user
):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    first, last = row_of(ws, "①"), row_of(ws, "⑨")
    ws.cell(first, 1).value = "１　書き換えた分類"  # merged over the category's rows
    before = database_snapshot()
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user)
    message = READ_ONLY_CHANGED.format(column="取組内容の分類")
    assert [(e.sheet, e.row, e.message) for e in result.errors] == [
        ("分類1", row, message) for row in range(first, last + 1)
    ]
    assert database_snapshot() == before


def test_sections_in_another_order_are_accepted(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "①"), 6).value = "子ども未来局\n保健福祉局\n区）保健福祉部"
    assert import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user).ok


def test_duplicated_row(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    source = row_of(ws, "④")
    last = ws.max_row + 1
    for column in range(3, 7):
        ws.cell(last, column).value = ws.cell(source, column).value
    message = DUPLICATE_ROW.format(reference="1-④", sheet="分類1", row=source)
    refused(period, admin_user, to_bytes(workbook), message, sheet="分類1", row=last)


def test_every_duplicated_row_of_a_sheet_is_named_not_only_the_first(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    last = ws.max_row
    for offset, mark in enumerate("④⑤", start=1):
        for column in range(3, 7):
            ws.cell(last + offset, column).value = ws.cell(row_of(ws, mark), column).value
    before = database_snapshot()
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user)
    assert [(e.sheet, e.row, e.message) for e in result.errors] == [
        (
            "分類1",
            last + offset,
            DUPLICATE_ROW.format(reference=f"1-{mark}", sheet="分類1", row=row_of(ws, mark)),
        )
        for offset, mark in enumerate("④⑤", start=1)
    ]
    assert database_snapshot() == before


def test_an_import_that_removes_a_text_is_refused_unless_the_removal_is_confirmed(
    period, admin_user
):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "④"), 5).value = None
    data = to_bytes(workbook)
    refused(period, admin_user, data, REMOVALS_NOT_CONFIRMED.format(count=1))
    result = import_shiryo3(file=data, period=period, user=admin_user, confirm_removals=True)
    assert result.ok
    assert entry(period, initiative(1, 4)).plans == ""


def test_unknown_row_number(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "⑨"), 4).value = "⑳"
    message = UNKNOWN_ROW.format(reference="1-⑳")
    refused(period, admin_user, to_bytes(workbook), message, sheet="分類1", row=12)


def test_each_unknown_row_number_under_a_sub_class_is_named_with_its_sub_class(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類3"]
    first, second = row_of(ws, "②", "研修体制の整備"), row_of(ws, "④", "研修体制の整備")
    ws.cell(first, 4).value, ws.cell(second, 4).value = "⑱", "⑲"
    before = database_snapshot()
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user)
    assert [(e.sheet, e.row, e.message) for e in result.errors] == [
        ("分類3", first, UNKNOWN_ROW.format(reference="3-研修体制の整備-⑱")),
        ("分類3", second, UNKNOWN_ROW.format(reference="3-研修体制の整備-⑲")),
    ]
    assert database_snapshot() == before


def test_unreadable_row_number(period, admin_user):
    workbook = export_shiryo3(period)
    workbook["分類2"]["D4"].value = "1"
    message = BAD_KEY.format(column="取組番号", value="1")
    refused(period, admin_user, to_bytes(workbook), message, sheet="分類2", row=4)


def test_unknown_sub_class(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類3"]
    ws.cell(row_of(ws, "①", "その他"), 1).value = "その他の取組"
    before = database_snapshot()
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user)
    # The sub-class cell is merged over the sub-class's three rows.
    assert [e.message for e in result.errors] == [SUB_CLASS_CHANGED] * 3
    assert database_snapshot() == before


def test_an_emptied_sub_class_cell_on_the_first_row_is_told_the_column_is_fixed(period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類3"]
    first = row_of(ws, "①", "研修体制の整備")
    assert first == 4  # the sheet's first table row: no sub-class above it to carry on
    ws.cell(first, 1).value = None
    before = database_snapshot()
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=admin_user)
    # The emptied cell is merged over the sub-class's seven rows.
    assert [(e.row, e.message) for e in result.errors] == [
        (first + i, SUB_CLASS_CHANGED) for i in range(7)
    ]
    assert database_snapshot() == before


@pytest.mark.parametrize("column", [3, 5])
def test_text_over_the_limit(period, admin_user, column):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "④"), column).value = "あ" * (MAX_TEXT_LENGTH + 1)
    message = CELL_TOO_LONG.format(sheet="分類1", cell=ws.cell(7, column).coordinate)
    refused(period, admin_user, to_bytes(workbook), message, sheet="分類1", row=7)


# -- Refused files (both imports share these checks) ----------

IMPORTS = pytest.mark.parametrize("run", [import_shiryo2, import_shiryo3])


@IMPORTS
@pytest.mark.parametrize("dry_run", [True, False], ids=["preview", "import"])
def test_an_import_holds_the_periods_rows_from_its_first_read_and_a_preview_holds_none(
    run, period, admin_user, monkeypatch, dry_run
):
    """So a page's save waits for an import instead of slipping in between its check and its
    write, and never waits for someone reading a preview."""
    if run is import_shiryo2:
        model, export, reader = ActionReport, export_shiryo2, "_read_shiryo2"
    else:
        model, export, reader = ProgressEntry, export_shiryo3, "_read_shiryo3"
    row = model.objects.filter(period=period).order_by("pk").first()
    seen = []
    read = getattr(imports, reader)

    def reading(*args, **kwargs):
        seen.append(lockable_from_another_connection(model._meta.db_table, row.pk))
        return read(*args, **kwargs)

    monkeypatch.setattr(imports, reader, reading)
    result = run(file=to_bytes(export(period)), period=period, user=admin_user, dry_run=dry_run)
    assert result.ok
    assert seen == [dry_run]


def refused_file(run, period, user, data, message):
    before = database_snapshot()
    result = run(file=data, period=period, user=user)
    assert [e.message for e in result.errors] == [message]
    assert result.rows == []
    assert database_snapshot() == before


def with_member(data, name, body):
    """The xlsx `data` with one member replaced (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item))
        target.writestr(name, body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


@IMPORTS
def test_empty_file(run, period, admin_user):
    refused_file(run, period, admin_user, b"", EMPTY_FILE)


@IMPORTS
def test_pdf_renamed_to_xlsx(run, period, admin_user):
    pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
    message = WRONG_KIND.format(kind=KIND_PDF, wanted=WANTED_XLSX)
    refused_file(run, period, admin_user, pdf, message)


@IMPORTS
def test_a_zip_that_is_not_a_workbook(run, period, admin_user):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    message = WRONG_KIND.format(kind=KIND_WORD, wanted=WANTED_XLSX)
    refused_file(run, period, admin_user, out.getvalue(), message)


@IMPORTS
def test_a_damaged_xlsx(run, period, admin_user):
    data = to_bytes(export_shiryo3(period))
    refused_file(run, period, admin_user, data[: len(data) // 2], NOT_XLSX)


@IMPORTS
def test_old_xls(run, period, admin_user):
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)
    refused_file(run, period, admin_user, ole2, OLD_XLS)


@IMPORTS
def test_file_over_10_mb(run, period, admin_user):
    data = b"PK\x03\x04" + bytes(10 * 1024 * 1024)
    refused_file(run, period, admin_user, data, FILE_TOO_LARGE)


@IMPORTS
def test_file_over_10_mb_as_a_stream(run, period, admin_user):
    data = io.BytesIO(b"PK\x03\x04" + bytes(10 * 1024 * 1024))
    refused_file(run, period, admin_user, data, FILE_TOO_LARGE)


@IMPORTS
def test_zip_bomb_is_refused_before_it_is_unpacked(run, period, admin_user):
    out = io.BytesIO(to_bytes(export_shiryo3(period)))
    with (
        zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("xl/media/padding.bin", "w", force_zip64=True) as member,
    ):
        chunk = bytes(1024 * 1024)
        for _ in range(safe_reader.MAX_UNPACKED_BYTES // len(chunk) + 1):
            member.write(chunk)
    assert len(out.getvalue()) < 2 * 1024 * 1024
    refused_file(run, period, admin_user, out.getvalue(), UNPACKED_TOO_LARGE)


@IMPORTS
def test_too_many_rows(run, period, admin_user):
    workbook = export_shiryo3(period)
    workbook["分類1"].cell(MAX_ROWS + 1, 1).value = "x"
    refused_file(run, period, admin_user, to_bytes(workbook), TOO_MANY_ROWS)


@IMPORTS
def test_too_many_rows_behind_a_false_declared_size(run, period, admin_user):
    workbook = export_shiryo3(period)
    workbook["分類1"].cell(MAX_ROWS + 1, 1).value = "x"
    data = to_bytes(workbook)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    sheet = re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:F3"', sheet)
    refused_file(
        run, period, admin_user, with_member(data, "xl/worksheets/sheet1.xml", sheet), TOO_MANY_ROWS
    )


@IMPORTS
def test_too_many_columns(run, period, admin_user):
    workbook = export_shiryo3(period)
    workbook["分類1"].cell(1, MAX_COLUMNS + 1).value = "x"
    refused_file(run, period, admin_user, to_bytes(workbook), TOO_MANY_COLUMNS)


def test_the_other_document_is_refused(period, admin_user):
    result = import_shiryo3(file=to_bytes(export_shiryo2(period)), period=period, user=admin_user)
    assert {e.message for e in result.errors} == {HEADERS_MISSING.format(first="取組内容の分類")}
    assert len(result.errors) == 7  # one a chapter sheet


# -- The command ----------


def test_command_prints_the_preview_and_writes_nothing_on_dry_run(
    tmp_path, period, admin_user, capsys
):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "④"), 5).value = "変更"
    path = tmp_path / "資料3.xlsx"
    path.write_bytes(to_bytes(workbook))
    before = database_snapshot()
    call_command("import_shiryo3", str(path), "--period", "R5H1", "--dry-run")
    out = capsys.readouterr().out
    assert "新規 0 件、変更 1 件、変更なし 43 件" in out
    assert "何も書き込んでいません" in out
    assert database_snapshot() == before


def test_command_writes_as_the_first_superuser_by_default(tmp_path, period, admin_user):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "④"), 5).value = "コマンドで変更"
    path = tmp_path / "資料3.xlsx"
    path.write_bytes(to_bytes(workbook))
    call_command("import_shiryo3", str(path), "--period", "R5H1")
    changed = entry(period, initiative(1, 4))
    assert changed.plans == "コマンドで変更"
    assert changed.history.latest().history_user == admin_user


def test_command_prints_errors_and_fails(tmp_path, period, capsys):
    workbook = export_shiryo3(period)
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "④"), 6).value = "保）ない課"
    path = tmp_path / "資料3.xlsx"
    path.write_bytes(to_bytes(workbook))
    with pytest.raises(CommandError, match=IMPORT_FAILED.format(count=1)):
        call_command("import_shiryo3", str(path), "--period", "R5H1")
    assert (
        "シート「分類1」 7行目: 担当課の「保）ない課」という組織がありません。"
        in capsys.readouterr().err
    )


def test_command_names_the_sheet_and_row_only_where_an_error_has_them(tmp_path, period, capsys):
    workbook = export_shiryo3(period)
    workbook["分類2"]["A3"].value = "分類"  # a sheet without its header row
    ws = workbook["分類1"]
    ws.cell(row_of(ws, "④"), 5).value = None  # a text removed: the whole import awaits a yes
    path = tmp_path / "資料3.xlsx"
    path.write_bytes(to_bytes(workbook))
    with pytest.raises(CommandError, match=IMPORT_FAILED.format(count=2)):
        call_command("import_shiryo3", str(path), "--period", "R5H1")
    assert capsys.readouterr().err.splitlines() == [
        "シート「分類2」: " + HEADERS_MISSING.format(first="取組内容の分類"),
        REMOVALS_NOT_CONFIRMED.format(count=1),
    ]


def test_command_refuses_an_unknown_user(tmp_path, period):
    path = tmp_path / "資料3.xlsx"
    path.write_bytes(to_bytes(export_shiryo3(period)))
    with pytest.raises(CommandError, match=UNKNOWN_USER.format(username="nobody")):
        call_command("import_shiryo3", str(path), "--period", "R5H1", "--user", "nobody")

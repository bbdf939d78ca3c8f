"""A 資料2 / 資料3 file without the hidden 版 sheet (made by hand, or exported before versions
were) cannot say which version it was made from: every row whose text differs from a stored text
is a conflict, shown with both texts and who changed it when, and written only when the HQ ticks
上書きする for it (`--overwrite` for the commands). A row with nothing stored yet is written."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from documents.exports import export_shiryo2, export_shiryo3
from documents.imports import CHANGED, CONFLICT, import_shiryo2, import_shiryo3
from documents.versions import SHEET
from initiatives.models import ProgressEntry
from recommendations.models import ActionReport
from tests.documents import database_snapshot, to_bytes
from tests.test_document_import_versions import edit_on_page, hogo_entries, plans_cell

pytestmark = pytest.mark.django_db


def without_versions(workbook):
    del workbook[SHEET]
    return workbook


def first_status_cell(workbook, report):
    status = report.statuses.order_by("position").first()
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            if len(row) > 3 and status.text and row[3].value == status.text:
                return row[3]
    raise AssertionError(report)


def test_a_changed_row_of_a_file_without_versions_is_a_conflict_and_not_written(
    period, honbu, hogo
):
    first, _ = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, first).value = "古いファイルの内容"
    edit_on_page(first, hogo, "課が後から書いた内容")
    before = database_snapshot()
    result = import_shiryo3(file=to_bytes(without_versions(workbook)), period=period, user=honbu)
    assert result.ok and not result.has_versions
    (conflict,) = result.conflicts
    assert conflict.reference == first.initiative.reference and conflict.unversioned
    assert "古いファイルの内容" in conflict.after and "課が後から書いた内容" in conflict.before
    assert conflict.updated_by == hogo and conflict.updated_at is not None
    assert database_snapshot() == before


def test_the_hq_overwrites_an_unversioned_row_only_when_it_says_so(period, honbu, hogo):
    first, second = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, first).value = "本部のファイルの内容"
    plans_cell(workbook, second).value = "選ばなかった行"
    old_second = second.plans
    data = to_bytes(without_versions(workbook))
    result = import_shiryo3(
        file=data, period=period, user=honbu, overwrite=[first.initiative.reference]
    )
    assert result.ok
    statuses = {r.reference: (r.status, r.overwrite) for r in result.rows}
    assert statuses[first.initiative.reference] == (CHANGED, True)
    assert statuses[second.initiative.reference] == (CONFLICT, False)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.plans, first.updated_by) == ("本部のファイルの内容", honbu)
    assert second.plans == old_second


def test_a_section_cannot_overwrite_with_a_file_without_versions(period, hogo):
    first, _ = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, first).value = "課のファイルの内容"
    before = database_snapshot()
    result = import_shiryo3(
        file=to_bytes(without_versions(workbook)),
        period=period,
        user=hogo,
        overwrite=[first.initiative.reference],
    )
    assert [r.reference for r in result.conflicts] == [first.initiative.reference]
    assert database_snapshot() == before


def test_a_row_with_nothing_stored_is_written_from_a_file_without_versions(period, hogo):
    first, _ = hogo_entries()
    workbook = export_shiryo3(period)
    cell = plans_cell(workbook, first)
    ProgressEntry.objects.filter(pk=first.pk).update(results="", plans="")
    cell.value = "はじめて書いた内容"
    cell.parent.cell(cell.row, 3).value = None  # its ９月までの取組 too, as stored now
    result = import_shiryo3(file=to_bytes(without_versions(workbook)), period=period, user=hogo)
    assert result.ok, [str(e) for e in result.errors]
    assert [r.reference for r in result.rows if r.status == CHANGED] == [first.initiative.reference]
    first.refresh_from_db()
    assert (first.plans, first.updated_by) == ("はじめて書いた内容", hogo)


def test_a_row_missing_from_the_version_sheet_is_a_conflict_too(period, honbu):
    first, _ = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, first).value = "版の行を消したファイル"
    ws = workbook[SHEET]
    for row in ws.iter_rows(min_row=3):
        if row[0].value == first.initiative.reference:
            row[0].value = None
    before = database_snapshot()
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=honbu)
    assert result.has_versions
    assert [(r.reference, r.unversioned) for r in result.conflicts] == [
        (first.initiative.reference, True)
    ]
    assert database_snapshot() == before


def test_a_shiryo2_file_without_versions_asks_before_overwriting_paragraphs(period, honbu):
    report = (
        ActionReport.objects.filter(period=period, action__repost_of=None)
        .exclude(statuses__text="")
        .first()
    )
    workbook = export_shiryo2(period)
    first_status_cell(workbook, report).value = "手作りのファイルの内容"
    data = to_bytes(without_versions(workbook))
    before = database_snapshot()
    result = import_shiryo2(file=data, period=period, user=honbu)
    assert [r.reference for r in result.conflicts] == [report.action.reference]
    assert database_snapshot() == before
    result = import_shiryo2(
        file=data, period=period, user=honbu, overwrite=[report.action.reference]
    )
    assert result.ok
    texts = list(report.statuses.order_by("position").values_list("text", flat=True))
    assert texts[0] == "手作りのファイルの内容"


# -- The upload page ----------


def upload(client, content):
    file = io.BytesIO(content)
    file.name = "手作り.xlsx"
    return client.post(
        reverse("documents:upload"), {"document": "shiryo3", "period": "R5H1", "file": file}
    )


def test_the_preview_shows_both_texts_and_the_confirm_writes_only_the_ticked_row(
    client, period, honbu, hogo
):
    first, second = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, first).value = "本部の手作りファイル"
    plans_cell(workbook, second).value = "選ばない行"
    old_second = second.plans
    edit_on_page(first, hogo, "課が後から書いた内容")
    client.force_login(honbu)
    preview = upload(client, to_bytes(without_versions(workbook)))
    page = preview.content.decode()
    assert "版の情報（隠しシート「版」）がありません" in page
    assert "競合した行（2 件）" in page and "（版の記録なし）" in page
    assert "本部の手作りファイル" in page and "課が後から書いた内容" in page and "hogo" in page
    before = database_snapshot()
    # Confirmed without a tick: nothing written.
    response = client.post(reverse("documents:confirm"), {"plan": preview.context["plan"]})
    assert response.status_code == 302
    assert database_snapshot() == before
    preview = upload(client, to_bytes(workbook))
    response = client.post(
        reverse("documents:confirm"),
        {"plan": preview.context["plan"], "overwrite": [first.initiative.reference]},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.plans, second.plans) == ("本部の手作りファイル", old_second)


# -- The commands ----------


def test_the_command_lists_the_conflicts_and_overwrites_only_what_is_named(
    tmp_path, period, hogo, capsys
):
    first, second = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, first).value = "コマンドのファイル"
    plans_cell(workbook, second).value = "名指ししない行"
    old_second = second.plans
    path = tmp_path / "手作り.xlsx"
    path.write_bytes(to_bytes(without_versions(workbook)))
    before = database_snapshot()
    call_command("import_shiryo3", str(path), "--period", "R5H1")
    out = capsys.readouterr().out
    assert f"競合（取り込みません。上書きは --overwrite {first.initiative.reference}）" in out
    assert "版の記録なし" in out and "コマンドのファイル" in out
    assert database_snapshot() == before
    call_command(
        "import_shiryo3", str(path), "--period", "R5H1", "--overwrite", first.initiative.reference
    )
    assert f"上書き: {first.initiative.reference}" in capsys.readouterr().out
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.plans, second.plans) == ("コマンドのファイル", old_second)


def test_the_command_as_a_section_cannot_overwrite(tmp_path, period, hogo):
    first, _ = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, first).value = "課のコマンド"
    path = tmp_path / "手作り.xlsx"
    path.write_bytes(to_bytes(without_versions(workbook)))
    before = database_snapshot()
    call_command(
        "import_shiryo3",
        str(path),
        "--period",
        "R5H1",
        "--user",
        "hogo",
        "--overwrite",
        first.initiative.reference,
    )
    assert database_snapshot() == before
    with pytest.raises(CommandError):
        call_command("import_shiryo3", str(path), "--period", "NOPE")

"""The document import (資料2 / 資料3 xlsx) knows what is stale: the file carries the versions it
was made from, the preview shows every change before and after and every conflict, and the
confirm applies exactly what the preview showed, or nothing."""

import io

import pytest
from django.urls import reverse

from documents.exports import export_shiryo2, export_shiryo3
from documents.imports import CONFLICT, MOVED_SINCE_PREVIEW, import_shiryo2, import_shiryo3
from documents.versions import SHEET
from initiatives.models import ProgressEntry
from recommendations.models import ActionReport
from recommendations.services import PARAGRAPHS, StatusInput
from reporting import services
from reporting.models import EntryState
from tests.documents import database_snapshot, reload, to_bytes
from tests.helpers import current_entry, set_state, snapshot

pytestmark = pytest.mark.django_db


def plans_cell(workbook, entry):
    """The 10月以降の取組 cell of `entry`'s row in a 資料3 workbook."""
    reference = entry.initiative.reference
    number = reference.split("-")[-1]
    for ws in workbook.worksheets:
        if ws.title == SHEET:
            continue
        for row in ws.iter_rows(min_row=4):
            if row[3].value == number and entry.plans and row[4].value == entry.plans:
                return row[4]
    raise AssertionError(reference)


def hogo_entries():
    entries = ProgressEntry.objects.filter(
        period__code="R5H1", initiative__sections__label="保）保護課", initiative__repost_of=None
    ).exclude(plans="")
    return list(entries.order_by("pk")[:2])


def edit_on_page(entry, user, plans):
    entry = type(entry).objects.get(pk=entry.pk)
    services.write(entry=entry, user=user, version=entry.version, values={"plans": plans})


def upload(client, content, document="shiryo3"):
    file = io.BytesIO(content)
    file.name = "資料.xlsx"
    return client.post(
        reverse("documents:upload"), {"document": document, "period": "R5H1", "file": file}
    )


def test_the_export_carries_its_versions_in_a_hidden_protected_sheet(period):
    workbook = reload(to_bytes(export_shiryo3(period)))
    ws = workbook[SHEET]
    assert ws.sheet_state == "hidden" and ws.protection.sheet
    entry = current_entry("保）保護課")
    rows = {row[0]: row[1] for row in ws.iter_rows(min_row=3, values_only=True)}
    assert rows[entry.initiative.reference] == entry.version


def test_a_stale_file_lists_its_conflicts_and_writes_none_of_them_by_default(
    period, honbu, hogo, jisou
):
    first, second = hogo_entries()
    workbook = export_shiryo3(period)  # the HQ downloads
    plans_cell(workbook, first).value = "本部のファイルの内容"
    plans_cell(workbook, second).value = "本部のファイルの内容２"
    edit_on_page(first, hogo, "課が後から書いた内容")  # the section edits meanwhile
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=honbu)
    assert result.ok
    conflicts = {r.reference: r for r in result.rows if r.status == CONFLICT}
    assert list(conflicts) == [first.initiative.reference]
    conflict = conflicts[first.initiative.reference]
    assert "本部のファイルの内容" in conflict.after and "課が後から書いた内容" in conflict.before
    assert conflict.updated_by == hogo
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.plans == "課が後から書いた内容"
    assert second.plans == "本部のファイルの内容２"  # not a conflict: nobody changed it since


def test_the_hq_may_choose_the_files_text_for_a_conflict(period, honbu, hogo):
    first, _ = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, first).value = "本部のファイルの内容"
    edit_on_page(first, hogo, "課が後から書いた内容")
    reference = first.initiative.reference
    result = import_shiryo3(
        file=to_bytes(workbook), period=period, user=honbu, overwrite=[reference]
    )
    assert result.ok
    first.refresh_from_db()
    assert (first.plans, first.updated_by) == ("本部のファイルの内容", honbu)


def test_a_section_cannot_settle_a_conflict_with_its_file(period, hogo, honbu):
    first, _ = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, first).value = "課のファイルの内容"
    edit_on_page(first, honbu, "本部が後から書いた内容")
    import_shiryo3(
        file=to_bytes(workbook), period=period, user=hogo, overwrite=[first.initiative.reference]
    )
    first.refresh_from_db()
    assert first.plans == "本部が後から書いた内容"


def test_a_row_the_file_leaves_alone_is_neither_written_nor_refused(period, hogo, honbu):
    """The section's file holds a row of another section that the HQ changed since: unchanged."""
    other = (
        ProgressEntry.objects.filter(period=period)
        .exclude(initiative__sections__label="保）保護課")
        .exclude(plans="")
        .first()
    )
    mine, _ = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, mine).value = "課の新しい内容"
    edit_on_page(other, honbu, "本部が後から直した内容")
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=hogo)
    assert result.ok, [str(e) for e in result.errors]
    other.refresh_from_db()
    mine.refresh_from_db()
    assert (other.plans, mine.plans) == ("本部が後から直した内容", "課の新しい内容")


def test_a_refusal_names_its_real_reason(period, hogo):
    mine, _ = hogo_entries()
    set_state(mine, EntryState.APPROVED)
    workbook = export_shiryo3(period)
    plans_cell(workbook, mine).value = "承認後の書き換え"
    before = database_snapshot()
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=hogo)
    assert any("承認済み" in e.message for e in result.errors)
    assert database_snapshot() == before


def test_an_import_moves_the_state_like_the_page(period, hogo):
    mine, _ = hogo_entries()
    set_state(mine, EntryState.NOT_STARTED)
    workbook = export_shiryo3(period)
    plans_cell(workbook, mine).value = "取込みで書いた"
    assert import_shiryo3(file=to_bytes(workbook), period=period, user=hogo).ok
    mine.refresh_from_db()
    assert (mine.state, mine.version, mine.updated_by) == (EntryState.DRAFT, 2, hogo)


def test_a_changed_shiryo2_paragraph_of_an_older_version_is_a_conflict(period, honbu, jisou):
    report = ActionReport.objects.filter(
        period=period, action__departments__label="子）児童相談所"
    ).first()
    workbook = export_shiryo2(period)
    status = report.statuses.order_by("position").first()
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            if len(row) > 3 and row[3].value == status.text and status.text:
                row[3].value = "本部のファイルの内容"
    given = [StatusInput("課が後から書いた", s.classification, s.pk) for s in report.statuses.all()]
    services.write(entry=report, user=jisou, version=report.version, values={PARAGRAPHS: given})
    result = import_shiryo2(file=to_bytes(workbook), period=period, user=honbu)
    assert [r.reference for r in result.conflicts] == [report.action.reference]
    assert set(report.statuses.values_list("text", flat=True)) == {"課が後から書いた"}


# -- Preview → confirm ----------


def test_the_preview_shows_before_and_after_and_the_conflicts(client, period, honbu, hogo):
    first, second = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, first).value = "本部のファイルの内容"
    plans_cell(workbook, second).value = "本部の変更"
    old_second = second.plans
    edit_on_page(first, hogo, "課が後から書いた内容")
    client.force_login(honbu)
    page = upload(client, to_bytes(workbook)).content.decode()
    assert "競合した行（1 件）" in page
    assert "課が後から書いた内容" in page and "hogo" in page
    assert old_second in page and "本部の変更" in page  # before and after
    assert 'name="overwrite"' in page


def test_a_row_changed_between_preview_and_confirm_stops_the_whole_import(
    client, period, honbu, hogo
):
    first, second = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, first).value = "課の変更"
    plans_cell(workbook, second).value = "課のもう一つの変更"
    client.force_login(hogo)
    preview = upload(client, to_bytes(workbook))
    assert preview.context["result"].counts["changed"] == 2
    # Both changed between preview and confirm: the message names both rows.
    edit_on_page(first, honbu, "本部が確認中に直した内容")
    edit_on_page(second, honbu, "本部がもう一つ直した内容")
    before = database_snapshot()
    response = client.post(reverse("documents:confirm"), {"plan": preview.context["plan"]})
    assert response.status_code == 400
    references = sorted([first.initiative.reference, second.initiative.reference])
    message = MOVED_SINCE_PREVIEW.format(references="、".join(references))
    # An error of the whole file: no sheet nor row in front of it.
    assert [str(error) for error in response.context["result"].errors] == [message]
    assert message in response.content.decode()
    assert database_snapshot() == before


def test_a_shiryo2_row_changed_between_preview_and_confirm_stops_the_whole_import(
    client, period, honbu, jisou
):
    report = ActionReport.objects.filter(
        period=period, action__departments__label="子）児童相談所", statuses__isnull=False
    ).first()
    workbook = export_shiryo2(period)
    first = report.statuses.order_by("position").first()
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            if len(row) > 3 and row[3].value == first.text:
                row[3].value = "本部のファイルの内容"
    client.force_login(honbu)
    preview = upload(client, to_bytes(workbook), document="shiryo2")
    assert preview.context["result"].counts["changed"] == 1
    given = [
        StatusInput("課が確認中に直した", s.classification, s.pk) for s in report.statuses.all()
    ]
    services.write(entry=report, user=jisou, version=report.version, values={PARAGRAPHS: given})
    before = database_snapshot()
    response = client.post(reverse("documents:confirm"), {"plan": preview.context["plan"]})
    assert response.status_code == 400
    message = MOVED_SINCE_PREVIEW.format(references=report.action.reference)
    assert [str(error) for error in response.context["result"].errors] == [message]
    assert database_snapshot() == before


def test_a_row_the_preview_showed_unchanged_keeps_what_was_saved_meanwhile(
    client, period, honbu, hogo
):
    """The issue's case: row 4 unchanged in the preview, the HQ edits it, the section confirms."""
    first, second = hogo_entries()
    workbook = export_shiryo3(period)
    plans_cell(workbook, second).value = "課の変更"
    client.force_login(hogo)
    preview = upload(client, to_bytes(workbook))
    edit_on_page(first, honbu, "本部が確認中に直した内容")
    response = client.post(reverse("documents:confirm"), {"plan": preview.context["plan"]})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.plans, second.plans) == ("本部が確認中に直した内容", "課の変更")


def test_a_forged_plan_is_refused(client, hogo):
    client.force_login(hogo)
    entry = current_entry("保）保護課")
    before = snapshot(entry)
    response = client.post(reverse("documents:confirm"), {"plan": "x:y:z"}, follow=True)
    assert "有効期限が切れました" in response.content.decode()
    assert snapshot(entry) == before

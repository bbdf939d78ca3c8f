"""Document imports by the people who really send them: section staff and the HQ, against the
real permission rules (no superuser, no rule replaced). A section may change its own rows and no
other; a refused file writes nothing at all, its allowed rows included."""

import pytest

from documents.exports import export_shiryo2, export_shiryo3
from documents.imports import NO_PERMISSION, import_shiryo2, import_shiryo3
from initiatives.models import ProgressEntry
from recommendations.models import ActionReport, ImplementationStatus
from reporting.models import EntryState, ReportingPeriod
from tests.documents import database_snapshot, to_bytes
from tests.helpers import current_entry, current_report, set_state
from tests.test_import_shiryo2 import action_row
from tests.test_import_shiryo3 import row_of

# The real reason of the refusals below: the row is another section's or department's.
OUTSIDE = "この行は担当の課・部の利用者と推進本部だけが変更できます。"

pytestmark = pytest.mark.django_db

HOGO = "保）保護課"
JISOU_DEPARTMENT = "子）児童相談所"
JISOU_SECTION = "子）地域連携課"


def shiryo3_cell(workbook, entry):
    """The sheet, row and 10月以降 cell of an entry's row in the 資料3 export."""
    initiative = entry.initiative
    ws = workbook[f"分類{initiative.category.number}"]
    mark = initiative.reference.rsplit("-", 1)[1]
    row = row_of(ws, mark, initiative.subclass.name if initiative.subclass else None)
    return ws.title, row, ws.cell(row, 5)


def others_entry():
    """A 資料3 row that neither hogo's nor jisou's sections answer for, not a 【再掲】."""
    return (
        ProgressEntry.objects.filter(period__code="R5H1", initiative__repost_of=None)
        .exclude(initiative__sections__label__in=[HOGO, JISOU_SECTION])
        .order_by("initiative__category__number", "initiative__number")
        .first()
    )


def hogos_entry():
    entry = current_entry(HOGO, exclude_section=JISOU_SECTION)
    assert entry.initiative.repost_of_id is None
    return entry


def test_a_section_imports_a_change_to_its_own_row(period, hogo):
    target = set_state(hogos_entry(), EntryState.DRAFT)
    workbook = export_shiryo3(period)
    shiryo3_cell(workbook, target)[2].value = "・保護課が取込みで書いた計画"

    result = import_shiryo3(file=to_bytes(workbook), period=period, user=hogo)

    assert result.ok, [e.message for e in result.errors]
    assert result.counts["changed"] == 1
    saved = ProgressEntry.objects.get(pk=target.pk)
    assert saved.plans == "・保護課が取込みで書いた計画"
    assert (saved.version, saved.updated_by) == (target.version + 1, hogo)
    assert saved.history.latest().history_user == hogo


def test_a_section_cannot_import_a_change_to_another_sections_row(period, hogo):
    own, other = hogos_entry(), others_entry()
    workbook = export_shiryo3(period)
    shiryo3_cell(workbook, own)[2].value = "・自課の行の変更"
    sheet, row, cell = shiryo3_cell(workbook, other)
    cell.value = "・他課の行への変更"
    before = database_snapshot()

    result = import_shiryo3(file=to_bytes(workbook), period=period, user=hogo)

    assert [(e.sheet, e.row, e.message) for e in result.errors] == [
        (sheet, row, NO_PERMISSION.format(reference=other.initiative.reference, reason=OUTSIDE))
    ]
    assert database_snapshot() == before


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        (EntryState.NOT_STARTED, True),
        (EntryState.DRAFT, True),
        (EntryState.RETURNED, True),
        (EntryState.SUBMITTED, False),
        (EntryState.APPROVED, False),
    ],
)
def test_a_section_imports_into_its_row_only_while_it_is_editable(period, hogo, state, allowed):
    target = set_state(hogos_entry(), state)
    workbook = export_shiryo3(period)
    cell = shiryo3_cell(workbook, target)[2]
    cell.value = "・状態による取込み"
    before = database_snapshot()

    result = import_shiryo3(file=to_bytes(workbook), period=period, user=hogo)

    assert result.ok is allowed
    if allowed:
        assert ProgressEntry.objects.get(pk=target.pk).plans == "・状態による取込み"
    else:
        assert database_snapshot() == before


def test_the_hq_imports_any_row_not_yet_approved(period, honbu):
    own, other = hogos_entry(), others_entry()
    approved = set_state(current_entry(JISOU_SECTION, exclude_section=HOGO), EntryState.APPROVED)
    workbook = export_shiryo3(period)
    shiryo3_cell(workbook, own)[2].value = "・本部の変更1"
    shiryo3_cell(workbook, other)[2].value = "・本部の変更2"

    result = import_shiryo3(file=to_bytes(workbook), period=period, user=honbu)
    assert result.ok, [e.message for e in result.errors]
    assert ProgressEntry.objects.get(pk=own.pk).plans == "・本部の変更1"
    assert ProgressEntry.objects.get(pk=other.pk).plans == "・本部の変更2"

    workbook = export_shiryo3(period)
    shiryo3_cell(workbook, approved)[2].value = "・承認済みへの変更"
    before = database_snapshot()
    result = import_shiryo3(file=to_bytes(workbook), period=period, user=honbu)
    assert not result.ok
    assert database_snapshot() == before


def test_no_one_but_the_admin_imports_into_a_closed_period(period, hogo, honbu, admin_user):
    target = hogos_entry()
    workbook = export_shiryo3(period)
    shiryo3_cell(workbook, target)[2].value = "・締切後の変更"
    data = to_bytes(workbook)
    ReportingPeriod.objects.filter(pk=period.pk).update(is_closed=True)
    period.refresh_from_db()
    before = database_snapshot()
    for user in (hogo, honbu):
        assert not import_shiryo3(file=data, period=period, user=user).ok
        assert database_snapshot() == before
    assert import_shiryo3(file=data, period=period, user=admin_user).ok
    assert ProgressEntry.objects.get(pk=target.pk).plans == "・締切後の変更"


def test_a_section_creates_only_its_own_rows_in_an_empty_period(period, empty_period, hogo):
    data = to_bytes(export_shiryo3(period))
    before = database_snapshot()
    result = import_shiryo3(file=data, period=empty_period, user=hogo)
    refused = {e.message for e in result.errors}
    others = (
        ProgressEntry.objects.filter(period=period)
        .exclude(initiative__sections__label=HOGO)
        .select_related("initiative")
    )
    assert refused == {
        NO_PERMISSION.format(reference=e.initiative.reference, reason=OUTSIDE) for e in others
    }
    assert database_snapshot() == before


def test_the_hq_creates_every_row_of_an_empty_period(period, empty_period, honbu):
    result = import_shiryo3(file=to_bytes(export_shiryo3(period)), period=empty_period, user=honbu)
    assert result.ok
    assert ProgressEntry.objects.filter(period=empty_period).count() == (
        ProgressEntry.objects.filter(period=period).count()
    )


# -- 資料2: the departments answer ----------


def department_report():
    report = current_report(JISOU_DEPARTMENT)
    assert report.statuses.exists()
    return report


def others_report():
    return (
        ActionReport.objects.filter(period__code="R5H1", action__repost_of=None)
        .exclude(action__departments__label__in=[JISOU_DEPARTMENT, JISOU_SECTION])
        .exclude(statuses=None)
        .order_by("action__policy__chapter__number", "action__policy__number", "action__number")
        .first()
    )


def shiryo2_text_cell(workbook, report):
    ws = workbook[f"({report.action.policy.chapter.number})"]
    row = action_row(ws, report.action)
    return ws.title, row, ws.cell(row, 4)


def test_a_department_imports_a_change_to_its_own_paragraph(period, jisou):
    target = set_state(department_report(), EntryState.DRAFT)
    workbook = export_shiryo2(period)
    shiryo2_text_cell(workbook, target)[2].value = "児童相談所が取込みで書いた実施状況"

    result = import_shiryo2(file=to_bytes(workbook), period=period, user=jisou)

    assert result.ok, [e.message for e in result.errors]
    first = ImplementationStatus.objects.get(report=target, position=1)
    assert first.text == "児童相談所が取込みで書いた実施状況"
    assert first.history.latest().history_user == jisou
    saved = ActionReport.objects.get(pk=target.pk)
    assert (saved.version, saved.updated_by) == (target.version + 1, jisou)


def test_a_department_cannot_import_a_change_to_another_departments_paragraph(period, jisou):
    own, other = department_report(), others_report()
    workbook = export_shiryo2(period)
    shiryo2_text_cell(workbook, own)[2].value = "自部の変更"
    sheet, row, cell = shiryo2_text_cell(workbook, other)
    cell.value = "他部への変更"
    before = database_snapshot()

    result = import_shiryo2(file=to_bytes(workbook), period=period, user=jisou)

    assert [(e.sheet, e.row, e.message) for e in result.errors] == [
        (sheet, row, NO_PERMISSION.format(reference=other.action.reference, reason=OUTSIDE))
    ]
    assert database_snapshot() == before


def test_a_section_without_a_department_row_cannot_import_shiryo2_changes(period, hogo):
    workbook = export_shiryo2(period)
    shiryo2_text_cell(workbook, department_report())[2].value = "保護課からの変更"
    before = database_snapshot()
    result = import_shiryo2(file=to_bytes(workbook), period=period, user=hogo)
    assert not result.ok
    assert database_snapshot() == before

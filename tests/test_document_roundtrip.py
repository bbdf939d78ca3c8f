"""Export a period, import the files into an empty period, export again: the same documents."""

import pytest

from documents import versions
from documents.exports import export_shiryo2, export_shiryo3
from documents.imports import import_shiryo2, import_shiryo3
from initiatives.models import Initiative, ProgressEntry
from recommendations.models import Action, ActionReport, ImplementationStatus, Policy
from tests.documents import database_snapshot, find_row, merged, reload, to_bytes

pytestmark = pytest.mark.django_db

PERIOD, EMPTY_PERIOD = "R5H1", "R5H1-2"  # the fixtures' codes
DOCUMENTS = [(export_shiryo3, import_shiryo3), (export_shiryo2, import_shiryo2)]


def document_values(ws):
    """The document's six columns: the 状態 column beside them tells what the import did (an
    imported row is a 下書き), which is no part of the round trip."""
    return [list(row) for row in ws.iter_rows(max_col=6, values_only=True)]


def assert_same_document(first, second):
    first, second = reload(first), reload(second)
    assert first.sheetnames == second.sheetnames
    for name in first.sheetnames:
        values = [document_values(first[name]), document_values(second[name])]
        if name == versions.SHEET:
            # Each names the period it was exported from (2 periods here), the rest the same.
            assert [v[0][2] for v in values] == [PERIOD, EMPTY_PERIOD]
            for v in values:
                v[0][2] = None
        assert values[0] == values[1], name
        assert merged(first[name]) == merged(second[name]), name


def round_trip(period, empty_period, user):
    for export, run in DOCUMENTS:
        before = to_bytes(export(period))
        result = run(file=before, period=empty_period, user=user)
        assert result.ok, [str(e) for e in result.errors]
        assert result.counts["new"] > 0 and result.counts["changed"] == 0
        assert_same_document(before, to_bytes(export(empty_period)))


def test_round_trip_into_an_empty_period(period, empty_period, admin_user):
    round_trip(period, empty_period, admin_user)


def test_importing_the_round_tripped_files_again_changes_nothing(period, empty_period, admin_user):
    round_trip(period, empty_period, admin_user)
    before = database_snapshot()
    for export, run in DOCUMENTS:
        result = run(file=to_bytes(export(empty_period)), period=empty_period, user=admin_user)
        assert result.counts["new"] == result.counts["changed"] == 0
    assert database_snapshot() == before


def test_round_trip_of_numbers_past_the_printed_marks(period, empty_period, admin_user):
    """取組番号 (21) after ⑳, policy 〔45〕 after ワ, action (45) after (ﾜ)."""
    last = Initiative.objects.filter(category__number=1).last()
    initiative = Initiative.objects.create(
        category=last.category, number=21, job_category=last.job_category
    )
    initiative.sections.set(last.sections.all())
    ProgressEntry.objects.create(period=period, initiative=initiative, results="結果", plans="予定")
    seventh = Action.objects.filter(policy__chapter__number=7).last()
    policy = Policy.objects.create(chapter=seventh.policy.chapter, number=45, text="取組方針")
    policy.recommendations.set(seventh.policy.recommendations.all())
    action = Action.objects.create(policy=policy, number=45, text="取組内容")
    action.departments.set(seventh.departments.all())
    report = ActionReport.objects.create(period=period, action=action)
    ImplementationStatus.objects.create(
        report=report, position=1, text="実施状況", classification="B"
    )

    round_trip(period, empty_period, admin_user)

    ws = reload(to_bytes(export_shiryo3(empty_period)))["分類1"]
    row = find_row(ws, 4, "(21)")
    assert (ws.cell(row, 3).value, ws.cell(row, 5).value) == ("結果", "予定")
    ws = reload(to_bytes(export_shiryo2(empty_period)))["(7)"]
    row = find_row(ws, 2, "〔45〕\n取組方針")
    assert [c.value for c in ws[row]][2:5] == ["(45)\n取組内容", "実施状況", "Ｂ"]

"""資料2 as xlsx: the cells the committee reads, checked against the seeded database."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.marks import REPOST_MARK
from documents.exports import STATE_LEGEND, export_shiryo2
from documents.management.base import UNKNOWN_PERIOD
from operations.synthetic import multiply_seed
from recommendations.models import (
    CLASSIFICATION_INTRO,
    Action,
    ActionReport,
    Chapter,
    Classification,
    ImplementationStatus,
    Policy,
    VerificationReport,
)
from reporting.models import EntryState, ReportingPeriod
from tests.documents import (
    document_sheet_names,
    document_sheets,
    find_row,
    merged,
    reload,
    to_bytes,
    values,
)
from tests.helpers import action
from tests.mutation import per_test_while_mapping

pytestmark = pytest.mark.django_db

HEADERS = ["該当提言", "取組方針", "具体的な取組内容（想定を含む）", "実施状況", "区分", "担当部"]


@pytest.fixture(scope=per_test_while_mapping)
def seed_export(django_db_setup, django_db_blocker):
    """The export of the seeded current period, made and loaded once for the tests that only
    read it (each test's own changes are rolled back, so they never reach it)."""
    with django_db_blocker.unblock():
        return exported(ReportingPeriod.objects.get(code="R5H1"))


def exported(period):
    return reload(to_bytes(export_shiryo2(period)))


def statuses(period, action):
    return list(
        ImplementationStatus.objects.filter(report__period=period, report__action=action).order_by(
            "position"
        )
    )


def header_row(ws):
    return find_row(ws, 1, "該当提言")


def action_row(ws, action):
    """The first row of an action: its cell starts with its letter and its (original's) text."""
    start = header_row(ws)
    for number, row in enumerate(ws.iter_rows(min_row=start, values_only=True), start=start):
        if row[2] and row[2].startswith(f"{action.mark}\n{action.source.text}"):
            return number
    raise AssertionError(action.reference)


def test_document_title_mark_period_meeting_and_note_on_every_sheet(period):
    report = VerificationReport.objects.get()
    period.meeting = "Ｒ5.11.20\u3000対策推進本部会議"
    period.save()
    for ws in document_sheets(exported(period)):
        assert ws["A1"].value == report.document_title == "今後の取組方針について"
        assert ws["F1"].value == "資料２"
        assert ws["A2"].value == period.meeting
        # The meeting line stands at the right, as the committee's document prints it.
        assert ws["A2"].alignment.horizontal == "right"
        assert ws["A3"].value == report.note
        assert ws["A3"].alignment.horizontal != "right"


def test_each_period_is_headed_by_its_own_meeting():
    old = ReportingPeriod.objects.get(code="R2-05")
    assert old.meeting == "Ｒ2.5.13\u3000対策推進本部会議"  # the seed document's heading line
    assert exported(old)["(1)"]["A2"].value == old.meeting


def test_the_chapter_and_recommendations_headings_are_bold_and_the_lines_under_them_not(period):
    for ws in document_sheets(exported(period)):
        bold = {cell: ws[cell].font.b for cell in ("A2", "A3", "A4", "A5", "A6")}
        assert bold == {"A2": False, "A3": False, "A4": True, "A5": True, "A6": False}, ws.title


def test_one_sheet_per_chapter_with_its_heading_and_recommendations(seed_export):
    workbook = seed_export
    chapters = list(Chapter.objects.order_by("number"))
    assert document_sheet_names(workbook) == ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"]
    for ws, chapter in zip(document_sheets(workbook), chapters, strict=True):
        assert ws["A4"].value == f"({chapter.number}) {chapter.title}"
        assert ws["A5"].value == "検証報告書における提言"
        recommendations = [f"{r.mark} {r.text}" for r in chapter.recommendations.all()]
        assert ws["A6"].value.split("\n") == recommendations
        assert [c.value for c in ws[8]][:6] == HEADERS
    assert workbook["(1)"]["A6"].value.startswith(
        "① 区及び生活圏を単位とした支援体制の強化の必要性\n"
    )


def test_one_row_per_paragraph_with_the_action_merged_over_them(period, seed_export):
    ws = seed_export["(3)"]
    several = action(3, 3, 1)  # (3)ウ(ｱ)
    paragraphs = statuses(period, several)
    assert len(paragraphs) == 4
    first = action_row(ws, several)
    last = first + len(paragraphs) - 1
    assert [ws.cell(r, 4).value for r in range(first, last + 1)] == [p.text for p in paragraphs]
    assert [ws.cell(r, 5).value for r in range(first, last + 1)] == [
        Classification(p.classification).mark for p in paragraphs
    ]
    assert {f"C{first}:C{last}", f"F{first}:F{last}"} <= merged(ws)
    assert ws.cell(first, 3).value == f"(ｱ)\n{several.text}"


def test_single_paragraph_action_cell_by_cell(period, seed_export):
    ws = seed_export["(1)"]
    first = action(1, 1, 1)  # (1)ア(ｱ)
    row = action_row(ws, first)
    assert row == header_row(ws) + 1
    [paragraph] = statuses(period, first)
    assert ws.cell(row, 1).value == "①"
    assert ws.cell(row, 2).value == f"ア\n{first.policy.text}"
    assert (
        ws.cell(row, 3).value
        == "(ｱ)\n\u3000子育て世代包括支援センターの機能を強化するため、母子保健相談員を配置する。"
    )
    assert ws.cell(row, 4).value == paragraph.text
    assert ws.cell(row, 4).value.startswith("\u3000令和２年４月から、全区に１名づつ母子保健相談員")
    assert ws.cell(row, 5).value == "Ａ"
    assert ws.cell(row, 5).alignment.horizontal == "center"
    # Departments one a line in the organisation's order (the document prints 子 before 保).
    assert ws.cell(row, 6).value == "保）保健所\n子）児童相談所\n区）保健福祉部"


def test_policy_cells_are_merged_over_all_rows_of_their_actions(period, seed_export):
    ws = seed_export["(1)"]
    policy = action(1, 1, 1).policy
    rows = sum(max(1, len(statuses(period, a))) for a in policy.actions.all())
    first = header_row(ws) + 1
    assert rows == 5
    assert {f"A{first}:A{first + rows - 1}", f"B{first}:B{first + rows - 1}"} <= merged(ws)
    assert ws.cell(first + rows, 2).value.startswith("イ\n")


def test_department_note_on_its_own_line(seed_export):
    ws = seed_export["(2)"]
    noted = action(2, 1, 2)  # (2)ア(ｲ)
    assert ws.cell(action_row(ws, noted), 6).value == "区）保健福祉部\n（■■区の独自取組例）"


def test_classification_without_text(seed_export):
    ws = seed_export["(1)"]
    row = action_row(ws, action(1, 1, 4))  # (1)ア(ｴ): Ｃ without a description
    assert (ws.cell(row, 4).value, ws.cell(row, 5).value) == (None, "Ｃ")


def test_repost_shows_its_originals_text_and_status_with_the_mark(period, seed_export):
    ws = seed_export["(3)"]
    repost = action(3, 1, 1)  # (3)ア(ｱ) repeats (1)イ(ｳ)
    assert repost.repost_of == action(1, 2, 3)
    original = statuses(period, repost.repost_of)
    row = action_row(ws, repost)
    assert ws.cell(row, 3).value == f"(ｱ)\n{repost.repost_of.text}{REPOST_MARK}"
    assert [ws.cell(row + i, 4).value for i in range(len(original))] == [
        p.text + REPOST_MARK for p in original
    ]
    assert [ws.cell(row + i, 5).value for i in range(len(original))] == ["Ａ"] * len(original)
    # Its own departments, not its original's.
    assert ws.cell(row, 6).value == "子）児童相談所\n区）保健福祉部"


def test_repost_of_a_classification_without_text_keeps_the_cell_empty(period, seed_export):
    ws = seed_export["(3)"]
    repost = action(3, 1, 2)  # (3)ア(ｲ) repeats (1)イ(ｴ): Ｂ without a description
    [paragraph] = statuses(period, repost.repost_of)
    assert paragraph.text == ""
    row = action_row(ws, repost)
    assert (ws.cell(row, 4).value, ws.cell(row, 5).value) == (None, "Ｂ")


def test_legend_quoted_under_the_table_with_the_state_column_explained(seed_export):
    legend = "\n".join([CLASSIFICATION_INTRO, *Classification.labels, STATE_LEGEND])
    assert "\nＤ：中期的・段階的に検討する項目\n状態欄：" in legend
    for ws in document_sheets(seed_export):
        rows = values(ws)
        assert rows[-1][0] == legend
        assert rows[-2] == [None] * 6  # a blank row between the table and the legend
        assert rows[-3][4] in "ＡＢＣＤ"  # the table's last row


def state_cell(ws, action):
    return ws.cell(action_row(ws, action), 7).value


def test_rows_not_yet_approved_are_marked_with_their_state(period):
    submitted, approved = action(1, 1, 1), action(1, 1, 2)
    reports = ActionReport.objects.filter(period=period)
    reports.filter(action=submitted).update(state=EntryState.SUBMITTED)
    reports.filter(action=approved).update(state=EntryState.APPROVED)
    ws = exported(period)["(1)"]
    assert ws.cell(header_row(ws), 7).value == "状態（空欄は承認済）"
    assert state_cell(ws, submitted) == "提出済"
    assert state_cell(ws, approved) is None
    state = reports.get(action=action(1, 1, 3)).state
    assert state_cell(ws, action(1, 1, 3)) == EntryState(state).label


def test_each_actions_state_cell_spans_exactly_its_rows_with_a_border(period):
    ws = exported(period)["(1)"]
    actions = [a for p in Policy.objects.filter(chapter__number=1) for a in p.actions.all()]
    spans = [(action_row(ws, a), max(1, len(statuses(period, a)))) for a in actions]
    assert {n for _, n in spans} >= {1, 2}  # single and several paragraphs
    for row, rows in spans:
        last = row + rows - 1
        assert (f"G{row}:G{last}" in merged(ws)) == (rows > 1), row
        assert ws.cell(row, 7).style == "資料・中央", row
        # Every row's cell has its border, merged ones too, so Excel draws the outline.
        assert {ws.cell(r, 7).border.left.style for r in range(row, last + 1)} == {"thin"}, row


def test_a_repost_is_marked_with_its_originals_state(period):
    repost = Action.objects.exclude(repost_of=None).first()
    original_report = ActionReport.objects.get(period=period, action=repost.repost_of)
    original_report.state = EntryState.RETURNED
    original_report.save()
    ws = exported(period)[repost.policy.chapter.mark]
    assert state_cell(ws, repost) == "差戻し"


def test_a_fully_approved_period_has_no_state_column_nor_its_legend():
    old = ReportingPeriod.objects.get(code="R2-05")
    assert not ActionReport.objects.filter(period=old).exclude(state=EntryState.APPROVED).exists()
    for ws in document_sheets(exported(old)):
        assert ws.max_column == 6
        assert STATE_LEGEND not in values(ws)[-1][0]


def test_every_page_is_numbered_in_the_footer(seed_export):
    for ws in document_sheets(seed_export):
        assert ws.oddFooter.center.text == "- &P / &N -"


def test_only_the_given_periods_status(period):
    first = action(1, 1, 1)
    [paragraph] = statuses(period, first)
    paragraph.text = "令和５年度上半期の実施状況"
    paragraph.classification = "B"
    paragraph.save()
    ws = exported(period)["(1)"]
    row = action_row(ws, first)
    assert (ws.cell(row, 4).value, ws.cell(row, 5).value) == ("令和５年度上半期の実施状況", "Ｂ")
    old = ReportingPeriod.objects.get(code="R2-05")
    [document] = statuses(old, first)
    ws = exported(old)["(1)"]
    assert (ws.cell(row, 4).value, ws.cell(row, 5).value) == (document.text, "Ａ")


def test_actions_without_a_report_in_the_period_have_one_empty_row(period):
    empty = ReportingPeriod.objects.create(
        code="R5H2",
        name="令和５年度下半期",
        results_until=datetime.date(2024, 3, 31),
        plans_from=datetime.date(2024, 4, 1),
    )
    workbook = exported(empty)
    rows = []
    for ws in document_sheets(workbook):
        table = values(ws)[header_row(ws) :]
        rows += table[: table.index([None] * 6)]
    assert len(rows) == Action.objects.count()
    assert all(row[2] and row[3] is None and row[4] is None for row in rows)


def test_print_settings(seed_export):
    for ws in document_sheets(seed_export):
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        row = header_row(ws)
        assert ws.print_title_rows == f"${row}:${row}"
        assert ws.freeze_panes == f"A{row + 1}"
        cell = ws.cell(row + 1, 4)
        assert cell.alignment.wrap_text is True
        assert cell.border.top.style == cell.border.right.style == "thin"


@pytest.mark.parametrize("text", ["=cmd|' /C calc'!A0", "+1", "-1", "@A1", "\tx"])
def test_formula_like_status_is_written_as_text(period, text):
    [paragraph] = statuses(period, action(1, 1, 1))
    paragraph.text = text
    paragraph.save()
    data = to_bytes(export_shiryo2(period))
    ws = reload(data)["(1)"]
    cell = ws.cell(header_row(ws) + 1, 4)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    read_only = reload(data, read_only=True)["(1)"]
    row = next(read_only.iter_rows(min_row=cell.row, max_row=cell.row))
    assert (row[3].value, row[3].data_type) == (text, "s")


def test_query_count_does_not_grow_with_the_rows(period):
    with CaptureQueriesContext(connection) as seed_size:
        rows = sum(ws.max_row for ws in document_sheets(export_shiryo2(period)))
    multiply_seed(2)
    with CaptureQueriesContext(connection) as double_size:
        workbook = export_shiryo2(period)
    assert sum(ws.max_row for ws in document_sheets(workbook)) > rows + 60
    assert len(double_size) == len(seed_size)


def test_query_count_does_not_grow_with_the_chapters_nor_the_repost_places(period):
    """A chapter's 提言 list and a 【再掲】 action's original are read with the rest, not one
    query each."""
    with CaptureQueriesContext(connection) as seed_size:
        export_shiryo2(period)
    report = VerificationReport.objects.get()
    chapter = Chapter.objects.create(report=report, number=8, title="新しい項目")
    recommendation = chapter.recommendations.create(number=1, text="新しい提言")
    policy = chapter.policies.create(number=1, text="新しい取組方針")
    policy.recommendations.add(recommendation)
    originals = [action(1, 1, 1), action(1, 1, 2), action(2, 1, 1)]
    for number, original in enumerate(originals, start=1):
        policy.actions.create(number=number, repost_of=original)
    with CaptureQueriesContext(connection) as grown:
        workbook = export_shiryo2(period)
    assert workbook["(8)"]["A6"].value == "① 新しい提言"
    assert len(grown) == len(seed_size)


def test_command_writes_the_period_given(tmp_path):
    out = tmp_path / "資料2.xlsx"
    call_command("export_shiryo2", str(out), "--period", "R2-05")
    ws = reload(out.read_bytes())["(1)"]
    assert ws["A1"].value == "今後の取組方針について"
    first = action(1, 1, 1)
    [paragraph] = statuses(ReportingPeriod.objects.get(code="R2-05"), first)
    assert ws.cell(header_row(ws) + 1, 4).value == paragraph.text


def test_command_writes_the_current_period_by_default(tmp_path, period):
    [paragraph] = statuses(period, action(1, 1, 1))
    paragraph.text = "現在の期間の実施状況"
    paragraph.save()
    out = tmp_path / "資料2.xlsx"
    call_command("export_shiryo2", str(out))
    ws = reload(out.read_bytes())["(1)"]
    assert ws.cell(header_row(ws) + 1, 4).value == "現在の期間の実施状況"


def test_command_refuses_an_unknown_period(tmp_path):
    with pytest.raises(CommandError, match=UNKNOWN_PERIOD.format(code="R9H9")):
        call_command("export_shiryo2", str(tmp_path / "x.xlsx"), "--period", "R9H9")


def test_a_filtered_export_keeps_the_repost_places_of_the_chosen_actions(period):
    """Filtered on the original of a 【再掲】, the export has the original where it stands and
    the 【再掲】 in its own chapter, with the original's status there too; nothing else."""
    repost = action(3, 1, 1)  # (3)ア(ｱ) repeats (1)イ(ｳ)
    original = repost.repost_of
    workbook = reload(to_bytes(export_shiryo2(period, only={original.pk})))

    assert document_sheet_names(workbook) == ["(1)", "(3)"]
    texts = [p.text for p in statuses(period, original)]
    for sheet, shown, mark in (("(1)", original, ""), ("(3)", repost, REPOST_MARK)):
        ws = workbook[sheet]
        row = action_row(ws, shown)
        assert ws.cell(row, 3).value == f"{shown.mark}\n{original.text}{mark}"
        assert [ws.cell(row + i, 4).value for i in range(len(texts))] == [t + mark for t in texts]
        listed = [
            r[2]
            for r in ws.iter_rows(min_row=header_row(ws) + 1, values_only=True)
            if r[2] and r[2].startswith("(")
        ]
        assert len(listed) == 1, listed


def test_a_policy_answering_several_recommendations_shows_all_their_marks(period):
    policy = action(1, 1, 1).policy
    others = policy.chapter.recommendations.exclude(pk__in=policy.recommendations.all())
    policy.recommendations.add(others.order_by("number").first())
    marks = [r.mark for r in policy.recommendations.order_by("number")]
    assert len(marks) > 1
    ws = exported(period)["(1)"]
    assert ws.cell(header_row(ws) + 1, 1).value == "".join(marks)

"""Importing 資料2 from xlsx: 実施状況 paragraphs and 区分 per action, all or nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.management.base import IMPORT_FAILED
from core.marks import REPOST_MARK
from documents import imports
from documents.exports import export_shiryo2
from documents.imports import (
    BAD_CLASSIFICATION,
    BAD_KEY,
    DUPLICATE_ROW,
    HEADERS_WRONG,
    HEADING_UNKNOWN,
    MISSING_CLASSIFICATION,
    READ_ONLY_CHANGED,
    REMOVALS_NOT_CONFIRMED,
    REPOST_EDITED,
    ROWS_AFTER_TABLE,
    STATUS_WITHOUT_ACTION,
    UNKNOWN_ORGANIZATION,
    UNKNOWN_ROW,
    import_shiryo2,
)
from documents.versions import SHEET
from flatfiles.safe_reader import CELL_TOO_LONG, MAX_TEXT_LENGTH
from recommendations.models import Action, ActionReport, ImplementationStatus
from recommendations.services import PARAGRAPHS, StatusInput
from reporting import services
from tests.documents import database_snapshot, find_row, refused_import, to_bytes
from tests.helpers import action

# The real reason: the row is another section's.
OUTSIDE = "この行は担当の課・部の利用者と推進本部だけが変更できます。"

pytestmark = pytest.mark.django_db


def paragraphs(period, action):
    return list(
        ImplementationStatus.objects.filter(report__period=period, report__action=action)
        .order_by("position")
        .values_list("text", "classification")
    )


def action_row(ws, action):
    start = find_row(ws, 1, "該当提言")
    for number, row in enumerate(ws.iter_rows(min_row=start, values_only=True), start=start):
        if row[2] and row[2].startswith(f"{action.mark}\n{action.source.text}"):
            return number
    raise AssertionError(action.reference)


def refused(period, user, data, message, *, sheet=None, row=None):
    return refused_import(import_shiryo2, period, user, data, message, sheet=sheet, row=row)


# -- What is written ----------


def test_importing_the_export_changes_nothing(period, admin_user):
    before = database_snapshot()
    result = import_shiryo2(file=to_bytes(export_shiryo2(period)), period=period, user=admin_user)
    assert result.ok
    assert result.counts == {
        "new": 0,
        "changed": 0,
        "unchanged": Action.objects.count(),
        "conflict": 0,
    }
    assert database_snapshot() == before


def test_a_changed_paragraph_and_classification_are_written(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    target = action(1, 1, 2)  # (1)ア(ｲ), two paragraphs
    row = action_row(ws, target)
    ws.cell(row + 1, 4).value = "\u3000課内会議で支援方針を共有した。"
    ws.cell(row + 1, 5).value = "Ｂ"
    report = ActionReport.objects.get(period=period, action=target)

    result = import_shiryo2(file=to_bytes(workbook), period=period, user=admin_user)

    assert result.ok
    assert [(r.sheet, r.row, r.reference) for r in result.rows if r.status == "changed"] == [
        ("(1)", row, "(1)ア(ｲ)")
    ]
    assert paragraphs(period, target) == [
        (ws.cell(row, 4).value, "A"),
        ("\u3000課内会議で支援方針を共有した。", "B"),
    ]
    changed = ImplementationStatus.objects.get(report=report, position=2)
    latest = changed.history.latest()
    assert (latest.history_user, latest.history_type) == (admin_user, "~")
    assert latest.history_change_reason == imports.CHANGE_REASON
    report_before = report.version
    report.refresh_from_db()
    assert (report.version, report.updated_by) == (report_before + 1, admin_user)
    assert report.history.latest().history_user == admin_user


def test_a_cleared_paragraph_is_deleted_with_history(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    target = action(1, 1, 2)
    row = action_row(ws, target)
    ws.cell(row + 1, 4).value = ws.cell(row + 1, 5).value = None
    first = paragraphs(period, target)[0]
    report = ActionReport.objects.get(period=period, action=target)
    deleted = ImplementationStatus.objects.get(report=report, position=2)

    data = to_bytes(workbook)
    # Listed first: nothing is removed until the user confirms it.
    preview = import_shiryo2(file=data, period=period, user=admin_user, dry_run=True)
    assert [(r.row, r.reference, r.what, r.text) for r in preview.removals] == [
        (row, target.reference, "実施状況（区分Ａ）", deleted.text)
    ]
    unconfirmed = REMOVALS_NOT_CONFIRMED.format(count=1)
    refused(period, admin_user, data, unconfirmed, sheet="", row=None)

    result = import_shiryo2(file=data, period=period, user=admin_user, confirm_removals=True)

    # The cleared row is empty (its merged cells hold their text in the first row only); the
    # rows below it are still read.
    assert result.counts == {"new": 0, "changed": 1, "unchanged": 69, "conflict": 0}
    assert paragraphs(period, target) == [first]
    record = ImplementationStatus.history.filter(id=deleted.pk).latest()
    assert (record.history_type, record.history_user) == ("-", admin_user)
    assert record.history_change_reason == imports.CHANGE_REASON


def stored_as(period, user, target, given):
    """The report of `target` with exactly these (text, 区分) paragraphs, as the edit page saves
    them."""
    report = ActionReport.objects.get(period=period, action=target)
    paragraphs = [StatusInput(text, classification) for text, classification in given]
    services.write(entry=report, user=user, version=report.version, values={PARAGRAPHS: paragraphs})


FIVE = [("第1段落", "A"), ("第2段落", "B"), ("第3段落", "C"), ("第4段落", "A"), ("第5段落", "D")]


@pytest.mark.parametrize(
    ("edits", "removed"),
    [
        # Row by row: kept, the row cleared, its text cleared (its 区分 kept), kept, edited.
        (("keep", "clear", "empty", "keep", "edit"), [1, 2]),
        # Two runs of removals with a kept paragraph between them.
        (("keep", "clear", "empty", "keep", "clear"), [1, 2, 4]),
    ],
)
def test_the_preview_lists_every_paragraph_the_file_drops_or_empties(
    period, admin_user, edits, removed
):
    target = action(1, 1, 1)
    stored_as(period, admin_user, target, FIVE)
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    row = action_row(ws, target)
    for offset, edit in enumerate(edits):
        if edit == "clear":
            ws.cell(row + offset, 4).value = ws.cell(row + offset, 5).value = None
        elif edit == "empty":
            ws.cell(row + offset, 4).value = None
        elif edit == "edit":
            ws.cell(row + offset, 4).value = "直した段落"
    data = to_bytes(workbook)

    preview = import_shiryo2(file=data, period=period, user=admin_user, dry_run=True)

    marks = {"A": "Ａ", "B": "Ｂ", "C": "Ｃ", "D": "Ｄ"}
    assert [(r.sheet, r.row, r.reference, r.what, r.text) for r in preview.removals] == [
        ("(1)", row, target.reference, f"実施状況（区分{marks[FIVE[i][1]]}）", FIVE[i][0])
        for i in removed
    ]
    refused(period, admin_user, data, REMOVALS_NOT_CONFIRMED.format(count=len(removed)))


def test_a_paragraph_dropped_before_two_hundred_alike_is_the_one_listed(period, honbu):
    """Paragraphs are matched by their texts however many of them repeat (no "junk" heuristic
    of difflib for long lists): dropping the first of 201 lists that one."""
    target = action(1, 1, 1)
    alike = [("同上", "A")] * 200
    stored_as(period, honbu, target, alike)
    workbook = export_shiryo2(period)  # the file holds the 200 alike only, as made by hand
    del workbook[SHEET]
    data = to_bytes(workbook)
    stored_as(period, honbu, target, [("最初の段落", "B"), *alike])
    reference = target.reference
    preview = import_shiryo2(
        file=data, period=period, user=honbu, dry_run=True, overwrite=[reference]
    )
    assert [(r.reference, r.text) for r in preview.removals] == [(reference, "最初の段落")]


def test_the_preview_shows_the_paragraphs_before_and_after_with_their_classification(
    period, admin_user
):
    first, second = action(1, 1, 1), action(1, 2, 1)
    stored_as(period, admin_user, first, [("研修を行った", "A"), ("", "D")])
    stored_as(period, admin_user, second, [])
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    ws.cell(action_row(ws, first), 4).value = "研修を2回行った"
    ws.cell(action_row(ws, second), 4).value = "初めて書いた"
    ws.cell(action_row(ws, second), 5).value = "Ｂ"

    result = import_shiryo2(file=to_bytes(workbook), period=period, user=admin_user, dry_run=True)

    changed = {r.reference: (r.before, r.after) for r in result.rows if r.status == "changed"}
    assert changed == {
        first.reference: (
            "Ａ：研修を行った\nＤ：（記載なし）",
            "Ａ：研修を2回行った\nＤ：（記載なし）",
        ),
        second.reference: ("（実施状況なし）", "Ｂ：初めて書いた"),
    }


def test_a_preview_takes_no_more_queries_for_more_changed_rows(period, admin_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from operations.synthetic import multiply_seed

    def preview_queries():
        # Every paragraph edited, so every row is a change shown with who stored it when.
        ActionReport.objects.filter(period=period).update(updated_by=admin_user)
        workbook = export_shiryo2(period)
        changed = 0
        for ws in workbook.worksheets[:-1]:
            for row in ws.iter_rows(min_row=find_row(ws, 1, "該当提言") + 1):
                text = row[3].value
                if isinstance(text, str) and row[4].value and not text.endswith(REPOST_MARK):
                    row[3].value = f"{text}（追記）"
                    changed += 1
        data = to_bytes(workbook)
        with CaptureQueriesContext(connection) as queries:
            result = import_shiryo2(file=data, period=period, user=admin_user, dry_run=True)
        assert result.ok
        return changed, result.counts["changed"], len(queries)

    rows, changed, at_seed = preview_queries()
    multiply_seed(2)
    more_rows, more_changed, at_double = preview_queries()
    assert more_rows > rows and more_changed > changed
    assert at_double == at_seed


def test_half_width_and_lower_case_classifications_are_accepted(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    target = action(1, 1, 1)
    ws.cell(action_row(ws, target), 5).value = " d "
    assert import_shiryo2(file=to_bytes(workbook), period=period, user=admin_user).ok
    assert paragraphs(period, target)[0][1] == "D"


def test_dry_run_writes_nothing(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    ws.cell(action_row(ws, action(1, 1, 1)), 5).value = "Ｃ"
    before = database_snapshot()
    result = import_shiryo2(file=to_bytes(workbook), period=period, user=admin_user, dry_run=True)
    assert result.counts == {"new": 0, "changed": 1, "unchanged": 69, "conflict": 0}
    assert database_snapshot() == before


def test_importing_into_an_empty_period_creates_its_reports(period, empty_period, admin_user):
    workbook = export_shiryo2(period)
    result = import_shiryo2(file=to_bytes(workbook), period=empty_period, user=admin_user)
    originals = Action.objects.filter(repost_of=None)
    # 【再掲】 actions have no report of their own: their rows write nothing.
    assert result.counts == {"new": originals.count(), "changed": 0, "unchanged": 6, "conflict": 0}
    # Each row of the preview says where it is in the file.
    new, repost = action(3, 3, 1), action(3, 1, 1)  # (3)ア(ｱ) is a 【再掲】 of (1)イ(ｳ)
    rows = {r.reference: (r.status, r.sheet, r.row) for r in result.rows}
    assert rows[new.reference] == ("new", "(3)", action_row(workbook["(3)"], new))
    assert rows[repost.reference] == ("unchanged", "(3)", action_row(workbook["(3)"], repost))
    for original in originals:
        assert paragraphs(empty_period, original) == paragraphs(period, original)
    report = ActionReport.objects.get(period=empty_period, action=action(3, 3, 1))
    assert [s.history.get().history_user for s in report.statuses.all()] == [admin_user] * 4


def test_an_action_without_status_gets_an_empty_report(period, empty_period, admin_user):
    result = import_shiryo2(
        file=to_bytes(export_shiryo2(empty_period)), period=empty_period, user=admin_user
    )
    assert result.ok
    assert ActionReport.objects.filter(period=empty_period).count() == 64
    assert not ImplementationStatus.objects.filter(report__period=empty_period).exists()


def test_the_original_holds_the_status_of_a_repost(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    original = action(1, 2, 3)  # (1)イ(ｳ), repeated as (3)ア(ｱ)
    ws.cell(action_row(ws, original), 5).value = "Ｂ"
    result = import_shiryo2(file=to_bytes(workbook), period=period, user=admin_user)
    assert result.ok
    assert [r.reference for r in result.rows if r.status == "changed"] == ["(1)イ(ｳ)"]
    assert paragraphs(period, original)[0][1] == "B"
    assert not ActionReport.objects.filter(action__repost_of__isnull=False).exists()


def test_editing_a_repost_is_refused(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(3)"]
    row = action_row(ws, action(3, 1, 1))
    ws.cell(row, 4).value = "\u3000再掲の行だけを書き換えた。" + REPOST_MARK
    refused(
        period,
        admin_user,
        to_bytes(workbook),
        REPOST_EDITED.format(original="(1)イ(ｳ)"),
        sheet="(3)",
        row=row,
    )


def test_a_row_the_user_may_not_change_is_refused(period):
    outsider = get_user_model().objects.create_user("outsider", password="x")
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    row = action_row(ws, action(1, 1, 1))
    ws.cell(row, 4).value = "権限のない変更"
    refused(
        period,
        outsider,
        to_bytes(workbook),
        "(1)ア(ｱ): この行を変更する権限がありません。" + OUTSIDE,
        sheet="(1)",
        row=row,
    )


# -- Refused content ----------


@pytest.mark.parametrize("mark", ["E", "Ａ又はＢ", "1"])
def test_classification_outside_a_to_d(period, admin_user, mark):
    workbook = export_shiryo2(period)
    ws = workbook["(2)"]
    row = action_row(ws, action(2, 1, 1))
    ws.cell(row, 5).value = mark
    message = BAD_CLASSIFICATION.format(value=mark)
    refused(period, admin_user, to_bytes(workbook), message, sheet="(2)", row=row)


def test_status_text_without_classification(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    row = action_row(ws, action(1, 1, 1))
    ws.cell(row, 5).value = None
    refused(period, admin_user, to_bytes(workbook), MISSING_CLASSIFICATION, sheet="(1)", row=row)


def test_status_text_over_the_limit(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    row = action_row(ws, action(1, 1, 1))
    ws.cell(row, 4).value = "あ" * (MAX_TEXT_LENGTH + 1)
    message = CELL_TOO_LONG.format(sheet="(1)", cell=f"D{row}")
    refused(period, admin_user, to_bytes(workbook), message, sheet="(1)", row=row)


def test_unknown_department_label(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    row = action_row(ws, action(1, 1, 1))
    ws.cell(row, 6).value = "保）保健所\n子）存在しない部"
    message = UNKNOWN_ORGANIZATION.format(column="担当部", label="子）存在しない部")
    refused(period, admin_user, to_bytes(workbook), message, sheet="(1)", row=row)


def test_departments_cannot_be_changed_by_import(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(2)"]
    row = action_row(ws, action(2, 1, 2))  # 区）保健福祉部 + （■■区の独自取組例）
    ws.cell(row, 6).value = "区）保健福祉部"
    message = READ_ONLY_CHANGED.format(column="担当部")
    refused(period, admin_user, to_bytes(workbook), message, sheet="(2)", row=row)


def test_action_text_cannot_be_changed_by_import(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    row = action_row(ws, action(1, 1, 1))
    ws.cell(row, 3).value = "(ｱ)\n\u3000書き換えた取組内容"
    message = READ_ONLY_CHANGED.format(column="具体的な取組内容（想定を含む）")
    refused(period, admin_user, to_bytes(workbook), message, sheet="(1)", row=row)


@pytest.mark.parametrize(
    ("column", "name"), [(1, "該当提言"), (2, "取組方針")], ids=["recommendations", "policy"]
)
def test_recommendations_and_policy_cannot_be_changed_by_import(period, admin_user, column, name):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    row = action_row(ws, action(1, 1, 1))  # the first row of policy ア
    ws.cell(row, column).value += "\n書き足した"
    message = READ_ONLY_CHANGED.format(column=name)
    refused(period, admin_user, to_bytes(workbook), message, sheet="(1)", row=row)


def test_a_policy_mark_that_cannot_be_read_is_named_on_each_of_its_actions(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    cell = ws.cell(action_row(ws, action(1, 1, 1)), 2)
    cell.value = "ア 追記" + cell.value[cell.value.index("\n") :]
    before = database_snapshot()
    result = import_shiryo2(file=to_bytes(workbook), period=period, user=admin_user)
    message = BAD_KEY.format(column="取組方針", value="ア 追記")
    actions = Action.objects.filter(policy__chapter__number=1, policy__number=1).order_by("number")
    assert [(e.sheet, e.row, e.message) for e in result.errors] == [
        ("(1)", action_row(ws, a), message) for a in actions
    ]
    assert database_snapshot() == before


def test_a_policy_cell_emptied_is_named_on_each_of_its_actions(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    first = action_row(ws, action(1, 1, 1))  # the table's first row: no policy above it
    ws.cell(first, 2).value = None
    before = database_snapshot()
    result = import_shiryo2(file=to_bytes(workbook), period=period, user=admin_user)
    message = BAD_KEY.format(column="取組方針", value="")
    actions = Action.objects.filter(policy__chapter__number=1, policy__number=1).order_by("number")
    assert [(e.sheet, e.row, e.message) for e in result.errors] == [
        ("(1)", action_row(ws, a), message) for a in actions
    ]
    assert database_snapshot() == before


def test_an_action_mark_that_cannot_be_read(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    row = action_row(ws, action(1, 1, 1))
    ws.cell(row, 3).value = ws.cell(row, 3).value.replace("(ｱ)", "(ｱ) 追記", 1)
    message = BAD_KEY.format(column="具体的な取組内容（想定を含む）", value="(ｱ) 追記")
    refused(period, admin_user, to_bytes(workbook), message, sheet="(1)", row=row)


def test_unknown_action_letter(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    row = action_row(ws, action(1, 1, 4))
    ws.cell(row, 3).value = ws.cell(row, 3).value.replace("(ｴ)", "(ｻ)")
    refused(
        period,
        admin_user,
        to_bytes(workbook),
        UNKNOWN_ROW.format(reference="(1)ア(ｻ)"),
        sheet="(1)",
        row=row,
    )


def test_duplicated_action(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(7)"]
    first = action_row(ws, action(7, 1, 1))
    # The empty row between the table and the legend.
    blank = next(r for r in range(first, ws.max_row) if not any(c.value for c in ws[r]))
    for column in range(1, 7):
        ws.cell(blank, column).value = ws.cell(first, column).value
    message = DUPLICATE_ROW.format(reference="(7)ア(ｱ)", sheet="(7)", row=first)
    refused(period, admin_user, to_bytes(workbook), message, sheet="(7)", row=blank)


def test_status_on_a_row_without_action(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(7)"]
    header = find_row(ws, 1, "該当提言")
    ws.insert_rows(header + 1)
    ws.cell(header + 1, 4).value = "取組のない実施状況"
    ws.cell(header + 1, 5).value = "Ａ"
    # insert_rows does not move merged ranges; chapter (7) has none in its table.
    message = STATUS_WITHOUT_ACTION
    refused(period, admin_user, to_bytes(workbook), message, sheet="(7)", row=header + 1)


def test_rows_below_the_legend(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(7)"]
    below = ws.max_row + 1
    ws.cell(below, 4).value = "凡例の下の実施状況"
    ws.cell(below, 5).value = "Ａ"
    refused(period, admin_user, to_bytes(workbook), ROWS_AFTER_TABLE, sheet="(7)", row=below)


def test_wrong_headers(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(4)"]
    header = find_row(ws, 1, "該当提言")
    ws.cell(header, 5).value = "分類"
    message = HEADERS_WRONG.format(
        expected="該当提言／取組方針／具体的な取組内容（想定を含む）／実施状況／区分／担当部",
        found="該当提言／取組方針／具体的な取組内容（想定を含む）／実施状況／分類／担当部",
    )
    refused(period, admin_user, to_bytes(workbook), message, sheet="(4)", row=header)


def test_unknown_chapter_heading(period, admin_user):
    workbook = export_shiryo2(period)
    workbook["(6)"]["A4"].value = "(8) 新しい項目"
    message = HEADING_UNKNOWN.format(value="(8) 新しい項目", what="項目")
    refused(period, admin_user, to_bytes(workbook), message, sheet="(6)", row=4)


# -- The command ----------


def test_command_imports_as_the_user_given(tmp_path, period, honbu, capsys, monkeypatch):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    target = action(1, 1, 1)
    ws.cell(action_row(ws, target), 5).value = "Ｄ"
    path = tmp_path / "資料2.xlsx"
    path.write_bytes(to_bytes(workbook))
    call_command("import_shiryo2", str(path), "--period", "R5H1", "--user", "honbu")
    assert "新規 0 件、変更 1 件、変更なし 69 件" in capsys.readouterr().out
    status = ImplementationStatus.objects.get(report__period=period, report__action=target)
    assert (status.classification, status.history.latest().history_user) == ("D", honbu)


def test_command_fails_on_errors_and_writes_nothing(tmp_path, period, capsys):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    ws.cell(action_row(ws, action(1, 1, 1)), 4).value = "正しい変更"
    ws.cell(action_row(ws, action(1, 1, 3)), 5).value = "Ｅ"
    path = tmp_path / "資料2.xlsx"
    path.write_bytes(to_bytes(workbook))
    before = database_snapshot()
    with pytest.raises(CommandError, match=IMPORT_FAILED.format(count=1)):
        call_command("import_shiryo2", str(path), "--period", "R5H1")
    assert BAD_CLASSIFICATION.format(value="Ｅ") in capsys.readouterr().err
    assert database_snapshot() == before


def test_command_needs_a_period(tmp_path, period):
    path = tmp_path / "資料2.xlsx"
    path.write_bytes(to_bytes(export_shiryo2(period)))
    with pytest.raises(CommandError, match="--period"):
        call_command("import_shiryo2", str(path))

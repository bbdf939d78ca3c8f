"""Read 資料2 / 資料3 workbooks back, in exactly the layout exports.py writes, into one period.

Each import runs in one transaction and in two steps: read and check every row of the file (rows
are found by their visible keys, never by id; the columns that are master data must be as
exported; the user must be allowed to change each row that would change), and only when nothing
is wrong write the changes, through the one writer (reporting.services.write_many: it moves the
states as the pages do and records the history). So any error leaves the database untouched.

The file's hidden 版 sheet (versions.py) says which version each row was exported from and what
its texts were then: a row the file leaves as exported is unchanged, however the database moved
since; a row the file changes over a newer version is a conflict, written only when the HQ
chooses the file's text for it (`overwrite`). A file without the 版 sheet (made by hand, or
exported before versions were) cannot say what it was made from: each row whose text differs
from a stored text is a conflict in the same way. The confirm passes the versions its preview saw
(`expected`): if a row to write moved in between, nothing is written.

What is written: 資料3 the ９月までの取組 / 10月以降の取組 of each initiative; 資料2 the 実施状況
paragraphs and their 区分 of each action. A 【再掲】 row holds no text of its own (its original
does), so it is checked, never written: 資料3 writes only its own 10月以降の取組, and a 資料2
【再掲】 action is always listed as unchanged. Its cells must show its original's text with
【再掲】, either as stored or as the original's row in the same file now has it, so that editing
only the original is accepted and editing only the copy is refused.

The result lists every row found (new: no entry in the period yet; changed, with its text before
and after; unchanged; conflict, with who changed it when) and every error with its sheet, row and
a message for the user; the messages are the constants below.
"""

import unicodedata
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from django.db import transaction

from core.marks import (
    CIRCLED_NUMBERS,
    GOJUON,
    GOJUON_HALF,
    action_letter,
    circled,
    policy_letter,
    with_repost_mark,
)
from departments.models import Organization
from documents import versions
from documents.exports import (
    SHIRYO2_HEADERS,
    SHIRYO2_HEADING_ROW,
    SHIRYO3_HEADING_ROW,
    action_cell,
    category_heading,
    chapter_heading,
    classification_cell,
    policy_cell,
    recommendations_cell,
    repost_paragraphs,
    shiryo3_headers,
)
from flatfiles import safe_reader
from initiatives.models import Category, Initiative, ProgressEntry
from initiatives.services import written_fields
from recommendations.models import (
    Action,
    ActionReport,
    Chapter,
    Classification,
)
from recommendations.services import PARAGRAPHS, by_position
from reporting import access, services
from reporting.rules import denial_reason

COLUMNS = 6
CHANGE_REASON = "Excel ファイルの取込み"

NEW, CHANGED, UNCHANGED, CONFLICT = "new", "changed", "unchanged", "conflict"
STATUS_LABELS = {NEW: "新規", CHANGED: "変更", UNCHANGED: "変更なし", CONFLICT: "競合"}
# The rows an import writes, when the preview showed them so (a conflict only by choice).
WRITTEN = (NEW, CHANGED)

HEADERS_MISSING = "見出し行（「{first}」で始まる行）がありません。"
HEADERS_WRONG = (
    "見出しが違います。「{expected}」の順に並べてください（このファイル: 「{found}」）。"
)
ROWS_AFTER_TABLE = "凡例・注記の下には表の行を置けません。表の中に入れてください。"
HEADING_UNKNOWN = "見出し「{value}」に当たる{what}がありません。"
BAD_KEY = "「{column}」の「{value}」が読めません。"
UNKNOWN_ROW = "{reference} に当たる行がありません（行の追加は管理画面で行ってください）。"
DUPLICATE_ROW = "{reference} の行が2回あります（1回目はシート「{sheet}」{row}行目）。"
READ_ONLY_CHANGED = (
    "「{column}」は取込みでは変更できません。出力したときのままにしてください"
    "（変更は管理画面で行います）。"
)
UNKNOWN_ORGANIZATION = "{column}の「{label}」という組織がありません。"
MERGED_TEXT_CELLS = (
    "{cells} が結合されています。「{column}」のセルは結合せず、1行に1つずつ入力してください"
    "（結合すると下の行の内容が消えてしまいます）。"
)
BAD_CLASSIFICATION = "区分「{value}」は使えません。Ａ・Ｂ・Ｃ・Ｄ のいずれかを入力してください。"
MISSING_CLASSIFICATION = "実施状況の区分がありません。Ａ・Ｂ・Ｃ・Ｄ のいずれかを入力してください。"
STATUS_WITHOUT_ACTION = "具体的な取組内容のない行に実施状況があります。"
REPOST_EDITED = "【再掲】の行は編集できません。再掲元（{original}）の行を編集してください。"
NO_PERMISSION = "{reference}: この行を変更する権限がありません。{reason}"
MOVED_SINCE_PREVIEW = (
    "確認した後にほかの利用者が変更した行があるため、何も取り込んでいません"
    "（{references}）。もう一度ファイルを選んで、内容を確認し直してください。"
)
OTHER_PERIOD = (
    "このファイルは報告期間「{file}」から出力したものです（取り込み先は「{period}」）。"
    "{file} の版の情報は使えないため、いまの内容と違う行はすべて競合として扱います。"
)
NO_DOCUMENT_SHEET = (
    "ファイルに資料の表のシートがありません。このシステムから出力したファイルに記入して"
    "取り込んでください。"
)
REMOVALS_NOT_CONFIRMED = (
    "この取込みで消える文章が {count} 件あります（確認画面の「消える文章」のとおり）。"
    "消してよいことを確かめ、確認画面のチェック（コマンドでは --confirm-removals）を付けてから"
    "取り込んでください。"
)


@dataclass(frozen=True)
class ImportIssue:
    """An error: `row` is the Excel row number, None for the whole sheet or file."""

    sheet: str
    row: int | None
    message: str

    def __str__(self):
        where = [f"シート「{self.sheet}」"] if self.sheet else []
        where += [f"{self.row}行目"] if self.row else []
        return f"{' '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class RowOutcome:
    """A row of the file and what the import does with it. For a changed row or a conflict:
    the stored text (`before`), the file's (`after`), who stored it and when, and the version
    the preview saw (`version`, 0 for a new row), which the confirm must find again."""

    sheet: str
    row: int
    reference: str
    status: str  # NEW, CHANGED, UNCHANGED or CONFLICT
    before: str = ""
    after: str = ""
    updated_by: object = None
    updated_at: object = None
    version: int = 0
    overwrite: bool = False  # a conflict the HQ chose to settle with the file's text
    unversioned: bool = False  # a conflict because the file does not say what it was made from


@dataclass(frozen=True)
class Removal:
    """A stored text the file would delete or empty: a 実施状況 paragraph (its 区分 with it) or a
    資料3 text. Listed in the preview and written only when the user confirms it, so that no
    misread or slip of the file wipes anything silently."""

    sheet: str
    row: int
    reference: str
    what: str
    text: str


@dataclass
class ImportResult:
    dry_run: bool
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    removals: list = field(default_factory=list)

    # Whether the file carried the versions it was made from (documents/versions.py).
    has_versions: bool = True
    # The code of the period the file was exported from, when it is not the one imported into.
    other_period: str | None = None

    @property
    def ok(self):
        return not self.errors

    @property
    def counts(self):
        return {status: sum(r.status == status for r in self.rows) for status in STATUS_LABELS}

    @property
    def conflicts(self):
        return [r for r in self.rows if r.status == CONFLICT]

    @property
    def expected(self):
        """{reference: version} of the rows this import would write or must not lose: what the
        confirm has to find unchanged."""
        return {r.reference: r.version for r in self.rows if r.status in (*WRITTEN, CONFLICT)}

    def error(self, sheet, row, message):
        self.errors.append(ImportIssue(sheet, row, message))

    @property
    def awaits_confirmation(self):
        """Nothing wrong but removals the user has not confirmed yet."""
        unconfirmed = REMOVALS_NOT_CONFIRMED.format(count=len(self.removals))
        return [e.message for e in self.errors] == [unconfirmed]


# A file, sheet or cell that cannot be read at all: the import stops with this one error, at
# the sheet and row it names (flatfiles/safe_reader.py reads every file).
FileRejected = safe_reader.Refused


# -- Reading the file ----------


def open_workbook(file):
    """The workbook in `file` (bytes, a path or a binary stream); its sheets are read one by one
    (_sheet_rows), every cell as the text Excel shows."""
    return safe_reader.open_xlsx(file)


def clean_text(value):
    """A cell's text as stored: line breaks as \\n, no trailing blanks (Excel users add them)."""
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n").rstrip()


def _sheet_rows(ws):
    """The first six columns of every row, as cleaned texts."""
    return [tuple(clean_text(value) for value in values) for values in ws.rows(COLUMNS)]


def _merged_text_cells(ws, header_row, headers, text_columns, result):
    """A merged range over the rows of a column the import writes keeps only its first row's
    text: the rows below would read as emptied. Refused, with the range named."""
    problems = False
    for min_row, min_col, max_row, max_col in sorted(ws.merged):
        if max_row <= header_row or max_row == min_row:
            continue
        columns = [c for c in text_columns if min_col <= c <= max_col]
        if columns:
            cells = f"{safe_reader.cell_name(min_row, min_col)}:"
            cells += safe_reader.cell_name(max_row, max_col)
            column = headers[columns[0] - 1]
            result.error(ws.title, min_row, MERGED_TEXT_CELLS.format(cells=cells, column=column))
            problems = True
    return problems


def _table(rows, headers, sheet, result):
    """(Excel row number, cells) of the rows under the header row; None when the header row is
    missing or wrong.

    Empty rows are skipped: a 実施状況 row whose text and 区分 were cleared is empty, since its
    merged cells hold their text in the first row only. A row with text in column A alone (the
    資料2 legend, a note) ends the table, and nothing may follow it in the other columns.
    """
    header = next((i for i, row in enumerate(rows) if row[0] == headers[0]), None)
    if header is None:
        result.error(sheet, None, HEADERS_MISSING.format(first=headers[0]))
        return None
    if rows[header] != tuple(headers):
        found, expected = "／".join(rows[header]), "／".join(headers)
        result.error(sheet, header + 1, HEADERS_WRONG.format(expected=expected, found=found))
        return None
    table, ended = [], False
    for index in range(header + 1, len(rows)):
        cells = rows[index]
        if ended and any(cells[1:]):
            result.error(sheet, index + 1, ROWS_AFTER_TABLE)
            return None
        if any(cells[1:]):
            table.append((index + 1, cells))
        elif cells[0]:
            ended = True
    return table


def _cell(rows, row_number):
    return rows[row_number - 1][0] if len(rows) >= row_number else ""


def _organization_problem(cell, expected, column, labels, note=""):
    """The message for a 担当課 / 担当部 cell that is not as exported, or None. Its lines may come
    in any order; a label no organisation has is named."""
    lines = [line.strip() for line in cell.split("\n") if line.strip()]
    extra = {note} if note else set()
    for line in lines:
        if line not in labels and line not in extra:
            return UNKNOWN_ORGANIZATION.format(column=column, label=line)
    if set(lines) != {org.label for org in expected} | extra:
        return READ_ONLY_CHANGED.format(column=column)
    return None


# The marks as exports.py writes them (core.marks), back to their numbers.
POLICY_NUMBERS = {policy_letter(n): n for n in range(1, len(GOJUON) + 1)}
ACTION_NUMBERS = {action_letter(n): n for n in range(1, len(GOJUON_HALF) + 1)}
CIRCLED = {circled(n): n for n in range(1, len(CIRCLED_NUMBERS) + 1)}


def _number_of(mark, to_mark, first_marks):
    """The number n for which to_mark(n) is `mark`: one of the first marks (①, ア, (ｱ)), or past
    them a number in brackets such as (21) or 〔45〕."""
    if mark in first_marks:
        return first_marks[mark]
    inside = mark[1:-1]
    if inside.isdigit() and to_mark(int(inside)) == mark:
        return int(inside)
    return None


def _locked(queryset, dry_run):
    # Locking the period's rows keeps anyone else from changing them between check and write.
    return queryset if dry_run else queryset.select_for_update(of=("self",))


def _run(read_and_check, *, file, dry_run, user, expected=None, confirm_removals=False):
    """Open the file, then read and check it and write only if nothing is wrong and every text
    it removes is confirmed, all in one transaction (the period's rows stay locked from check
    to write). `expected` ({reference: version}, from the preview): if any row to write moved
    since, nothing is written."""
    result = ImportResult(dry_run=dry_run)
    workbook = None
    try:
        workbook = open_workbook(file)
        with transaction.atomic():
            changes = read_and_check(workbook, result)
            if expected is not None:
                _check_expected(result, expected)
            if result.removals and not (dry_run or confirm_removals):
                count = len(result.removals)
                result.error("", None, REMOVALS_NOT_CONFIRMED.format(count=count))
            if result.ok and not dry_run:
                _write(changes, user, result)
    except FileRejected as rejected:
        result.rows.clear()
        result.removals.clear()
        result.errors.clear()
        result.error(rejected.sheet, rejected.row, rejected.message)
    finally:
        if workbook is not None:
            workbook.close()
    return result


def _check_expected(result, expected):
    now = result.expected
    moved = sorted(set(now.items()) ^ set(expected.items()))
    if moved:
        references = "、".join(dict.fromkeys(reference for reference, _ in moved))
        result.error("", None, MOVED_SINCE_PREVIEW.format(references=references))


def _write(changes, user, result):
    """The rows to write, through the one writer (reporting.services): it locks them again,
    compares the versions the check saw, asks the rules and moves the states as the pages do."""
    changes = [change for outcome, change in changes if outcome.status in WRITTEN]
    if not changes:
        return
    try:
        services.write_many(changes=changes, user=user, reason=CHANGE_REASON)
    except services.WorkflowError as error:
        result.error("", None, f"{_names(error.entries)}{error.message}")
        transaction.set_rollback(True)


def _names(entries):
    return f"{'、'.join(e.reference for e in entries)}: " if entries else ""


def _allowed(user, entry, reference, sheet, row, result):
    # The same rules as the pages (reporting/access.py); an unsaved entry is asked about too.
    if not access.may(user, "change", entry):
        reason = denial_reason(user, entry)
        result.error(sheet, row, NO_PERMISSION.format(reference=reference, reason=reason))


def _outcome(sheet, row, reference, entry, file_texts, stored_texts, exported, overwrite):
    """How the import treats a stored row: unchanged when the file leaves it as stored or as
    exported (whatever happened to it since); changed when the file changes the version it was
    made from; a conflict when it changes an older one (written only if chosen in `overwrite`).
    A row whose text differs in a file that does not say which version it was made from (no 版
    sheet: made by hand, or exported before versions were) is a conflict too, `unversioned`:
    the file may be older than the stored text, so only the HQ's explicit choice overwrites it.
    Only a row with nothing stored yet is simply changed."""
    details = {
        "before": stored_texts,
        "after": file_texts,
        "updated_by": entry.updated_by,
        "updated_at": entry.updated_at,
        "version": entry.version,
    }
    if file_texts == stored_texts:
        return RowOutcome(sheet, row, reference, UNCHANGED, version=entry.version)
    mark = None if exported is None else exported.get(reference)
    if mark is not None and versions.fingerprint(file_texts) == mark.fingerprint:
        return RowOutcome(sheet, row, reference, UNCHANGED, version=entry.version)
    if mark is not None and mark.version == entry.version:
        return RowOutcome(sheet, row, reference, CHANGED, **details)
    if mark is None and not any(stored_texts):
        # Nothing stored that the file could overwrite.
        return RowOutcome(sheet, row, reference, CHANGED, **details)
    # Changed over a newer version, or over a text the file cannot say it was made from (no 版
    # sheet, or no line for the row in it): the stored text may be newer than the file's.
    chosen = reference in overwrite
    status = CHANGED if chosen else CONFLICT
    return RowOutcome(
        sheet, row, reference, status, overwrite=chosen, unversioned=mark is None, **details
    )


# -- 資料3 ----------


@dataclass
class _Shiryo3Row:
    sheet: str
    row: int
    initiative: Initiative
    results: str
    plans: str


def import_shiryo3(
    *, file, period, user, dry_run=False, expected=None, overwrite=(), confirm_removals=False
):
    """Store the ９月までの取組 / 10月以降の取組 of a 資料3 workbook in `period`. `expected`: the
    preview's versions (ImportResult.expected); `overwrite`: the conflicts the HQ chose to settle
    with the file's text; `confirm_removals`: the user confirmed the texts it removes."""

    def read_and_check(workbook, result):
        entries = _locked(ProgressEntry.objects.filter(period=period).order_by(), dry_run)
        entries = {e.initiative_id: e for e in entries.select_related("updated_by")}
        rows = _read_shiryo3(workbook, period, result)
        exported = _exported(workbook, period, result)
        chosen = _chosen(user, overwrite)
        return _check_shiryo3(rows, period, user, entries, exported, chosen, result)

    return _run(
        read_and_check,
        file=file,
        dry_run=dry_run,
        user=user,
        expected=expected,
        confirm_removals=confirm_removals,
    )


def _exported(workbook, period, result):
    """The file's 版 sheet, None without one. A file exported from another period (its rows
    are read into this one) has none that count here."""
    if not any(not versions.is_version_sheet(ws) for ws in workbook.worksheets):
        result.error("", None, NO_DOCUMENT_SHEET)
        return None
    exported = versions.read_sheet(workbook)
    if exported is not None and exported.period not in (None, period.code):
        # Another period's versions say nothing about this period's rows: as without versions.
        result.other_period = exported.period
        exported = None
    result.has_versions = exported is not None
    return exported


def _chosen(user, overwrite):
    """Only the HQ settles a conflict with the file's text."""
    return set(overwrite) if overwrite and access.may_review_entries(user) else set()


def _document_sheets(workbook, headers, heading_row, by_heading, what, result, text_columns):
    """(sheet, the category or chapter its heading names, its table rows) for each sheet that
    holds the document's table; a heading naming no `what` is an error on its row, and so is a
    merged range over `text_columns` (1-based)."""
    for ws in workbook.worksheets:
        if versions.is_version_sheet(ws):
            continue
        cells = _sheet_rows(ws)
        table = _table(cells, headers, ws.title, result)
        if not table:  # no table, or one without rows (a download that selected nothing)
            continue
        if _merged_text_cells(ws, table[0][0] - 1, headers, text_columns, result):
            continue
        heading = _cell(cells, heading_row)
        if heading not in by_heading:
            result.error(ws.title, heading_row, HEADING_UNKNOWN.format(value=heading, what=what))
            continue
        yield ws, by_heading[heading], table


def _read_shiryo3(workbook, period, result):
    headers = shiryo3_headers(period)
    categories = {category_heading(c): c for c in Category.objects.prefetch_related("subclasses")}
    initiatives = {
        (i.category_id, i.subclass_id, i.number): i for i in Initiative.objects.with_related()
    }
    labels = set(Organization.objects.values_list("label", flat=True))
    rows, seen = [], {}
    # The two texts and the number: the import reads them row by row.
    sheets = _document_sheets(
        workbook, headers, SHIRYO3_HEADING_ROW, categories, "分類", result, text_columns=(3, 4, 5)
    )
    for ws, category, table in sheets:
        subclasses = {s.name: s for s in category.subclasses.all()}
        group = job = ""
        for number, (a, b, c, d, e, f) in table:
            # Merged cells hold their text in their first row only.
            group, job = a or group, b or job
            problems = []
            subclass = subclasses.get(group)
            # The 分類 cell names the category or one of its sub-classes, as exported.
            if (subclass is None) if subclasses else group != classification_cell(category, None):
                problems.append(READ_ONLY_CHANGED.format(column=headers[0]))
            position = _number_of(d, circled, CIRCLED)
            if position is None:
                problems.append(BAD_KEY.format(column=headers[3], value=d))
            if problems:
                result.errors += [ImportIssue(ws.title, number, p) for p in problems]
                continue
            key = (category.pk, subclass.pk if subclass else None, position)
            initiative = initiatives.get(key)
            if initiative is None:
                parts = [str(category.number), *([group] if subclasses else []), d]
                reference = "-".join(parts)
                result.error(ws.title, number, UNKNOWN_ROW.format(reference=reference))
                continue
            if initiative.pk in seen:
                first_sheet, first_row = seen[initiative.pk]
                message = DUPLICATE_ROW.format(
                    reference=initiative.reference, sheet=first_sheet, row=first_row
                )
                result.error(ws.title, number, message)
                continue
            seen[initiative.pk] = (ws.title, number)
            if job != initiative.job_category.name:
                problems.append(READ_ONLY_CHANGED.format(column=headers[1]))
            problems.append(_organization_problem(f, initiative.sections.all(), headers[5], labels))
            problems = [p for p in problems if p]
            result.errors += [ImportIssue(ws.title, number, p) for p in problems]
            if not problems:
                rows.append(_Shiryo3Row(ws.title, number, initiative, results=c, plans=e))
    return rows


def _shiryo3_texts(initiative, results, plans):
    """What an import may write of a row, as the file's cells hold it: a 【再掲】 row only its
    plans."""
    cells = {"results": results, "plans": plans}
    return tuple(cells[name] for name in written_fields(initiative))


def _show_shiryo3(period, initiative, texts):
    names = {"results": period.results_label, "plans": period.plans_label}
    labels = [names[name] for name in written_fields(initiative)]
    return "\n".join(f"【{label}】{text}" for label, text in zip(labels, texts, strict=True))


def _check_shiryo3(rows, period, user, entries, exported, overwrite, result):
    in_file = {r.initiative.pk: r.results for r in rows if not r.initiative.repost_of_id}
    changes = []
    for row in rows:
        initiative = row.initiative
        entry = entries.get(initiative.pk)
        results = row.results
        if initiative.repost_of_id:
            original = initiative.repost_of
            stored = getattr(entries.get(original.pk), "results", "")
            shown = {
                clean_text(with_repost_mark(in_file.get(original.pk, stored))),
                clean_text(with_repost_mark(stored)),
            }
            if results not in shown:
                message = REPOST_EDITED.format(original=original.reference)
                result.error(row.sheet, row.row, message)
                continue
        texts = _shiryo3_texts(initiative, clean_text(results), row.plans)
        if entry is None:
            entry = ProgressEntry(period=period, initiative=initiative)
            outcome = RowOutcome(row.sheet, row.row, initiative.reference, NEW)
        else:
            stored = _shiryo3_texts(initiative, clean_text(entry.results), clean_text(entry.plans))
            outcome = _outcome(
                row.sheet, row.row, initiative.reference, entry, texts, stored, exported, overwrite
            )
            outcome = _shown(outcome, lambda t, i=initiative: _show_shiryo3(period, i, t))
        values = {"results": results, "plans": row.plans}
        if outcome.status in WRITTEN:
            _allowed(user, entry, initiative.reference, row.sheet, row.row, result)
        if outcome.status == CHANGED:
            labels = {"results": period.results_label, "plans": period.plans_label}
            for name in written_fields(initiative):
                old = getattr(entry, name)
                if clean_text(old) and not clean_text(values[name]):
                    removal = Removal(row.sheet, row.row, initiative.reference, labels[name], old)
                    result.removals.append(removal)
        result.rows.append(outcome)
        changes.append((outcome, services.Change(entry, outcome.version or None, values)))
    return changes


def _shown(outcome, show):
    """The outcome with its texts as the preview shows them."""
    if outcome.status == UNCHANGED:
        return outcome
    return replace(outcome, before=show(outcome.before), after=show(outcome.after))


# -- 資料2 ----------


@dataclass
class _ActionRows:
    sheet: str
    row: int
    action: Action | None  # None when the row could not be matched: its paragraphs are skipped
    paragraphs: list = field(default_factory=list)  # (text, classification) pairs


def import_shiryo2(
    *, file, period, user, dry_run=False, expected=None, overwrite=(), confirm_removals=False
):
    """Store the 実施状況 paragraphs and 区分 of a 資料2 workbook in `period` (see
    import_shiryo3 for `expected`, `overwrite` and `confirm_removals`)."""

    def read_and_check(workbook, result):
        reports = _locked(ActionReport.objects.filter(period=period).order_by(), dry_run)
        reports = reports.select_related("updated_by").prefetch_related("statuses")
        reports = {r.action_id: r for r in reports}
        blocks = _read_shiryo2(workbook, result)
        exported = _exported(workbook, period, result)
        chosen = _chosen(user, overwrite)
        return _check_shiryo2(blocks, period, user, reports, exported, chosen, result)

    return _run(
        read_and_check,
        file=file,
        dry_run=dry_run,
        user=user,
        expected=expected,
        confirm_removals=confirm_removals,
    )


def _read_shiryo2(workbook, result):
    chapters = {chapter_heading(c): c for c in Chapter.objects.all()}
    actions = {
        (a.policy.chapter_id, a.policy.number, a.number): a for a in Action.objects.with_related()
    }
    labels = set(Organization.objects.values_list("label", flat=True))
    blocks, seen = [], {}
    # 実施状況 and 区分: one paragraph a row.
    sheets = _document_sheets(
        workbook, SHIRYO2_HEADERS, SHIRYO2_HEADING_ROW, chapters, "項目", result, (4, 5)
    )
    for ws, chapter, table in sheets:
        recommendations = policy = ""
        block = None
        for number, (a, b, c, d, e, f) in table:
            # Merged cells hold their text in their first row only: a 取組方針 cell starts on its
            # policy's first row, an action cell on the action's first 実施状況 row.
            if b:
                recommendations, policy, block = a, b, None
            if c:
                cells_of_action = (recommendations, policy, c, f)
                action, problems = _match_action(chapter, cells_of_action, bool(b), actions, labels)
                if action is not None and not problems and action.pk in seen:
                    first_sheet, first_row = seen[action.pk]
                    problems = [
                        DUPLICATE_ROW.format(
                            reference=action.reference, sheet=first_sheet, row=first_row
                        )
                    ]
                result.errors += [ImportIssue(ws.title, number, p) for p in problems]
                block = _ActionRows(ws.title, number, None if problems else action)
                if block.action is not None:
                    seen[action.pk] = (ws.title, number)
                    blocks.append(block)
            if d or e:
                _add_paragraph(ws.title, number, block, d, e, result)
    return blocks


def _match_action(chapter, cells, policy_starts, actions, labels):
    """(action, problems) for the first row of an action; the action is None when the row
    names none."""
    recommendations, policy_text, action_text, departments = cells
    headers = SHIRYO2_HEADERS
    policy_mark = policy_text.split("\n")[0]
    action_mark = action_text.split("\n")[0]
    policy_number = _number_of(policy_mark, policy_letter, POLICY_NUMBERS)
    if policy_number is None:
        return None, [BAD_KEY.format(column=headers[1], value=policy_mark)]
    action_number = _number_of(action_mark, action_letter, ACTION_NUMBERS)
    if action_number is None:
        return None, [BAD_KEY.format(column=headers[2], value=action_mark)]
    action = actions.get((chapter.pk, policy_number, action_number))
    if action is None:
        reference = f"{chapter.mark}{policy_letter(policy_number)}{action_letter(action_number)}"
        return None, [UNKNOWN_ROW.format(reference=reference)]
    problems = []
    # The 取組方針 cells are checked once, on the row where they start.
    if policy_starts and recommendations != recommendations_cell(action.policy):
        problems.append(READ_ONLY_CHANGED.format(column=headers[0]))
    if policy_starts and policy_text != clean_text(policy_cell(action.policy)):
        problems.append(READ_ONLY_CHANGED.format(column=headers[1]))
    if action_text != clean_text(action_cell(action)):
        problems.append(READ_ONLY_CHANGED.format(column=headers[2]))
    problems.append(
        _organization_problem(
            departments, action.departments.all(), headers[5], labels, action.department_note
        )
    )
    return action, [p for p in problems if p]


def _add_paragraph(sheet, number, block, text, mark, result):
    if block is None:
        result.error(sheet, number, STATUS_WITHOUT_ACTION)
        return
    value = unicodedata.normalize("NFKC", mark).strip().upper()
    problem = None
    if not mark:
        problem = MISSING_CLASSIFICATION
    elif value not in Classification.values:
        problem = BAD_CLASSIFICATION.format(value=mark)
    if problem:
        result.error(sheet, number, problem)
        block.action = None  # nothing of this action is written
    elif block.action is not None:
        block.paragraphs.append((text, value))


def _stored(report):
    """The report's paragraphs as (text, classification), texts as stored."""
    if report is None:
        return []
    statuses = sorted(report.statuses.all(), key=lambda s: s.position)
    return [(s.text, s.classification) for s in statuses]


def _cleaned(paragraphs):
    return [(clean_text(text), classification) for text, classification in paragraphs]


def _flat(paragraphs):
    return tuple(value for paragraph in paragraphs for value in paragraph)


def _show_shiryo2(texts):
    pairs = zip(texts[::2], texts[1::2], strict=True)
    lines = [f"{Classification(mark).mark}：{text or '（記載なし）'}" for text, mark in pairs]
    return "\n".join(lines) or "（実施状況なし）"


def _check_shiryo2(blocks, period, user, reports, exported, overwrite, result):
    blocks = [b for b in blocks if b.action is not None]
    in_file = {b.action.pk: b.paragraphs for b in blocks if not b.action.repost_of_id}
    changes = []
    for block in blocks:
        action = block.action
        if action.repost_of_id:
            # The original holds the 実施状況; the 【再掲】 rows must show it, before or after this
            # import, and are never written.
            original = action.repost_of
            stored = _stored(reports.get(original.pk))
            shown = [
                _cleaned(repost_paragraphs(in_file.get(original.pk, stored))),
                _cleaned(repost_paragraphs(stored)),
            ]
            if block.paragraphs not in shown:
                message = REPOST_EDITED.format(original=original.reference)
                result.error(block.sheet, block.row, message)
            else:
                result.rows.append(RowOutcome(block.sheet, block.row, action.reference, UNCHANGED))
            continue
        report = reports.get(action.pk)
        texts = _flat(block.paragraphs)
        if report is None:
            report = ActionReport(period=period, action=action)
            outcome = RowOutcome(block.sheet, block.row, action.reference, NEW)
        else:
            stored = _flat(_cleaned(_stored(report)))
            outcome = _outcome(
                block.sheet, block.row, action.reference, report, texts, stored, exported, overwrite
            )
            outcome = _shown(outcome, _show_shiryo2)
        if outcome.status in WRITTEN:
            _allowed(user, report, action.reference, block.sheet, block.row, result)
        if outcome.status == CHANGED:
            for text, classification in _removed(_cleaned(_stored(report)), block.paragraphs):
                mark = Classification(classification).mark
                result.removals.append(
                    Removal(
                        block.sheet, block.row, action.reference, f"実施状況（区分{mark}）", text
                    )
                )
        result.rows.append(outcome)
        values = {PARAGRAPHS: by_position(report, block.paragraphs)}
        changes.append((outcome, services.Change(report, outcome.version or None, values)))
    return changes


def _removed(stored, paragraphs):
    """The stored paragraphs the file drops or empties. They are matched in order by their
    texts, so an edited paragraph is a change, not a removal; of a run of stored paragraphs
    replaced by fewer, the ones left over are removed."""
    matcher = SequenceMatcher(
        a=[text for text, _ in stored], b=[text for text, _ in paragraphs], autojunk=False
    )
    removed = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "delete":
            removed += stored[i1:i2]
        elif tag == "replace":
            for k in range(i1, i2):
                partner = j1 + k - i1
                if partner >= j2 or (stored[k][0] and not paragraphs[partner][0]):
                    removed.append(stored[k])
    return removed

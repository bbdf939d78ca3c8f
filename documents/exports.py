"""The committee documents as Excel workbooks, laid out as the committee receives them.

資料3 has one sheet per category (分類1…分類5) and 資料2 one sheet per chapter ((1)…(7)). Each
chapter of 資料2 starts a new page in the printed document, has its own list of 提言 above its own
table, and each sheet can repeat its own table header on every printed page; one sheet per chapter
keeps all of that, and the tabs let the reader jump to a chapter. imports.py reads exactly this
layout back, so the cell formats below (the row numbers, the marks in front of the texts) are its
input format too.
"""

from itertools import groupby
from math import ceil

from django.db.models import Prefetch
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side

from core.marks import circled, with_repost_mark
from core.wareki import era_month_label, era_year, month_label
from documents import versions
from flatfiles.spreadsheet import FORMULA_TRIGGERS
from initiatives.models import Category, Initiative, ProgressEntry
from initiatives.services import written_fields
from recommendations.models import (
    CLASSIFICATION_INTRO,
    Action,
    ActionReport,
    Classification,
    ImplementationStatus,
    Policy,
    VerificationReport,
)
from recommendations.selectors import shown
from reporting.models import EntryState

VISION_TITLE = "「子ども虐待防止に関する職務に従事する職員の人材育成ビジョン」"
SHIRYO3_MARK = "資料３"
SHIRYO2_MARK = "資料２"
RECOMMENDATIONS_HEADING = "検証報告書における提言"
SHIRYO2_HEADERS = (
    "該当提言",
    "取組方針",
    "具体的な取組内容（想定を含む）",
    "実施状況",
    "区分",
    "担当部",
)

# Fixed rows of the layout (1-based, as Excel numbers them).
TITLE_ROW = 1
SHIRYO3_HEADING_ROW = 2  # the category
SHIRYO3_HEADER_ROW = 3
SHIRYO2_HEADING_ROW = 4  # the chapter, then the 提言 heading and list
SHIRYO2_HEADER_ROW = 8

LEGEND = "\n".join((CLASSIFICATION_INTRO, *Classification.labels))
NO_ROWS = "該当する取組はありません"
NO_ROWS_SHEET = "該当なし"

# Rows not yet approved by the HQ carry their state in a column after the table (the imports
# read the first six columns only). Its heading and 資料2's legend explain it; 資料3 has no
# legend, and a line under its table would stand where people add rows.
STATE_HEADER = "状態（空欄は承認済）"
STATE_COLUMN = 7
STATE_WIDTH = 10
STATE_LEGEND = (
    "状態欄：推進本部の承認前の行に、その状態（"
    + "・".join(s.label for s in EntryState if s != EntryState.APPROVED)
    + "）を示しています。空欄の行は承認済みです。"
)
# Printed at the foot of every page: 「- 1 / 5 -」.
PAGE_FOOTER = "- &P / &N -"

SHIRYO3_WIDTHS = (18, 14, 56, 7, 48, 20)
SHIRYO2_WIDTHS = (8, 30, 40, 56, 6, 18)

_FONT = {"name": "ＭＳ 明朝", "size": 10.5}
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TOP = {"vertical": "top", "wrap_text": True}
# Named cell styles: cheap to give to thousands of cells, and Excel lists them by name.
# (name, font, alignment, border)
STYLES = [
    ("資料・本文", Font(**_FONT), Alignment(**_TOP), _BORDER),
    ("資料・中央", Font(**_FONT), Alignment(horizontal="center", **_TOP), _BORDER),
    ("資料・列見出し", Font(bold=True, **_FONT), Alignment(horizontal="center", **_TOP), _BORDER),
    ("資料・文", Font(**_FONT), Alignment(**_TOP), Border()),
    ("資料・見出し", Font(bold=True, **_FONT), Alignment(**_TOP), Border()),
    ("資料・右寄せ", Font(**_FONT), Alignment(horizontal="right", **_TOP), Border()),
    ("資料・表題", Font(name=_FONT["name"], size=12, bold=True), Alignment(**_TOP), Border()),
    (
        "資料・表題右",
        Font(name=_FONT["name"], size=12, bold=True),
        Alignment(horizontal="right", **_TOP),
        Border(),
    ),
]
LINE_HEIGHT = 14  # points per line of 10.5pt text, with the leading Excel adds


# -- Cell texts, shared with imports.py, which checks read-only columns against them ----------


def shiryo3_title(period):
    """「…」に基づく令和５年９月までの取組結果と10月以降の取組内容. The plans month gets its own era
    and year only when they differ from the results month (12月まで → 令和６年１月以降)."""
    until, since = period.results_until, period.plans_from
    plans = month_label(since) if era_year(since) == era_year(until) else era_month_label(since)
    return f"{VISION_TITLE}に基づく{era_month_label(until)}までの取組結果と{plans}以降の取組内容"


def shiryo3_headers(period):
    return (
        "取組内容の分類",
        "対象職種",
        period.results_label,
        "取組番号",
        period.plans_label,
        "担当課",
    )


def category_heading(category):
    return str(category)


def classification_cell(category, subclass):
    """取組内容の分類: the sub-class where the category has them, else the category itself."""
    return subclass.name if subclass is not None else category_heading(category)


def organizations_cell(organizations, note=""):
    """担当課 / 担当部: one label a line in the organisation's order, then the note if any."""
    return "\n".join([org.label for org in organizations] + ([note] if note else []))


def chapter_heading(chapter):
    return f"{chapter.mark} {chapter.title}"


def recommendation_line(recommendation):
    return f"{recommendation.mark} {recommendation.text}"


def recommendations_cell(policy):
    return "".join(rec.mark for rec in policy.recommendations.all())


def policy_cell(policy):
    return f"{policy.mark}\n{policy.text}"


def action_cell(action):
    return f"{action.mark}\n{action.shown_text}"


def repost_paragraphs(paragraphs):
    """A 【再掲】 action shows its original's 実施状況 as the document prints it: each paragraph
    with 【再掲】 at its end, an empty paragraph (a 区分 alone) left empty."""
    return [(with_repost_mark(text) if text else "", mark) for text, mark in paragraphs]


# -- Writing cells ----------


def set_text(cell, value):
    """Write text so that Excel shows it as text and never evaluates it.

    openpyxl stores any string starting with "=" as a formula, so the type is forced to string.
    Risky starts also get Excel's quote prefix (the hidden "'"), so the cell stays text even when
    someone edits it in Excel; the stored text is unchanged, so it reads back exactly.
    """
    text = "" if value is None else str(value)
    # XML cannot hold most control characters, and an XML parser reads a CR back as LF anyway.
    clean = ILLEGAL_CHARACTERS_RE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    cell.value = clean or None
    if clean:
        cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def _new_workbook():
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, font, alignment, border in STYLES:
        workbook.add_named_style(
            NamedStyle(name=name, font=font, alignment=alignment, border=border)
        )
    return workbook


def _put(ws, row, column, value, style):
    cell = ws.cell(row=row, column=column)
    cell.style = style  # first: giving a style replaces the quote prefix set_text may give
    return set_text(cell, value)


def _line(ws, row, text, style="資料・文"):
    """A text across the table's width (headings, the legend)."""
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
    _put(ws, row, 1, text, style)
    ws.row_dimensions[row].height = _lines(text, sum(_widths(ws))) * LINE_HEIGHT + 4


def _title(ws, title, mark):
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=5)
    _put(ws, TITLE_ROW, 1, title, "資料・表題")
    _put(ws, TITLE_ROW, 6, mark, "資料・表題右")
    ws.row_dimensions[TITLE_ROW].height = _lines(title, sum(_widths(ws)[:5]), size=12) * 17 + 4


def _header(ws, row, headers):
    for column, text in enumerate(headers, start=1):
        _put(ws, row, column, text, "資料・列見出し")
    ws.print_title_rows = f"{row}:{row}"  # repeated at the top of every printed page
    ws.freeze_panes = ws.cell(row=row + 1, column=1)  # and kept in view when scrolling


def _style_table(ws, first_row, last_row, centred):
    """Borders and alignment for every cell of the table, merged ones included, so Excel draws
    the merged cells' outlines.

    Cells are merged before they get a style: merging a styled cell makes openpyxl copy its
    borders cell by cell, which took most of the export's time."""
    for row in ws.iter_rows(min_row=first_row, max_row=last_row, max_col=6):
        for cell in row:
            quoted = cell.quotePrefix  # giving a style replaces it
            cell.style = "資料・中央" if cell.column in centred else "資料・本文"
            cell.quotePrefix = quoted


def _merge_runs(ws, column, first_row, keys):
    """Merge the cells of `column` over consecutive rows whose keys are equal."""
    row = first_row
    for _, run in groupby(keys):
        length = len(list(run))
        if length > 1:
            ws.merge_cells(
                start_row=row, start_column=column, end_row=row + length - 1, end_column=column
            )
        row += length


def state_mark(*states):
    """The 状態 cell of a row showing the texts of entries in these states: empty when all are
    approved, else the state of the first that is not (a missing entry counts as 未着手)."""
    for state in states:
        if state != EntryState.APPROVED:
            return EntryState(state or EntryState.NOT_STARTED).label
    return ""


def _state_column(ws, header_row, marks):
    """The 状態 column beside the table, only on a sheet where some row is not approved.
    `marks`: (first row, last row, mark) of each block of rows. Returns whether it was added."""
    if not any(mark for _, _, mark in marks):
        return False
    ws.column_dimensions["G"].width = STATE_WIDTH
    _put(ws, header_row, STATE_COLUMN, STATE_HEADER, "資料・列見出し")
    for first, last, mark in marks:
        if last > first:
            ws.merge_cells(
                start_row=first, start_column=STATE_COLUMN, end_row=last, end_column=STATE_COLUMN
            )
        for row in range(first, last + 1):
            ws.cell(row=row, column=STATE_COLUMN).style = "資料・中央"
        set_text(ws.cell(row=first, column=STATE_COLUMN), mark)
    return True


def _set_up_page(ws, widths):
    for index, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = PAGE_FOOTER


def _widths(ws):
    return [ws.column_dimensions[chr(ord("A") + i)].width for i in range(6)]


def _lines(text, width, size=10.5):
    """Lines a wrapped text needs in a column `width` characters wide. Excel does not grow rows
    for wrapped or merged cells when it opens a file, so the export sets the heights itself.
    A Japanese character is two columns wide; its UTF-8 form is three bytes and an ASCII
    character's one, so (bytes + characters) / 2 gives the width without a per-character loop."""
    per_line = max(1.0, (width - 1) * 10.5 / size)
    return sum(
        max(1, ceil((len(line.encode()) + len(line)) / 2 / per_line))
        for line in (text or "").split("\n")
    )


def _fit_rows(ws, first_row, last_row):
    """Row heights for the table: each row fits its own cells; a cell merged over several rows
    adds what it lacks to its last row."""
    widths = _widths(ws)
    spans = {}
    for merged in ws.merged_cells.ranges:
        if merged.min_row >= first_row and merged.max_row > merged.min_row:
            spans[(merged.min_row, merged.min_col)] = merged.max_row
    needed = {}
    for row in range(first_row, last_row + 1):
        lines = [1]
        for column in range(1, 7):
            value = ws.cell(row=row, column=column).value
            if not isinstance(value, str):
                continue
            end = spans.get((row, column), row)
            if end == row:
                lines.append(_lines(value, widths[column - 1]))
            else:
                needed[end] = needed.get(end, [])
                needed[end].append((row, _lines(value, widths[column - 1])))
        ws.row_dimensions[row].height = max(lines) * LINE_HEIGHT + 4
    for end, cells in needed.items():
        for start, lines in cells:
            have = sum(ws.row_dimensions[r].height for r in range(start, end + 1))
            lack = lines * LINE_HEIGHT + 4 - have
            if lack > 0:
                ws.row_dimensions[end].height += lack


# -- 資料3 ----------


def export_shiryo3(period, only=None):
    """資料3 for `period`: one sheet per category, rows in document order. `only` (initiative
    ids) keeps just those rows, as filtered on the list page; categories left empty are dropped."""
    workbook = _new_workbook()
    entries = {entry.initiative_id: entry for entry in ProgressEntry.objects.filter(period=period)}
    initiatives = {}
    for initiative in Initiative.objects.with_related():
        if only is None or initiative.pk in only:
            initiatives.setdefault(initiative.category_id, []).append(initiative)
    for category in Category.objects.all():
        if only is not None and category.pk not in initiatives:
            continue
        ws = workbook.create_sheet(f"分類{category.number}")
        _write_shiryo3_sheet(ws, period, category, initiatives.get(category.pk, []), entries)
    if not workbook.worksheets:
        ws = workbook.create_sheet(NO_ROWS_SHEET)
        _set_up_page(ws, SHIRYO3_WIDTHS)
        _title(ws, shiryo3_title(period), SHIRYO3_MARK)
        _empty_table(ws, SHIRYO3_HEADER_ROW, shiryo3_headers(period))
    written = [i for rows in initiatives.values() for i in rows if i.pk in entries]
    rows = [shiryo3_version_row(i, entries[i.pk]) for i in written]
    versions.add_sheet(workbook, rows, period=period)
    return workbook


def _empty_table(ws, header_row, headers):
    """A selection without rows (a filter that matches nothing) still gives a file to open: the
    headings, and a line saying so (an xlsx without a sheet cannot be saved)."""
    _header(ws, header_row, headers)
    _line(ws, header_row + 1, NO_ROWS)


def shiryo3_version_row(initiative, entry):
    """(reference, version, texts) of a row: the texts an import may write from it (a 【再掲】
    row writes only its plans)."""
    texts = tuple(getattr(entry, name) for name in written_fields(initiative))
    return initiative.reference, entry.version, texts


def shiryo2_version_row(action, report, paragraphs):
    """(reference, version, texts) of an original action: its paragraphs' texts and 区分."""
    texts = [value for text, classification in paragraphs for value in (text, classification)]
    return action.reference, report.version, texts


def _write_shiryo3_sheet(ws, period, category, initiatives, entries):
    _set_up_page(ws, SHIRYO3_WIDTHS)
    _title(ws, shiryo3_title(period), SHIRYO3_MARK)
    _line(ws, SHIRYO3_HEADING_ROW, category_heading(category), "資料・見出し")
    _header(ws, SHIRYO3_HEADER_ROW, shiryo3_headers(period))
    first = SHIRYO3_HEADER_ROW + 1
    marks = []
    for row, initiative in enumerate(initiatives, start=first):
        entry = entries.get(initiative.pk)
        source = entries.get(initiative.source.pk)
        marks.append(
            (row, row, state_mark(getattr(entry, "state", None), getattr(source, "state", None)))
        )
        results = source.results if source else ""
        if initiative.repost_of_id:
            results = with_repost_mark(results)
        cells = (
            classification_cell(category, initiative.subclass),
            initiative.job_category.name,
            results,
            circled(initiative.number),
            entry.plans if entry else "",
            organizations_cell(initiative.sections.all()),
        )
        for column, value in enumerate(cells, start=1):
            set_text(ws.cell(row=row, column=column), value)
    last = first + len(initiatives) - 1
    _merge_runs(ws, 1, first, [initiative.subclass_id for initiative in initiatives])
    _merge_runs(ws, 2, first, [(i.subclass_id, i.job_category_id) for i in initiatives])
    _style_table(ws, first, last, centred=(4,))
    _fit_rows(ws, first, last)
    _state_column(ws, SHIRYO3_HEADER_ROW, marks)


def write_shiryo3(period, out):
    """Save 資料3 to a path or a binary stream."""
    export_shiryo3(period).save(out)


# -- 資料2 ----------


def export_shiryo2(period, report=None, only=None):
    """資料2 for `period`: one sheet per chapter of `report` (by default the only one). `only`
    (ids of original actions) keeps just those actions and their 【再掲】 places, as filtered on
    the list page; policies and chapters left empty are dropped."""
    report = report or VerificationReport.objects.order_by("pk").first()
    workbook = _new_workbook()
    if report is None:
        ws = workbook.create_sheet(NO_ROWS_SHEET)
        _set_up_page(ws, SHIRYO2_WIDTHS)
        _empty_table(ws, SHIRYO2_HEADER_ROW, SHIRYO2_HEADERS)
        return workbook
    actions = Action.objects.select_related("repost_of").prefetch_related("departments")
    policies = Policy.objects.prefetch_related(
        "recommendations", Prefetch("actions", queryset=actions)
    )
    chapters = report.chapters.prefetch_related(
        "recommendations", Prefetch("policies", queryset=policies)
    )
    paragraphs = {}
    statuses = (
        ImplementationStatus.objects.filter(report__period=period)
        .order_by("report_id", "position")
        .values_list("report__action_id", "text", "classification")
    )
    stored = {}
    for action_id, text, classification in statuses:
        mark = Classification(classification).mark
        paragraphs.setdefault(action_id, []).append((text, mark))
        stored.setdefault(action_id, []).append((text, classification))
    reports = {r.action_id: r for r in ActionReport.objects.filter(period=period)}
    states = {action_id: r.state for action_id, r in reports.items()}
    version_rows = []
    for chapter in chapters:
        policies = [
            (policy, [a for a in policy.actions.all() if only is None or a.source_pk in only])
            for policy in chapter.policies.all()
        ]
        if only is not None:
            policies = [(policy, actions) for policy, actions in policies if actions]
            if not policies:
                continue
        ws = workbook.create_sheet(chapter.mark)
        _write_shiryo2_sheet(ws, period, report, chapter, (policies, paragraphs, states))
        version_rows += [
            shiryo2_version_row(action, reports[action.pk], stored.get(action.pk, []))
            for _, actions in policies
            for action in actions
            if not action.is_repost and action.pk in reports
        ]
    if not workbook.worksheets:
        ws = workbook.create_sheet(NO_ROWS_SHEET)
        _set_up_page(ws, SHIRYO2_WIDTHS)
        _title(ws, report.document_title, SHIRYO2_MARK)
        _line(ws, 2, period.meeting, "資料・右寄せ")
        _line(ws, 3, report.note)
        _empty_table(ws, SHIRYO2_HEADER_ROW, SHIRYO2_HEADERS)
    versions.add_sheet(workbook, version_rows, period=period)
    return workbook


def _write_shiryo2_sheet(ws, period, report, chapter, rows):
    policies, paragraphs, states = rows
    _set_up_page(ws, SHIRYO2_WIDTHS)
    _title(ws, report.document_title, SHIRYO2_MARK)
    _line(ws, 2, period.meeting, "資料・右寄せ")
    _line(ws, 3, report.note)
    _line(ws, SHIRYO2_HEADING_ROW, chapter_heading(chapter), "資料・見出し")
    # The 提言 list and the legend are one cell each: every merged range costs openpyxl time.
    _line(ws, SHIRYO2_HEADING_ROW + 1, RECOMMENDATIONS_HEADING, "資料・見出し")
    recommendations = [recommendation_line(r) for r in chapter.recommendations.all()]
    _line(ws, SHIRYO2_HEADING_ROW + 2, "\n".join(recommendations))
    _header(ws, SHIRYO2_HEADER_ROW, SHIRYO2_HEADERS)
    row = first = SHIRYO2_HEADER_ROW + 1
    marks = []
    for policy, actions in policies:
        policy_start = row
        for action in actions or [None]:
            start, row = row, _write_action(ws, row, action, paragraphs)
            if action is not None:
                marks.append((start, row - 1, state_mark(shown(action, states))))
        set_text(ws.cell(row=policy_start, column=1), recommendations_cell(policy))
        set_text(ws.cell(row=policy_start, column=2), policy_cell(policy))
        _merge_block(ws, policy_start, row - 1, (1, 2))
    _style_table(ws, first, row - 1, centred=(1, 5))
    _fit_rows(ws, first, row - 1)
    marked = _state_column(ws, SHIRYO2_HEADER_ROW, marks)
    _line(ws, row + 1, "\n".join([LEGEND, *([STATE_LEGEND] if marked else [])]))


def _write_action(ws, row, action, paragraphs):
    """The rows of one action (one per 実施状況 paragraph, at least one); returns the next row."""
    own = [] if action is None else shown(action, paragraphs, [])
    if action is not None and action.is_repost:
        own = repost_paragraphs(own)
    start = row
    for text, mark in own or [("", "")]:
        set_text(ws.cell(row=row, column=4), text)
        set_text(ws.cell(row=row, column=5), mark)
        row += 1
    if action is not None:
        set_text(ws.cell(row=start, column=3), action_cell(action))
        departments = organizations_cell(action.departments.all(), action.department_note)
        set_text(ws.cell(row=start, column=6), departments)
        _merge_block(ws, start, row - 1, (3, 6))
    return row


def _merge_block(ws, first_row, last_row, columns):
    if last_row > first_row:
        for column in columns:
            ws.merge_cells(
                start_row=first_row, start_column=column, end_row=last_row, end_column=column
            )


def write_shiryo2(period, out):
    """Save 資料2 to a path or a binary stream."""
    export_shiryo2(period).save(out)

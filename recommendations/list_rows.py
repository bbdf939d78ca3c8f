"""The list page's table rows (DocumentPages.list_rows), as plain strings."""

from recommendations.models import Classification, action_reference
from recommendations.selectors import list_details
from reporting import rows
from reporting.rows import escape

NO_TEXT = "（実施状況の記載なし）"
LABELS = dict(Classification.choices)  # (the enum's properties build their lists on each call)
NO_STATUS = "<li>（区分・実施状況なし）</li>"


def classification(value):
    """includes/classification.html"""
    label = escape(LABELS.get(value, ""))
    return (
        f'<span class="classification classification--{escape(value)}" title="{label}">'
        f"{label[:1]}</span>"
    )


def statuses(paragraphs):
    """recommendations/statuses.html, as the list shows it."""
    items = [
        f"<li>{classification(value)} "
        f'<span class="text-block">{escape(text or NO_TEXT)}</span></li>'
        for value, text in paragraphs
    ]
    return f'<ol class="statuses">{"".join(items) or NO_STATUS}</ol>'


def report_rows(page, may_bulk, period):
    """The 資料2 list's table rows (see reporting/rows.py), with their paragraphs and
    【再掲】 references read for the page's rows (selectors.filter_report_list): named tuples
    of selectors.LIST_COLUMNS."""
    url = rows.detail_url("recommendations:detail")
    reports = list(page)
    paragraphs, references = list_details(reports)
    html = []
    for report in reports:
        reference = action_reference(
            report.chapter_number, report.policy_number, report.action_number
        )
        reposts = "".join(
            f'<br><span class="tag">再掲 {escape(reference)}</span>'
            for reference in references[report.action_id]
        )
        html.append(
            f'<tr data-updated="{rows.updated(report.updated_at)}">'
            f"{rows.select_cell(report.pk, reference, report.version) if may_bulk else ''}"
            f'<th scope="row"><a href="{url(report.pk)}">{escape(reference)}</a>'
            f"{reposts}</th>"
            f'<td data-label="具体的な取組内容" class="text-block cell-text">'
            f"{escape(rows.clip(report.action_text))}</td>"
            f'<td data-label="実施状況と区分">{statuses(paragraphs[report.pk])}</td>'
            f'<td data-label="担当部" class="orgs">{rows.labels(report.department_labels)}</td>'
            f'<td data-label="状態">{rows.state(report.state)}</td></tr>'
        )
    return rows.body(html, columns=6)

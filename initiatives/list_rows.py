"""The list page's table rows (DocumentPages.list_rows), as plain strings."""

from django.utils.safestring import mark_safe

from reporting import rows
from reporting.rows import escape

REPOST_TAG = '<br><span class="tag">再掲</span>'


def entry_rows(page, may_bulk, filterset):
    """The 資料3 list's table rows (see reporting/rows.py)."""
    period = filterset.period
    url = rows.detail_url("initiatives:detail")
    results_label = escape(period.results_label) if period else ""
    plans_label = escape(period.plans_label) if period else ""
    html = []
    for entry in page:
        initiative = entry.initiative
        repost = initiative.repost_of_id is not None
        html.append(
            f'<tr data-updated="{rows.updated(entry)}">'
            f"{rows.select_cell(entry) if may_bulk else ''}"
            f'<th scope="row"><a href="{url(entry.pk)}">{escape(entry.reference)}</a>'
            f"{REPOST_TAG if repost else ''}</th>"
            f'<td data-label="対象職種">{escape(initiative.job_category)}</td>'
            f'<td data-label="{results_label}" class="text-block cell-text">'
            f"{escape(rows.clip(entry.shown_results))}{'【再掲】' if repost else ''}</td>"
            f'<td data-label="{plans_label}" class="text-block cell-text">'
            f"{escape(rows.clip(entry.plans))}</td>"
            f'<td data-label="担当課" class="orgs">{rows.labels(entry.section_labels)}</td>'
            f'<td data-label="状態">{rows.state(entry)}</td></tr>'
        )
    if not html:
        html.append('<tr><td colspan="7">条件に合う取組はありません。</td></tr>')
    return mark_safe("\n".join(html))

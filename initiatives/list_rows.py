"""The list page's table rows (DocumentPages.list_rows), as plain strings."""

from initiatives.models import initiative_reference
from reporting import rows
from reporting.rows import escape

REPOST_TAG = '<br><span class="tag">再掲</span>'


def entry_rows(page, may_bulk, period):
    """The 資料3 list's table rows (see reporting/rows.py): named tuples of
    selectors.LIST_COLUMNS."""
    url = rows.detail_url("initiatives:detail")
    results_label = escape(period.results_label) if period else ""
    plans_label = escape(period.plans_label) if period else ""
    html = []
    for entry in page:
        repost = entry.initiative__repost_of is not None
        reference = initiative_reference(
            entry.initiative__category__number,
            entry.initiative__subclass__name,
            entry.initiative__number,
        )
        html.append(
            f'<tr data-updated="{rows.updated(entry.updated_at)}">'
            f"{rows.select_cell(entry.pk, reference, entry.version) if may_bulk else ''}"
            f'<th scope="row"><a href="{url(entry.pk)}">{escape(reference)}</a>'
            f"{REPOST_TAG if repost else ''}</th>"
            f'<td data-label="対象職種">{escape(entry.initiative__job_category__name)}</td>'
            f'<td data-label="{results_label}" class="text-block cell-text">'
            f"{escape(rows.clip(entry.shown_results))}{'【再掲】' if repost else ''}</td>"
            f'<td data-label="{plans_label}" class="text-block cell-text">'
            f"{escape(rows.clip(entry.plans))}</td>"
            f'<td data-label="担当課" class="orgs">{rows.labels(entry.section_labels)}</td>'
            f'<td data-label="状態">{rows.state(entry.state)}</td></tr>'
        )
    return rows.body(html, columns=7)

"""The dashboard's large tables and charts, built in Python: at scale they have a row for every
section and department, and the template engine (or format_html, which escapes every argument
through lazy wrappers) spent more on their cells than on the rest of the page. Only text from
the database is escaped here; the URLs and numbers are built from ids, codes and counts."""

from django import template
from django.utils.safestring import mark_safe

from core.escape import escape

register = template.Library()


@register.simple_tag
def tracker_rows(rows, overdue):
    """The submission tracker's rows."""
    html = []
    for row in rows:
        late = overdue and row.outstanding
        marker = (
            f' <strong class="overdue-marker">期限超過 未提出{row.outstanding}件</strong>'
            if late
            else ""
        )
        cells = "".join(
            f'<td><a href="{escape(url)}">{count}</a></td>' if count else "<td>0</td>"
            for count, url in row.links
        )
        opening = '<tr class="overdue">' if late else "<tr>"
        html.append(
            f"{opening}<td>{escape(row.document)}</td>"
            f'<th scope="row"><a href="{escape(row.total_url)}">'
            f"{escape(row.organization.label)}</a>{marker}</th>{cells}<td>{row.total}</td></tr>"
        )
    return mark_safe("".join(html))


@register.simple_tag
def matrix_rows(matrix):
    """The rows of the category × job category matrix, laid out as its template was."""
    html = []
    for category, cells in matrix:
        html.append(f'\n      <tr>\n        <th scope="row">{escape(str(category))}</th>\n        ')
        for cell in cells:
            attention = cell.needs_attention
            opening = '<td class="attention">' if attention else "<td>"
            html.append(f"\n        {opening}\n          ")
            if cell.total:
                marker = ' <span class="attention-marker">要対応</span>' if attention else ""
                links = "".join(
                    f'<li><a href="{escape(url)}">{escape(label)} {count}</a></li>'
                    for label, count, url in cell.links
                )
                html.append(
                    f'\n          <a href="{escape(cell.total_url)}">{cell.total}件</a>{marker}'
                    f'\n          <ul class="state-counts">{links}</ul>\n          '
                )
            else:
                html.append("－")
            html.append("\n        </td>\n        ")
        html.append("\n      </tr>\n      ")
    return mark_safe("".join(html))


@register.simple_tag
def classification_rows(rows):
    """The rows of a 区分 table (one per chapter or department): each number links to the list
    with the matching filter."""
    html = []
    for row in rows:
        label = escape(row.label)
        cells = "".join(
            f'<td class="number"><a href="{escape(url)}" aria-label="{label} 区分{letter}'
            f' {count}件">{count}</a></td>'
            if count
            else '<td class="number">0</td>'
            for letter, count, url in row.cells
        )
        html.append(
            f'<tr><th scope="row">{label}</th>{cells}<td class="number">'
            f'<a href="{escape(row.total_url)}">{row.total}</a></td>'
            f'<td class="number">{row.share_under_way}%</td></tr>'
        )
    return mark_safe("".join(html))


@register.simple_tag
def chart_bars(chart):
    """The bars of a stacked bar chart (see dashboard/charts.py): a department chart has a bar
    for every department."""
    html = []
    height = chart["bar_height"]
    for bar in chart["bars"]:
        title = escape(bar.title)
        segments = []
        for segment in bar.segments:
            value = (
                f'<text x="{segment.text_x}" y="{bar.text_y}" text-anchor="middle" '
                f'dominant-baseline="middle" class="chart__value">{segment.mark}{segment.count}'
                "</text>"
                if segment.shows_text
                else ""
            )
            segments.append(
                f'<a href="{escape(segment.url)}" aria-label="{title} 区分{segment.mark} '
                f'{segment.count}件"><rect x="{segment.x_text}" y="{bar.y}" '
                f'width="{segment.width_text}" height="{height}" fill="{segment.fill}" '
                f'stroke="#ffffff" stroke-width="1"/>{value}</a>'
            )
        html.append(
            f'<g><text x="0" y="{bar.text_y}" dominant-baseline="middle" class="chart__label">'
            f"<title>{title}</title>{escape(bar.label)}</text>{''.join(segments)}</g>"
        )
    return mark_safe("".join(html))

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def tracker_rows(rows, overdue):
    """The submission tracker's rows, built in Python: at scale it has a row for every section
    and department, and the template engine spent more on its cells than on the rest of the
    page."""
    html = []
    for row in rows:
        late = overdue and row.outstanding
        marker = (
            format_html(
                ' <strong class="overdue-marker">期限超過 未提出{}件</strong>', row.outstanding
            )
            if late
            else ""
        )
        cells = format_html_join(
            "",
            "<td>{}</td>",
            (
                (format_html('<a href="{}">{}</a>', url, count) if count else "0",)
                for count, url in row.links
            ),
        )
        html.append(
            format_html(
                '<tr{}><td>{}</td><th scope="row"><a href="{}">{}</a>{}</th>{}<td>{}</td></tr>',
                mark_safe(' class="overdue"') if late else "",
                row.document,
                row.total_url,
                row.organization.label,
                marker,
                cells,
                row.total,
            )
        )
    return mark_safe("".join(html))


@register.simple_tag
def classification_rows(rows):
    """The rows of a 区分 table (one per chapter or department), built in Python like the
    tracker's: each number links to the list with the matching filter."""
    html = []
    for row in rows:
        cells = format_html_join(
            "",
            '<td class="number">{}</td>',
            (
                (
                    format_html(
                        '<a href="{}" aria-label="{} 区分{} {}件">{}</a>',
                        url,
                        row.label,
                        letter,
                        count,
                        count,
                    )
                    if count
                    else "0",
                )
                for letter, count, url in row.cells
            ),
        )
        html.append(
            format_html(
                '<tr><th scope="row">{}</th>{}<td class="number"><a href="{}">{}</a></td>'
                '<td class="number">{}%</td></tr>',
                row.label,
                cells,
                row.total_url,
                row.total,
                row.share_under_way,
            )
        )
    return mark_safe("".join(html))


@register.simple_tag
def chart_bars(chart):
    """The bars of a stacked bar chart (see dashboard/charts.py), built in Python for the same
    reason as the tables: a department chart has a bar for every department."""
    html = []
    for bar in chart["bars"]:
        segments = []
        for segment in bar.segments:
            value = (
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" dominant-baseline="middle" '
                    'class="chart__value">{}{}</text>',
                    segment.text_x,
                    bar.text_y,
                    segment.mark,
                    segment.count,
                )
                if segment.shows_text
                else ""
            )
            segments.append(
                format_html(
                    '<a href="{}" aria-label="{} 区分{} {}件">'
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#ffffff" '
                    'stroke-width="1"/>{}</a>',
                    segment.url,
                    bar.title,
                    segment.mark,
                    segment.count,
                    segment.x_text,
                    bar.y,
                    segment.width_text,
                    chart["bar_height"],
                    segment.fill,
                    value,
                )
            )
        html.append(
            format_html(
                '<g><text x="0" y="{}" dominant-baseline="middle" class="chart__label">'
                "<title>{}</title>{}</text>{}</g>",
                bar.text_y,
                bar.title,
                bar.label,
                mark_safe("".join(segments)),
            )
        )
    return mark_safe("".join(html))

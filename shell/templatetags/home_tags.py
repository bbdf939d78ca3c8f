"""The HQ home's long table built in Python: at scale it has a row for every late section and
department, and the template engine spent more on its cells than on the rest of the page. Only
text from the database is escaped here; the URLs are built from ids and the period's code."""

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from core.escape import escape

register = template.Library()


@register.simple_tag
def overdue_rows(organizations, period):
    """The rows of 提出期限を過ぎた課・部: each links to its document's list of the period, with
    the filter of that section (資料3) or department (資料2)."""
    code = escape(period.code)
    lists = {
        "資料3": f"{reverse('initiatives:list')}?period={code}&amp;section=",
        "資料2": f"{reverse('recommendations:list')}?period={code}&amp;department=",
    }
    html = []
    for org in organizations:
        label, document = escape(org.label), escape(org.document)
        url = f"{lists[org.document]}{org.organization_id}"
        html.append(
            f'\n      <tr>\n        <th scope="row">{label}</th>'
            f'\n        <td data-label="資料">{document}</td>'
            f'\n        <td data-label="未提出の行"><a href="{url}">'
            f'{org.outstanding} 件<span class="visually-hidden">（{label}の{document}）</span>'
            "</a></td>\n      </tr>\n      "
        )
    return mark_safe("".join(html))

from django import template

from cycle import selectors

register = template.Library()


@register.inclusion_tag("cycle/notices.html", takes_context=True)
def cycle_notices(context):
    """The home page's お知らせ: deadlines, returned rows, new comments, rows changed since the
    user last opened them, and unfinished rows of earlier periods still open."""
    request = context["request"]
    return {"notices": selectors.notices(request.user), "request": request}


@register.filter
def count_rows(section, document_label):
    """A reminder section's unsubmitted rows of one document (資料3 / 資料2)."""
    return section.count(document_label)

from django import template

from cycle import selectors

register = template.Library()


@register.inclusion_tag("cycle/notices.html", takes_context=True)
def cycle_notices(context):
    """The home page's お知らせ: deadlines, returned rows, new comments, rows changed since the
    user last opened them, and unfinished rows of earlier periods still open."""
    request = context["request"]
    return {"notices": selectors.notices(request.user), "request": request}

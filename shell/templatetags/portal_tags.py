import functools

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from core import wareki
from reporting.access import may_review_entries

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (keeps filters when paging)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.simple_tag
def page_url(name):
    """{% url name %} for a page whose URL has no arguments (the menu's, on every page),
    reversed once per process for each URLconf and script prefix: reversing the menu's links on
    every page cost as much as the rest of it."""
    return _reversed(name, get_urlconf(), get_script_prefix())


@functools.cache
def _reversed(name, urlconf, prefix):
    return reverse(name, urlconf=urlconf)


@register.filter
def era_month(date):
    return wareki.era_month_label(date) if date else ""


@register.filter
def era_date(date):
    return wareki.era_date_label(date) if date else ""


@register.filter
def era_datetime(value):
    """令和５年９月３日 14:05 in Tokyo time, as history lists write a moment."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{era_date(local.date())} {local:%H:%M}"


@register.filter
def is_reviewer(user):
    """The HQ (and the administrators): their home is 推進本部のトップ."""
    return may_review_entries(user)


@register.filter
def person(user):
    """How a user is named on the pages: full name, else login name; changes made by commands
    and the seed have no user."""
    if user is None:
        return "（システム）"
    return user.get_full_name() or user.get_username()


@register.filter
def clip(text, length):
    """The first `length` characters and an ellipsis (a cheap truncatechars for list cells)."""
    text = text or ""
    return text if len(text) <= length else f"{text[: length - 1]}…"

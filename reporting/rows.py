"""Pieces of the lists' table rows, built as plain strings: a list renders 50 rows on every
request its cache cannot answer (the first after a write), and the template engine's per-row
lookups and includes cost several times the rest of the page. The rows come as named tuples of
the columns they show (each document's selectors.LIST_COLUMNS), not model instances, whose
creation (five per row) cost more than building the HTML."""

from django.db.models import Count, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from core.escape import escape
from reporting.models import EntryState

_SENTINEL = 987654321
# The number of rows the filters leave, beside each row (a window count: the page and its total
# in one query). The lists' row queries carry it from the start (each document's
# selectors.list_rows_query, built once per process), and views.paginate reads it.
TOTAL_ROWS = {"total_rows": Window(Count("*"))}
STATE_LABELS = dict(EntryState.choices)


def detail_url(name):
    """A function pk -> the URL of the named detail page, reversed once rather than per row."""
    before, after = reverse(name, args=[_SENTINEL]).split(str(_SENTINEL))
    return lambda pk: f"{before}{pk}{after}"


def clip(text, length=140):
    """The first `length` characters and an ellipsis (portal_tags.clip)."""
    text = text or ""
    return text if len(text) <= length else f"{text[: length - 1]}…"


def updated(updated_at):
    """The row's data-updated attribute: the time of its last write (date:'c')."""
    return timezone.localtime(updated_at).isoformat() if updated_at else ""


def select_cell(pk, reference, version):
    """The HQ's checkbox and the version the list shows (for the bulk form, form="bulk-form")."""
    reference = escape(reference)
    return (
        f'<td class="select-cell"><label for="select-{pk}"><input type="checkbox"'
        f' name="selected" form="bulk-form" value="{pk}" id="select-{pk}"><span'
        f' class="visually-hidden">{reference} を選択</span></label><input type="hidden"'
        f' name="version-{pk}" form="bulk-form" value="{version}"></td>'
    )


def state(value):
    """includes/state.html"""
    return (
        f'<span class="state state--{escape(value)}">'
        f"{escape(STATE_LABELS.get(value, value))}</span>"
    )


def labels(values):
    return "<br>".join(escape(value) for value in values or ())


def body(html, *, columns):
    """The table's rows, or one that says no row matches the filter."""
    if not html:
        html = [f'<tr><td colspan="{columns}">条件に合う取組はありません。</td></tr>']
    return mark_safe("\n".join(html))

"""HTML escaping for the pages built as plain strings (the lists' rows, the filters' selects)."""

import html
import re

_SPECIAL = re.compile(r"[&<>\"']").search


def escape(value):
    """django.utils.html.escape without its lazy-string wrapper, which cost more than the
    escaping itself over the few hundred values of a list: the same characters, as a str. Most
    values have nothing to escape (numbers, Japanese text): one search finds that, where escaping
    replaces each of five characters in turn."""
    text = str(value)
    return html.escape(text) if _SPECIAL(text) else text

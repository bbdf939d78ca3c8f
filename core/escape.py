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


def escape_sql(expression):
    """escape() in SQL, of the SQL text `expression`: the same five characters replaced the
    same way (& first), for HTML that PostgreSQL writes (the filters' kept <option> lists)."""
    for character, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        expression = f"replace({expression}, '{character}', '{entity}')"
    return f"replace({expression}, '''', '&#x27;')"

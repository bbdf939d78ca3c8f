"""Cell values that a spreadsheet must never run as a formula.

documents/exports.py writes its workbooks cell by cell and protects risky cells with Excel's quote
prefix (a cell style), which a CSV file cannot carry. The flat exports of the admin (CSV and XLSX
through django-import-export) escape the value itself: a leading apostrophe, the form Excel and
LibreOffice take for "this is text". Both use the same list of risky first characters.
"""

# Excel (and any CSV made from the sheet) treats a cell starting with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

QUOTE = "'"


def escape_formula(value):
    """'=1+1 for =1+1 (and for + - @ tab CR); any other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return QUOTE + value
    return value


# XLSX keeps no CR (XML reads it back as LF), so an escaped leading CR comes back as '\n.
_ESCAPED_STARTS = (*FORMULA_TRIGGERS, "\n")


def unescape_formula(value):
    """The reverse of escape_formula, for reading an exported file back."""
    if isinstance(value, str) and value.startswith(QUOTE) and value[1:].startswith(_ESCAPED_STARTS):
        return value[1:]
    return value

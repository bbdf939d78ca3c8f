"""SQL twins of Python's text operations, for labels PostgreSQL writes as Python would: each is
tested against its Python original (tests/test_sql_labels.py)."""

# What str.strip() strips: the characters for which str.isspace() is true.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def literal(text):
    """`text` as an SQL string literal, every character escaped (E'\\uXXXX…'), so that neither
    quotes nor control characters reach the statement as they are."""
    return "E'" + "".join(f"\\u{ord(character):04X}" for character in text) + "'"


def strip(expression):
    """str.strip() of the SQL text `expression`."""
    return f"btrim({expression}, {literal(WHITESPACE)})"

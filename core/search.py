"""Keyword search that matches what people mean: full-width and half-width letters, digits and
symbols, and upper and lower case, are the same (「SSW」 finds 「ＳＳＷ」, 「令和5年」 finds
「令和５年」).

Both sides are NFKC-normalised and upper-cased: the column in SQL (PostgreSQL's normalize(),
which is immutable, so the trigram indexes are built on the same expression and still used), the
keyword in Python before Django escapes its LIKE wildcards (a full-width ％ becomes a plain %
that is matched literally).
"""

import unicodedata

from django.db.models import CharField, TextField, Transform


@CharField.register_lookup
@TextField.register_lookup
class NFKC(Transform):
    """`field__nfkc__icontains=...`: the field's text in Unicode NFKC form."""

    lookup_name = "nfkc"
    function = "normalize"
    template = "%(function)s(%(expressions)s, NFKC)"
    output_field = TextField()


def keyword(value):
    """The keyword as the columns are searched: NFKC, surrounding spaces removed."""
    return unicodedata.normalize("NFKC", value).strip()

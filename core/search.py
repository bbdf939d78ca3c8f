"""Keyword search that matches what people mean: full-width and half-width letters, digits and
symbols, and upper and lower case, are the same (「SSW」 finds 「ＳＳＷ」, 「令和5年」 finds
「令和５年」).

Both sides are NFKC-normalised and upper-cased: the column in SQL (PostgreSQL's normalize(),
then UPPER()), the keyword in Python (NFKC) before Django escapes its LIKE wildcards (a
full-width ％ becomes a plain % that is matched literally) and in SQL (UPPER(), as the column).

Normalising cost PostgreSQL more than the rest of a list's query (10 ms of 12 for the period's
資料3 rows at 100×, a keyword too short for the trigram index), so the searched columns keep
their folded text beside them: `<column>_search`, a column PostgreSQL computes itself on every
write (GENERATED ALWAYS … STORED, added by `search_column_sql` in each app's migrations), so no
writer of the app — page, import, admin, raw SQL — maintains it or can forget it. The models do
not declare these columns: Django would then name them in the bulk writers' UPDATEs, which
PostgreSQL refuses for a generated column. `field__matches=keyword` reads the stored column of
a field in SEARCH_COLUMNS and folds any other field on the fly: the same rows either way.
"""

import unicodedata

from django.db.models import CharField, TextField, Transform
from django.db.models.expressions import Col
from django.db.models.lookups import Contains

# (table, column) whose folded text is stored in `<column>_search`.
SEARCH_COLUMNS = {
    ("initiatives_progressentry", "results"),
    ("initiatives_progressentry", "plans"),
    ("recommendations_action", "text"),
    ("recommendations_policy", "text"),
    ("recommendations_implementationstatus", "text"),
    ("departments_organization", "label"),
}


def folded_sql(column):
    """The folded text of `column` (SQL): what the stored column holds and the keyword meets."""
    return f"UPPER(normalize({column}, NFKC))"


def search_column_sql(table, column, index=None):
    """The migration's SQL that adds `<column>_search` to `table` (and, named `index`, its
    trigram index for keywords of three characters or more), and the SQL that removes it."""
    stored = f"{column}_search"
    forward = [
        f"ALTER TABLE {table} ADD COLUMN {stored} text"
        f" GENERATED ALWAYS AS ({folded_sql(column)}) STORED"
    ]
    if index:
        forward.append(f"CREATE INDEX {index} ON {table} USING gin ({stored} gin_trgm_ops)")
    return forward, [f"ALTER TABLE {table} DROP COLUMN {stored}"]


@CharField.register_lookup
@TextField.register_lookup
class NFKC(Transform):
    """`field__nfkc__…`: the field's text in Unicode NFKC form (kept for the migrations that
    built the first trigram indexes on it)."""

    lookup_name = "nfkc"
    function = "normalize"
    template = "%(function)s(%(expressions)s, NFKC)"
    output_field = TextField()


@CharField.register_lookup
@TextField.register_lookup
class Matches(Contains):
    """`field__matches=keyword(value)`: the field's folded text contains the keyword's, as
    `UPPER(normalize(field, NFKC)) LIKE UPPER('%value%')` — from the stored column where the
    field has one."""

    lookup_name = "matches"

    def process_lhs(self, compiler, connection, lhs=None):
        lhs = self.lhs if lhs is None else lhs
        if isinstance(lhs, Col):
            target = lhs.target
            if (target.model._meta.db_table, target.column) in SEARCH_COLUMNS:
                stored = f"{target.column}_search"
                identifiers = (lhs.alias, stored) if lhs.alias else (stored,)
                return ".".join(map(compiler.quote_name_unless_alias, identifiers)), []
        sql, params = compiler.compile(lhs)
        return folded_sql(sql), list(params)

    def get_rhs_op(self, connection, rhs):
        return f"LIKE UPPER({rhs})"


def keyword(value):
    """The keyword as the columns are searched: NFKC, surrounding spaces removed."""
    return unicodedata.normalize("NFKC", value).strip()

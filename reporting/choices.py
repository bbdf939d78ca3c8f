"""The choice lists of the list filters (categories, sub-classes, sections…): written whole by
PostgreSQL, kept in the database as they change, and in the cache.

A FilterSet's lists are one statement (`statement`): PostgreSQL labels every choice (the SQL twins
of the models' label functions, tested against them) and writes each list's <option> elements
(as core.widgets.FastSelect writes them). Its result is kept in `portal_filterchoices`
(core/migrations/0005): written after each migrate (`keep_all`) and again by the statement itself
as a transaction that changed a table it reads commits (the tables' triggers mark it stale, a
deferred trigger writes it), so a list page reads every list of its form with one lookup by key;
a statement not kept (the code changed since the last migrate) or stale (read by the transaction
that changed its tables, before it commits) is run instead. Read as rows and labelled, escaped
and rendered in Python on every list request the cache could not answer, ten times the policies
and departments cost the 資料2 list a tenth of its time.

In the cache they are kept under the master data's revision (core.models.ListRevision), so any
write to the tables they come from retires them, and the saves of deadline week do not."""

import functools
import hashlib
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from core.escape import escape_sql
from core.models import ListRevision

TIMEOUT = 600


def cached(name, build, master=None):
    """`build()`, or its value kept since the data last changed. `master`: the master data's
    revision if the caller has read it already (a list page reads it with its own key)."""
    # A key for each: a list page reads the periods before its filters' lists, and keeping both
    # under one key had it store the periods twice and read them back in between.
    key = f"filter-choices:{ListRevision.master() if master is None else master}:{name}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TIMEOUT)
    return value


@dataclass(frozen=True)
class ChoiceSource:
    """A choice list in SQL: each of the `rows` (FROM …, WHERE … if need be) gives a choice of
    `value` (an integer) and `label`, in the order of `order` (the model's Meta.ordering)."""

    value: str
    label: str
    rows: str
    order: str


class ChoiceList:
    """A choice list as PostgreSQL wrote it: its (value, label) pairs as JSON, read only if the
    list is gone through (a chosen value checked), and its <option> elements, none selected
    (`options`), which a FastSelect shows as they are. Two strings: kept in the cache, they are
    stored and read back at once, where a few hundred tuples were pickled one by one."""

    def __init__(self, pairs, options):
        self.pairs = pairs
        self.options = options

    def __reduce__(self):
        return ChoiceList, (self.pairs, self.options)

    @functools.cached_property
    def choices(self):
        return [tuple(pair) for pair in json.loads(self.pairs)]

    def __iter__(self):
        return iter(self.choices)

    def __len__(self):
        return len(self.choices)


def _list_sql(source):
    """One row of the list's pairs (JSON) and <option> elements; none, nothing ('[]', '')."""
    option = f"""'<option value="' || {escape_sql("value::text")} || '">'
        || {escape_sql("label")} || '</option>'"""
    return f"""SELECT
        coalesce(json_agg(json_build_array(value, label) ORDER BY position), '[]')::text,
        coalesce(string_agg({option}, '' ORDER BY position), '')
    FROM (
        SELECT {source.value} AS value, {source.label} AS label,
            row_number() OVER (ORDER BY {source.order}) AS position
        FROM {source.rows}
    ) choices"""


def statement(sources):
    """The SQL of every list of `sources` ({name: ChoiceSource}) as one array: the pairs and the
    options of each, in their order."""
    lists = [
        f"({_list_sql(source)}) AS list{n}(pairs, options)"
        for n, source in enumerate(sources.values())
    ]
    columns = ", ".join(f"list{n}.pairs, list{n}.options" for n in range(len(sources)))
    return f"SELECT ARRAY[{columns}] FROM {' CROSS JOIN '.join(lists)}"


def key(sql):
    """The key of a statement's lists in portal_filterchoices (core/migrations/0005)."""
    return hashlib.md5(sql.encode(), usedforsecurity=False).hexdigest()


def reading(sql):
    """The SQL that reads the lists of the statement `sql` as kept, one row each (in its order),
    or, not kept (the code changed since the last migrate), as `sql` writes them now."""
    kept = f"SELECT lists FROM portal_filterchoices WHERE key = '{key(sql)}' AND NOT stale"
    return f"SELECT unnest(coalesce(({kept}), ({sql})))"


def load(sources, sql=None):
    """{name: ChoiceList} of `sources`, in one query (`sql`: their reading(statement()))."""
    with connection.cursor() as cursor:
        cursor.execute(sql or reading(statement(sources)))
        texts = [text for (text,) in cursor.fetchall()]
    return {name: ChoiceList(texts[2 * n], texts[2 * n + 1]) for n, name in enumerate(sources)}


# The statements of the FilterSets' lists (reporting.filters.PeriodFilterSet registers them).
statements = set()


def keep_all(using=DEFAULT_DB_ALIAS, **kwargs):
    """Write and keep the lists of every statement registered, and only those (after each
    migrate: the tables' triggers write them again whenever their data change)."""
    from django.utils.module_loading import autodiscover_modules

    database = connections[using]
    if "portal_filterchoices" not in database.introspection.table_names():
        return  # migrated back before core/migrations/0005
    autodiscover_modules("filters")  # every document's FilterSet, which registers its lists
    keys = {key(sql): sql for sql in statements}
    with transaction.atomic(using=using), database.cursor() as cursor:
        cursor.execute("DELETE FROM portal_filterchoices WHERE NOT key = ANY(%s)", [list(keys)])
        cursor.executemany(
            """INSERT INTO portal_filterchoices (key, statement, lists, stale)
            VALUES (%s, %s, '{}', true) ON CONFLICT (key) DO NOTHING""",
            list(keys.items()),
        )
        # Each written by a statement of its own, taken once a writer of the tables (who holds
        # the rows as it marks them stale) has committed: it reads that writer's changes.
        cursor.execute("SELECT key FROM portal_filterchoices FOR UPDATE")
        for kept, sql in keys.items():
            cursor.execute(
                f"UPDATE portal_filterchoices SET lists = ({sql}), stale = false WHERE key = %s",
                [kept],
            )

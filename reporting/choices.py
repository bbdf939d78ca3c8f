"""The choice lists of the list filters (categories, sub-classes, sections…), kept in the cache.

They change a few times a year but cost a query on every list request. The key carries the
master data's revision (core.models.ListRevision), so any write to the tables they come from
retires them, and the saves of deadline week do not.

PostgreSQL writes each list whole, in one statement for all the lists of a filter form: every
choice's label (the same text as the models' label functions, by their SQL twins) and the
<option> elements of the list (as core.widgets.FastSelect writes them). Read as rows and labelled,
escaped and rendered in Python, a list cost its page a few microseconds per choice, on every
request the cache could not answer: with ten times the policies and departments, a tenth of the
資料2 list's time."""

import functools
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection

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
    """The SQL of every list of `sources` ({name: ChoiceSource}) in one row: a pair of columns
    for each, in their order."""
    lists = [
        f"({_list_sql(source)}) AS list{n}(pairs, options)"
        for n, source in enumerate(sources.values())
    ]
    columns = ", ".join(f"list{n}.pairs, list{n}.options" for n in range(len(sources)))
    return f"SELECT {columns} FROM {' CROSS JOIN '.join(lists)}"


def load(sources, sql=None):
    """{name: ChoiceList} of `sources`, in one query (`sql`: their statement(), if made)."""
    with connection.cursor() as cursor:
        cursor.execute(sql or statement(sources))
        row = cursor.fetchone()
    return {name: ChoiceList(row[2 * n], row[2 * n + 1]) for n, name in enumerate(sources)}

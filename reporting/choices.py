"""The choice lists of the list filters (categories, sub-classes, sections…), kept in the cache.

They change a few times a year but cost a query each on every list request. The key carries the
master data's revision (core.models.ListRevision), so any write to the tables they come from
retires them, and the saves of deadline week do not."""

from django.core.cache import cache

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

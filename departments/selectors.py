"""Reads of organisations shared by both documents' lists."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef


def organization_labels(through, owner):
    """The labels of the organisations a row's `owner` (initiative, action) is linked to
    through `through`, in the documents' order, as one array within the row's own query. An
    ARRAY(SELECT …) rather than an aggregate: PostgreSQL reads the row's few organisations by
    their key instead of hashing every organisation for each row (which grew with the city)."""
    return ArraySubquery(
        through.objects.filter(**{owner: OuterRef(owner)})
        .order_by("organization__sort_order", "organization__label")
        .values("organization__label")
    )

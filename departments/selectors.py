"""Reads of organisations shared by both documents' lists."""

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import OuterRef, Subquery


def organization_labels(through, owner):
    """The labels of the organisations a row's `owner` (initiative, action) is linked to
    through `through`, in the documents' order, as one array within the row's own query."""
    return Subquery(
        through.objects.filter(**{owner: OuterRef(owner)})
        .order_by()
        .values(owner)
        .annotate(
            labels=ArrayAgg(
                "organization__label", order_by=("organization__sort_order", "organization__label")
            )
        )
        .values("labels")
    )

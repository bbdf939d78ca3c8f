"""Reads of organisations shared by both documents' lists."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Subquery

from departments.models import Organization


def organization_labels(through, owner):
    """The labels of the organisations a row's `owner` (initiative, action) is linked to
    through `through`, in the documents' order, as one array within the row's own query. Each
    organisation is looked up by its key (a subquery per link): as a join, PostgreSQL hashed
    every organisation for each row (2.2 ms for a page of 50 rows at 100×, 0.6 ms now)."""
    organization = Organization.objects.filter(pk=OuterRef("organization_id")).order_by()
    return ArraySubquery(
        through.objects.filter(**{owner: OuterRef(owner)})
        .annotate(
            organization_sort=Subquery(organization.values("sort_order")[:1]),
            organization_label=Subquery(organization.values("label")[:1]),
        )
        .order_by("organization_sort", "organization_label")
        .values("organization_label")
    )

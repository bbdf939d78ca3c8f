"""Reads of organisations shared by both documents' lists."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, Lookup, OuterRef

from departments.models import Organization


class EqualsAny(Lookup):
    """`lhs = ANY(rhs)`, rhs an array."""

    lookup_name = "equals_any"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def organization_labels(through, owner):
    """The labels of the organisations a row's `owner` (initiative, action) is linked to
    through `through`, in the documents' order, as one array within the row's own query: the
    organisations whose key is among the row's links (`id = ANY(ARRAY(…))`), one lookup per
    row. A scalar subquery per link and column took two lookups per link, each a scan of every
    organisation; as a join, PostgreSQL hashed every organisation for each row."""
    linked = through.objects.filter(**{owner: OuterRef(OuterRef(owner))}).values("organization_id")
    return ArraySubquery(
        Organization.objects.filter(EqualsAny(F("pk"), ArraySubquery(linked)))
        .order_by("sort_order", "label")
        .values("label")
    )

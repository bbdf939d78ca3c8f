"""The 担当部 (資料2) and 担当課 (資料3) filters offer exactly the organisations that answer for
some row, once each, in the organisations' order (表示順, then name)."""

import pytest

from departments.models import Organization
from initiatives.models import Initiative
from recommendations.models import Action
from reporting import choices
from reporting.filters import organizations_with

pytestmark = pytest.mark.django_db


def offered(rows):
    """The choices of organizations_with(rows), as a filter's list reads them."""
    return list(choices.load({"organizations": organizations_with(rows)})["organizations"])


def expected(linked_pks):
    organizations = Organization.objects.filter(pk__in=linked_pks)
    return [(o.pk, o.label) for o in sorted(organizations, key=lambda o: (o.sort_order, o.label))]


@pytest.mark.parametrize(
    "rows, through",
    [("actions", Action.departments.through), ("initiatives", Initiative.sections.through)],
)
def test_the_choices_are_the_linked_organisations_once_each_in_their_order(rows, through):
    linked = set(through.objects.values_list("organization_id", flat=True))
    assert len(linked) < Organization.objects.count()  # some answer for none of them
    assert offered(rows) == expected(linked)


def test_an_organisation_is_offered_once_it_answers_for_a_row_and_in_its_new_place():
    unlinked = Organization.objects.exclude(actions__isnull=False).order_by("pk").first()
    assert unlinked.pk not in dict(offered("actions"))
    Action.objects.order_by("pk").first().departments.add(unlinked)
    Organization.objects.filter(pk=unlinked.pk).update(sort_order=0)
    choices = offered("actions")
    linked = set(Action.departments.through.objects.values_list("organization_id", flat=True))
    assert choices == expected(linked)
    assert sum(pk == unlinked.pk for pk, _ in choices) == 1

"""Each list row names its organisations (資料2: 担当部, 資料3: 担当課) in the organisations' own
order — 表示順, then name — whatever order they were linked in, on both lists and the home page,
and follows a change of that order at once."""

import pytest
from django.db.models import Count

from departments.models import Organization
from initiatives import selectors as initiative_selectors
from initiatives.models import Initiative, ProgressEntry
from recommendations import selectors as recommendation_selectors
from recommendations.models import Action, ActionReport

pytestmark = pytest.mark.django_db


def in_organization_order(organizations):
    return [o.label for o in sorted(organizations, key=lambda o: (o.sort_order, o.label))]


def reverse_sort_orders(organizations):
    """Give the organisations 表示順 in the reverse of their current order (distinct values)."""
    ordered = sorted(organizations, key=lambda o: (o.sort_order, o.label))
    for position, organization in enumerate(reversed(ordered)):
        Organization.objects.filter(pk=organization.pk).update(sort_order=900 + position)


def report_row(report):
    rows = recommendation_selectors.list_rows_query().all().filter(pk=report.pk)
    return rows.get()


def entry_row(entry):
    return initiative_selectors.list_rows_query().all().filter(pk=entry.pk).get()


def test_a_shiryo2_row_lists_its_departments_in_the_organisations_order():
    action = Action.objects.annotate(n=Count("departments")).filter(n__gte=2).order_by("pk").first()
    report = ActionReport.objects.filter(action=action).first()
    departments = list(action.departments.all())
    before = report_row(report).department_labels
    assert before == in_organization_order(departments)

    reverse_sort_orders(departments)

    assert report_row(report).department_labels == list(reversed(before))


def test_a_shiryo3_row_lists_its_sections_in_the_organisations_order_and_by_name_on_a_tie():
    initiative = (
        Initiative.objects.annotate(n=Count("sections")).filter(n__gte=2).order_by("pk").first()
    )
    entry = ProgressEntry.objects.filter(initiative=initiative).first()
    sections = list(initiative.sections.all())
    reverse_sort_orders(sections)
    sections = list(Organization.objects.filter(pk__in=[s.pk for s in sections]))
    assert entry_row(entry).section_labels == in_organization_order(sections)

    # The same 表示順 for all: by name.
    Organization.objects.filter(pk__in=[s.pk for s in sections]).update(sort_order=5)
    assert entry_row(entry).section_labels == sorted(s.label for s in sections)


def test_the_labels_are_those_of_the_rows_own_organisations_only():
    for report in ActionReport.objects.filter(period__code="R5H1").select_related("action")[:40]:
        departments = list(report.action.departments.all())
        assert report_row(report).department_labels == in_organization_order(departments)
    for entry in ProgressEntry.objects.filter(period__code="R5H1").select_related("initiative")[
        :40
    ]:
        sections = list(entry.initiative.sections.all())
        assert entry_row(entry).section_labels == in_organization_order(sections)

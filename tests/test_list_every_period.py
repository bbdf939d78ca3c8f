"""The list of every period (a period that is no choice) shows each period's row under each
reference, the newest period first, and its pages show every row once: PostgreSQL sorts rows
of equal keys in no fixed order, so without a last key a row could appear on two pages and
another on none."""

import datetime
import itertools

import pytest
from django.urls import reverse

from initiatives.models import Initiative, ProgressEntry
from recommendations.models import ActionReport
from reporting.models import ReportingPeriod
from reporting.views import PAGE_SIZE

pytestmark = pytest.mark.django_db


def every_page(client, url):
    """The pks of every row of the list of every period, page by page, in order."""
    shown, number = [], 1
    while True:
        response = client.get(url, {"period": "XXX", "page": number})
        assert response.status_code == 200
        page = response.context["page"]
        shown += [row.pk for row in page.object_list]
        if not page.has_next():
            return shown
        number += 1


def assert_each_row_once_newest_period_first(shown, rows, reference):
    assert len(shown) == len(set(shown)) == len(rows)
    assert set(shown) == set(rows)
    for before, after in itertools.pairwise(shown):
        if reference(rows[before]) == reference(rows[after]):
            assert rows[before].period.results_until >= rows[after].period.results_until
            if rows[before].period.results_until == rows[after].period.results_until:
                assert before < after


def test_shiryo2_list_of_every_period_shows_each_report_once_newest_period_first(client, honbu):
    rows = ActionReport.objects.select_related("period", "action").in_bulk()
    assert len(rows) > PAGE_SIZE and len({r.period_id for r in rows.values()}) > 1
    client.force_login(honbu)
    shown = every_page(client, reverse("recommendations:list"))
    assert_each_row_once_newest_period_first(shown, rows, lambda r: r.action_id)


def test_shiryo3_list_of_every_period_shows_each_entry_once_newest_period_first(
    client, honbu, period
):
    earlier = ReportingPeriod.objects.create(
        code="R4H2",
        name="令和４年度下半期",
        results_until=period.results_until - datetime.timedelta(days=180),
        plans_from=period.plans_from - datetime.timedelta(days=180),
    )
    ProgressEntry.objects.bulk_create(
        ProgressEntry(period=earlier, initiative=initiative)
        for initiative in Initiative.objects.all()
    )
    rows = ProgressEntry.objects.select_related("period").in_bulk()
    assert len(rows) > PAGE_SIZE
    client.force_login(honbu)
    shown = every_page(client, reverse("initiatives:list"))
    assert_each_row_once_newest_period_first(shown, rows, lambda r: r.initiative_id)
    # Under each reference, this period's row before the earlier one's.
    first = shown.index(next(pk for pk in shown if rows[pk].period == period))
    assert rows[shown[first + 1]].period == earlier

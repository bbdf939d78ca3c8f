"""The 担当部ごと chart and table when there are more departments than the dashboard shows:
those with the most actions still to consider (区分Ｃ・Ｄ) first, the total over every action,
and every department on its own paged page, counted here straight from the rows."""

import re
from collections import Counter, defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.views import DEPARTMENTS_SHOWN
from departments.models import Organization
from operations.synthetic import multiply_seed
from recommendations.models import Action, ImplementationStatus
from tests.pagetables import table

pytestmark = pytest.mark.django_db

LETTERS = ["A", "B", "C", "D"]
TOTAL = "合計（取組ごとに１回）"


def expected_departments(scope=None):
    """(label, counts per 区分, actions) of every department of the actions in scope, in the
    order shown: the most actions of 区分Ｃ・Ｄ first, then the most actions, then the
    organisations' order."""
    letters = defaultdict(set)
    for status in ImplementationStatus.objects.filter(report__period__code="R5H1").select_related(
        "report"
    ):
        letters[status.report.action_id].add(status.classification)
    counts, actions = defaultdict(Counter), defaultdict(int)
    organizations = Organization.objects.in_bulk()
    for action in Action.objects.filter(repost_of=None).prefetch_related("departments"):
        departments = list(action.departments.all())
        # Section staff see the actions one of their departments answers for, under each of
        # the action's departments (as everywhere on the dashboard).
        if scope is None or {d.pk for d in departments} & scope:
            for department in departments:
                counts[department.pk].update(letters[action.pk])
                actions[department.pk] += 1
    order = sorted(
        counts,
        key=lambda pk: (
            -(counts[pk]["C"] + counts[pk]["D"]),
            -actions[pk],
            organizations[pk].sort_order,
            organizations[pk].label,
        ),
    )
    return [
        (organizations[pk].label, [counts[pk][x] for x in LETTERS], actions[pk]) for pk in order
    ]


def shown(html, caption):
    """The table's department rows and its total row."""
    rows = [
        (label, [int(n) for n in numbers], int(actions))
        for label, *numbers, actions, _ in table(html, caption)[1:]
    ]
    assert rows[-1][0] == TOTAL
    return rows[:-1], rows[-1]


def get(client, user, name, **params):
    client.force_login(user)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response.content.decode()


def expected_total():
    letters = defaultdict(set)
    for status in ImplementationStatus.objects.filter(report__period__code="R5H1").select_related(
        "report"
    ):
        letters[status.report.action_id].add(status.classification)
    originals = list(Action.objects.filter(repost_of=None).values_list("pk", flat=True))
    counted = Counter(x for pk in originals for x in letters[pk])
    return (TOTAL, [counted[x] for x in LETTERS], len(originals))


def test_the_dashboard_shows_the_departments_with_most_to_consider_and_the_total_of_all(
    client, honbu
):
    multiply_seed(3)
    expected = expected_departments()
    assert len(expected) > DEPARTMENTS_SHOWN

    html = get(client, honbu, "dashboard:index")

    rows, total = shown(html, "担当部ごとの区分の件数")
    assert rows == expected[:DEPARTMENTS_SHOWN]
    assert total == expected_total()
    # The chart has a bar for each department in the table, and no more.
    chart = html.split('id="chart-departments"', 1)[1].split("</svg>", 1)[0]
    assert re.findall(r"<g><text[^>]*><title>([^<]+)</title>", chart) == [r[0] for r in rows]
    part = html.split("<h3>担当部ごと</h3>", 1)[1].split("<svg", 1)[0]
    text = re.sub(r"<[^>]+>", "", part)
    assert f"{len(expected)} 部のうち、区分Ｃ・Ｄ" in text
    assert f"多い {DEPARTMENTS_SHOWN} 部を表示しています" in text
    assert f"すべての担当部の区分の件数（{len(expected)} 部）" in text
    assert f'href="{reverse("dashboard:departments")}?period=R5H1"' in part


def test_the_full_departments_page_shows_every_department_a_page_at_a_time(client, honbu):
    multiply_seed(6)
    expected = expected_departments()
    assert len(expected) > 50

    first = get(client, honbu, "dashboard:departments")
    second = get(client, honbu, "dashboard:departments", page=2)

    rows1, total1 = shown(first, "担当部ごとの区分の件数（すべて）")
    rows2, total2 = shown(second, "担当部ごとの区分の件数（すべて）")
    assert rows1 + rows2 == expected
    assert len(rows1) == 50
    assert total1 == total2 == expected_total()
    assert f"{len(expected)} 件中 1〜50 件目" in first


def test_section_staff_see_only_their_own_departments_on_the_full_page(client, jisou):
    from accounts.roles import organization_ids

    multiply_seed(2)
    expected = expected_departments(scope=set(organization_ids(jisou)))
    assert expected
    html = get(client, jisou, "dashboard:departments")
    assert shown(html, "（すべて）")[0] == expected
    assert "自分の課・部の担当分だけを表示しています" in html
    assert all("mine=true" in url for url in re.findall(r'href="(/shiryo2/[^"]+)"', html))


def test_the_full_departments_page_takes_no_more_queries_at_ten_times_the_data(
    client, honbu, django_assert_max_num_queries
):
    client.force_login(honbu)
    with CaptureQueriesContext(connection) as at_seed:
        assert client.get(reverse("dashboard:departments")).status_code == 200
    multiply_seed(10)
    with django_assert_max_num_queries(len(at_seed)):
        assert client.get(reverse("dashboard:departments"), {"page": 2}).status_code == 200

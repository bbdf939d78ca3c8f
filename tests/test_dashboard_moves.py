"""The moves between periods when many actions change 区分: the dashboard names the first ones
of each change and counts them all, and links to a paged page of every action of that change,
found here row by row."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.views import MOVES_SHOWN, PER_PAGE
from operations.synthetic import multiply_seed
from recommendations.models import Action, ActionReport, ImplementationStatus
from tests.pagetables import table

pytestmark = pytest.mark.django_db


def get(client, user, name, **params):
    client.force_login(user)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response.content.decode()


def move_every_action(before="D", after="A", departments=None):
    """Every action with a report in both periods goes from `before` to `after` (its
    department's only, when given); returns their references in the document's order."""
    moved = []
    actions = Action.objects.filter(repost_of=None).order_by(
        "policy__chapter__number", "policy__number", "number"
    )
    for action in actions:
        old = ActionReport.objects.filter(period__code="R2-05", action=action).first()
        new = ActionReport.objects.filter(period__code="R5H1", action=action).first()
        if old and new:
            for report, letter in ((old, before), (new, after)):
                report.statuses.all().delete()
                ImplementationStatus.objects.create(
                    report=report, position=1, text="段落", classification=letter
                )
            if departments is None or set(action.departments.all()) & departments:
                moved.append(action.reference)
    return moved


def moves_page(client, user, change):
    """The references on every page of the moves page, in turn."""
    shown, number = [], 1
    while True:
        html = get(client, user, "dashboard:moves", change=change, page=number)
        rows = table(html, f"区分が {change[0]}→{change[2]} に変わった取組".translate(WIDE))
        shown += [reference for reference, _ in rows[1:]]
        if "次のページ" not in html:
            return shown
        number += 1


WIDE = str.maketrans("ABCD", "ＡＢＣＤ")


def test_a_change_of_many_actions_names_the_first_ones_and_counts_them_all(client, honbu):
    moved = move_every_action()
    assert len(moved) > MOVES_SHOWN

    html = get(client, honbu, "dashboard:index")

    rows = table(html, "区分が変わった取組")[1:]
    assert len(rows) == 1
    change, count, names = rows[0]
    assert change == "D→A" and int(count) == len(moved)
    names, _, note = names.partition("（")
    assert names.strip().split("、") == moved[:MOVES_SHOWN]
    assert note == (
        f"{len(moved)} 件のうち、資料の順に最初の {MOVES_SHOWN} 件を表示しています。"
        f"D→A のすべての取組（{len(moved)} 件））"
    )
    link = re.search(r'<a href="([^"]+)">D→A のすべての取組', html)[1]
    assert unescape(link) == reverse("dashboard:moves") + "?period=R5H1&change=D-A"


def test_the_moves_page_lists_every_action_of_a_change_a_page_at_a_time(client, honbu):
    multiply_seed(2)
    moved = move_every_action()
    assert len(moved) > PER_PAGE

    assert moves_page(client, honbu, "D-A") == moved
    first = get(client, honbu, "dashboard:moves", change="D-A")
    assert f"{len(moved)} 件中 1〜{PER_PAGE} 件目" in first
    # A page past the last shows the last.
    pages = (len(moved) - 1) // PER_PAGE + 1
    last = get(client, honbu, "dashboard:moves", change="D-A", page=99)
    assert f"{pages} / {pages} ページ" in last
    assert len(table(last, "に変わった取組")) - 1 == len(moved) - (pages - 1) * PER_PAGE
    # A change no action made: none.
    none = get(client, honbu, "dashboard:moves", change="A-D")
    assert "<p>0 件</p>" in none and "<caption>" not in none


def test_section_staff_see_only_their_own_actions_moves(client, jisou):
    mine = set(jisou.organizations.all())
    moved = move_every_action(departments=mine)
    assert 0 < len(moved) < len(move_every_action())
    assert moves_page(client, jisou, "D-A") == moved


@pytest.mark.parametrize("change", ["", "A-A", "X-A", "A-", "AB-C", "a-b"])
def test_a_change_that_is_not_two_different_classifications_is_not_found(client, honbu, change):
    client.force_login(honbu)
    assert client.get(reverse("dashboard:moves"), {"change": change}).status_code == 404


def test_a_period_without_one_before_has_nothing_to_compare(client, honbu):
    html = get(client, honbu, "dashboard:moves", change="B-A", period="R2-05")
    assert "前の期間がないため、比較できません。" in html


def test_the_moves_page_takes_no_more_queries_at_ten_times_the_data(
    client, honbu, django_assert_max_num_queries
):
    move_every_action()
    client.force_login(honbu)
    with CaptureQueriesContext(connection) as at_seed:
        assert client.get(reverse("dashboard:moves"), {"change": "D-A"}).status_code == 200
    multiply_seed(10)
    with django_assert_max_num_queries(len(at_seed)):
        assert client.get(reverse("dashboard:moves"), {"change": "D-A"}).status_code == 200

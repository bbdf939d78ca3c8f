"""The submission tracker when there are more sections and departments than the dashboard
shows: the most behind first on the dashboard, every row on its own paged page, counted here
straight from the rows."""

import re
from collections import Counter, defaultdict
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.views import PER_PAGE, TRACKER_SHOWN
from departments.models import Organization
from initiatives.models import ProgressEntry
from operations.synthetic import multiply_seed
from recommendations.models import ActionReport
from reporting.models import EntryState
from tests.pagetables import table

pytestmark = pytest.mark.django_db

STATES = list(EntryState)
DONE = {EntryState.SUBMITTED, EntryState.APPROVED}


def grown(factor=3):
    """The seed grown (copied sections and departments), with the current period's rows in
    states that differ from section to section."""
    multiply_seed(factor)
    for model in (ProgressEntry, ActionReport):
        rows = list(model.objects.filter(period__code="R5H1").order_by("pk"))
        for index, row in enumerate(rows):
            # Steps of 3 and 7 over the five states: each organisation gets its own mix.
            state = STATES[(index * 3 + index // 7) % len(STATES)]
            model.objects.filter(pk=row.pk).update(state=state)


def expected_rows(scope=None):
    """Every (document, organisation) with its entries per state, in the order the HQ reads
    them: the most outstanding first, 資料3 before 資料2 when as many, then the organisations'
    order."""
    counts = defaultdict(Counter)
    entries = ProgressEntry.objects.filter(period__code="R5H1")
    for entry in entries.prefetch_related("initiative__sections"):
        for section in entry.initiative.sections.all():
            counts[("資料3", section.pk)][entry.state] += 1
    reports = ActionReport.objects.filter(period__code="R5H1")
    for report in reports.prefetch_related("action__departments"):
        for department in report.action.departments.all():
            counts[("資料2", department.pk)][report.state] += 1
    organizations = Organization.objects.in_bulk()

    def outstanding(counter):
        return sum(n for state, n in counter.items() if state not in DONE)

    keys = [k for k in counts if scope is None or k[1] in scope]
    keys.sort(
        key=lambda k: (
            -outstanding(counts[k]),
            k[0] != "資料3",
            organizations[k[1]].sort_order,
            organizations[k[1]].label,
            k[1],
        )
    )
    return [
        (document, organizations[pk].label, [counts[(document, pk)][s] for s in STATES])
        for document, pk in keys
    ]


def shown_rows(html, caption):
    """The tracker table's rows as (document, organisation, numbers per state)."""
    rows = table(html, caption)
    assert rows[0][2:-1] == [state.label for state in STATES]
    shown = []
    for document, organization, *numbers, total in rows[1:]:
        label = organization.partition(" 期限超過 ")[0]
        assert int(total) == sum(map(int, numbers))
        shown.append((document, label, [int(n) for n in numbers]))
    return shown


def get(client, user, name, **params):
    client.force_login(user)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response.content.decode()


def full_tracker(client, user):
    """Every page of the full tracker, in turn."""
    rows, number = [], 1
    while True:
        html = get(client, user, "dashboard:tracker", page=number)
        rows += shown_rows(html, "課・部ごとの報告の状態（すべて）")
        if "次のページ" not in html:
            return rows
        number += 1


def test_the_dashboard_shows_the_most_behind_first_and_links_to_every_row(client, honbu):
    grown()
    expected = expected_rows()
    assert len(expected) > PER_PAGE > TRACKER_SHOWN  # more than a page, and than the dashboard
    behind = sum(1 for _, _, numbers in expected if sum(numbers) > numbers[2] + numbers[4])

    html = get(client, honbu, "dashboard:index")

    assert shown_rows(html, "課・部ごとの報告の状態") == expected[:TRACKER_SHOWN]
    section = html.split('id="tracker-heading"', 1)[1].split("</section>", 1)[0]
    text = re.sub(r"<[^>]+>", "", section)
    assert f"{len(expected)} 件（課・部と資料の組）のうち、未提出" in text
    assert f"多い {TRACKER_SHOWN} 件を表示しています" in text
    assert f"未提出のある課・部は {behind} 件です" in text
    link = re.search(r'<a href="([^"]+)">すべての課・部の提出状況（(\d+) 件）</a>', section)
    assert int(link[2]) == len(expected)
    assert unescape(link[1]) == reverse("dashboard:tracker") + "?period=R5H1"


def test_the_full_tracker_pages_through_every_row_in_the_same_order(client, honbu):
    grown()
    expected = expected_rows()

    assert full_tracker(client, honbu) == expected
    first = get(client, honbu, "dashboard:tracker")
    assert f"{len(expected)} 件中 1〜{PER_PAGE} 件目" in first
    assert len(shown_rows(first, "（すべて）")) == PER_PAGE


def test_a_page_past_the_last_or_not_a_number_shows_the_last_or_the_first(client, honbu):
    grown()
    expected = expected_rows()
    last = (len(expected) - 1) // PER_PAGE + 1
    past = get(client, honbu, "dashboard:tracker", page=last + 5)
    assert shown_rows(past, "（すべて）") == expected[(last - 1) * PER_PAGE :]
    assert f"{last} / {last} ページ" in past
    for page in ("abc", "0", "-3"):
        html = get(client, honbu, "dashboard:tracker", page=page)
        assert shown_rows(html, "（すべて）") == expected[:PER_PAGE], page


def test_each_number_on_the_full_tracker_links_to_a_list_with_as_many_rows(client, honbu):
    grown(2)
    html = get(client, honbu, "dashboard:tracker", page=2)
    links = re.findall(r'<td><a href="([^"]+)">(\d+)</a></td>', html)
    assert len(links) > 10
    for url, count in links[:12]:
        listed = client.get(unescape(url)).context["page"].paginator.count
        assert listed == int(count), url


def test_section_staff_see_only_their_own_sections_on_the_full_tracker(client, hogo, jisou):
    from accounts.roles import organization_ids

    grown()
    for user in (hogo, jisou):
        mine = set(organization_ids(user))
        expected = expected_rows(scope=mine)
        assert expected
        html = get(client, user, "dashboard:tracker")
        assert shown_rows(html, "（すべて）") == expected, user.username
        assert "自分の課・部の担当分だけを表示しています" in html
        # Every link keeps to the user's own rows.
        assert all("mine=true" in url for url in re.findall(r'href="(/shiryo[23]/[^"]+)"', html))


def test_the_full_tracker_asks_for_a_login(client):
    response = client.get(reverse("dashboard:tracker"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_full_tracker_flags_overdue_rows_in_words(client, honbu):
    """The seed's deadline (令和５年10月31日) has passed and nothing is submitted."""
    html = get(client, honbu, "dashboard:tracker")
    assert '<strong class="overdue-marker">期限超過</strong>' in html
    assert '<tr class="overdue">' in html


def test_the_full_tracker_takes_no_more_queries_at_ten_times_the_data(
    client, honbu, django_assert_max_num_queries
):
    client.force_login(honbu)
    with CaptureQueriesContext(connection) as at_seed:
        assert client.get(reverse("dashboard:tracker")).status_code == 200
    multiply_seed(10)
    for page in (1, 3, 99):
        with django_assert_max_num_queries(len(at_seed) + (2 if page == 99 else 0)):
            assert client.get(reverse("dashboard:tracker"), {"page": page}).status_code == 200


def test_a_period_with_no_rows_yet_shows_no_row_and_none_behind(client, honbu, empty_period):
    html = get(client, honbu, "dashboard:index", period=empty_period.code)
    section = html.split('id="tracker-heading"', 1)[1].split("</section>", 1)[0]
    text = re.sub(r"<[^>]+>", "", section)
    assert "未提出（未着手・下書き・差戻し）の多い順です。" in text
    assert "件（課・部と資料の組）のうち" not in text
    assert "未提出のある課・部は 0 件です" in text
    assert "すべての課・部の提出状況（0 件）" in text
    full = get(client, honbu, "dashboard:tracker", period=empty_period.code)
    assert "未提出のある課・部は 0 件です" in full
    assert shown_rows(full, "（すべて）") == []

"""Opening and closing periods without surprises: the next period proposed from the dates,
dates checked, what is unfinished named and confirmed, 受付中 / 締切済 shown."""

import datetime

import pytest
from django.urls import reverse

from initiatives.models import ProgressEntry
from recommendations.models import ActionReport
from reporting.forms import (
    ERROR_CONFIRM_UNFINISHED,
    ERROR_DEADLINE_BEFORE_RESULTS,
    ERROR_NOT_AFTER_LAST,
)
from reporting.models import EntryState, ReportingPeriod
from reporting.periods import next_period, proposed_code, proposed_name, unfinished_by_organization

pytestmark = pytest.mark.django_db

NEW = {
    "code": "",
    "name": "",
    "results_until": "2024-03-31",
    "plans_from": "2024-04-01",
    "deadline": "2024-04-30",
    "confirm_unfinished": "on",
}


@pytest.mark.parametrize(
    ("results_until", "code", "name"),
    [
        ("2024-09-30", "R6H1", "令和６年度上半期"),
        ("2025-03-31", "R6H2", "令和６年度下半期"),
        ("2019-09-30", "R1H1", "令和元年度上半期"),
        ("2028-09-30", "R10H1", "令和10年度上半期"),
    ],
)
def test_code_and_name_follow_the_results_date(results_until, code, name):
    date = datetime.date.fromisoformat(results_until)
    assert (proposed_code(date), proposed_name(date)) == (code, name)


def test_the_form_proposes_the_half_year_after_the_last_period(client, honbu, period):
    assert next_period(period) == {
        "code": "R5H2",
        "name": "令和５年度下半期",
        "results_until": datetime.date(2024, 3, 31),
        "plans_from": datetime.date(2024, 4, 1),
        "deadline": datetime.date(2024, 4, 30),
    }
    client.force_login(honbu)
    page = client.get(reverse("reporting:period_new")).content.decode()
    assert 'value="R5H2"' in page and 'value="令和５年度下半期"' in page
    assert 'value="2024-03-31"' in page


def test_blank_code_and_name_are_made_from_the_dates(client, honbu):
    client.force_login(honbu)
    assert client.post(reverse("reporting:period_new"), NEW).status_code == 302
    period = ReportingPeriod.objects.get(is_current=True)
    assert (period.code, period.name) == ("R5H2", "令和５年度下半期")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"deadline": "2024-03-31"}, ERROR_DEADLINE_BEFORE_RESULTS),
        ({"deadline": "2024-01-10"}, ERROR_DEADLINE_BEFORE_RESULTS),
        (
            {"results_until": "2023-09-30", "plans_from": "2023-10-01", "code": "X"},
            ERROR_NOT_AFTER_LAST.format(name="令和５年度上半期", date="2023-09-30"),
        ),
        ({"confirm_unfinished": ""}, ERROR_CONFIRM_UNFINISHED),
    ],
)
def test_a_bad_or_unconfirmed_period_is_refused_and_nothing_changes(
    client, honbu, changes, message
):
    client.force_login(honbu)
    before = list(ReportingPeriod.objects.values_list("code", "is_current", "is_closed"))
    entries = ProgressEntry.objects.count()
    response = client.post(reverse("reporting:period_new"), {**NEW, **changes})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(ReportingPeriod.objects.values_list("code", "is_current", "is_closed")) == before
    assert ProgressEntry.objects.count() == entries


def expected_unfinished(period):
    """Section or department label → unfinished rows, computed from the rows themselves."""
    counts = {}
    for entry in ProgressEntry.objects.filter(period=period).prefetch_related(
        "initiative__sections"
    ):
        if entry.state in (EntryState.NOT_STARTED, EntryState.DRAFT, EntryState.RETURNED):
            for section in entry.initiative.sections.all():
                counts[section.label] = counts.get(section.label, 0) + 1
    for report in ActionReport.objects.filter(period=period).prefetch_related(
        "action__departments"
    ):
        if report.state in (EntryState.NOT_STARTED, EntryState.DRAFT, EntryState.RETURNED):
            for department in report.action.departments.all():
                counts[department.label] = counts.get(department.label, 0) + 1
    return counts


def test_opening_shows_first_the_unfinished_rows_of_the_current_period_by_section(
    client, honbu, period
):
    ProgressEntry.objects.filter(period=period, initiative__sections__label="保）保護課").update(
        state=EntryState.APPROVED
    )
    unfinished = unfinished_by_organization(period)
    assert {u.label: u.total for u in unfinished} == expected_unfinished(period)
    assert "保）保護課" not in {u.label for u in unfinished}

    client.force_login(honbu)
    page = client.get(reverse("reporting:period_new")).content.decode()
    table = page.split('id="unfinished-heading"', 1)[1].split("</table>", 1)[0]
    for item in unfinished:
        assert f'<th scope="row">{item.label}</th>' in table
        assert f"<td>{item.total} 件</td>" in table
    assert "保）保護課" not in table
    assert "未完了の行があることを確かめたうえで" in page


def test_with_everything_submitted_no_confirmation_is_asked(client, honbu, period):
    ProgressEntry.objects.filter(period=period).update(state=EntryState.SUBMITTED)
    ActionReport.objects.filter(period=period).update(state=EntryState.APPROVED)
    client.force_login(honbu)
    page = client.get(reverse("reporting:period_new")).content.decode()
    assert "未完了の行があることを確かめたうえで" not in page
    data = {k: v for k, v in NEW.items() if k != "confirm_unfinished"}
    assert client.post(reverse("reporting:period_new"), data).status_code == 302


def test_closing_asks_first_and_names_what_is_unfinished(client, honbu, period):
    client.force_login(honbu)
    close = reverse("reporting:period_close", args=[period.code])
    page = client.get(close).content.decode()
    for label, rows in expected_unfinished(period).items():
        assert f'<th scope="row">{label}</th>' in page
        assert f"<td>{rows} 件</td>" in page
    assert "未完了の行があるまま" in page
    # A POST without the confirmation closes nothing.
    client.post(close)
    period.refresh_from_db()
    assert not period.is_closed
    client.post(close, {"confirm": "yes"})
    period.refresh_from_db()
    assert period.is_closed


def test_every_period_shows_open_or_closed(client, honbu, hogo, period):
    client.force_login(honbu)
    client.post(reverse("reporting:period_new"), NEW)
    client.force_login(hogo)
    page = client.get(reverse("reporting:periods")).content.decode()
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    periods = list(ReportingPeriod.objects.order_by("-results_until"))
    assert len(rows) == len(periods) >= 2
    for row, shown in zip(rows, periods, strict=True):
        assert shown.name in row
        assert ("締切済" if shown.is_closed else "受付中") in row
        assert ("受付中" if shown.is_closed else "締切済") not in row
    ReportingPeriod.objects.filter(pk=period.pk).update(is_closed=True)
    page = client.get(reverse("reporting:periods")).content.decode()
    old = next(r for r in page.split("<tr>") if period.name in r and "<th" in r)
    assert "締切済" in old and "受付中" not in old

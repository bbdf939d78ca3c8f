"""The HQ opens a period (pre-filled from the last one) and closes it (read-only after)."""

import re

import pytest
from django.urls import reverse

from initiatives.models import Initiative, ProgressEntry
from recommendations.models import Action, ActionReport, ImplementationStatus
from reporting.models import EntryState, ReportingPeriod

pytestmark = pytest.mark.django_db

NEW_PERIOD = {
    "code": "R5H2",
    "name": "令和５年度下半期",
    "results_until": "2024-03-31",
    "plans_from": "2024-04-01",
    "deadline": "2024-04-30",
    # The seeded current period has unfinished rows: the HQ confirms it saw them.
    "confirm_unfinished": "on",
}


def test_hq_opens_a_period_prefilled_from_the_previous_one(client, honbu):
    previous = ReportingPeriod.objects.get(is_current=True)
    previous_entries = sorted(ProgressEntry.objects.filter(period=previous).values(), key=str)
    previous_reports = sorted(ActionReport.objects.filter(period=previous).values(), key=str)
    client.force_login(honbu)
    response = client.post(reverse("reporting:period_new"), NEW_PERIOD)
    assert response.status_code == 302
    period = ReportingPeriod.objects.get(code="R5H2")
    assert period.is_current and not ReportingPeriod.objects.get(pk=previous.pk).is_current

    entries = ProgressEntry.objects.filter(period=period)
    assert entries.count() == Initiative.objects.count()
    assert set(entries.values_list("state", flat=True)) == {EntryState.NOT_STARTED}
    # Both texts carried forward, row by row (the seed has both filled in on most rows).
    texts = ("initiative_id", "results", "plans")
    before = sorted(ProgressEntry.objects.filter(period=previous).values_list(*texts))
    assert sorted(entries.values_list(*texts)) == before
    assert sum(1 for _, results, plans in before if results and plans) > len(before) // 2
    assert set(entries.values_list("updated_by", flat=True)) == {honbu.pk}
    assert set(entries.values_list("return_comment", flat=True)) == {""}

    reports = ActionReport.objects.filter(period=period)
    assert reports.count() == Action.objects.filter(repost_of=None).count()
    assert set(reports.values_list("state", flat=True)) == {EntryState.NOT_STARTED}
    assert set(reports.values_list("updated_by", flat=True)) == {honbu.pk}
    statuses = ImplementationStatus.objects.filter(report__period=period)
    previous_statuses = ImplementationStatus.objects.filter(report__period=previous)
    assert sorted(
        statuses.values_list("report__action_id", "position", "text", "classification")
    ) == sorted(
        previous_statuses.values_list("report__action_id", "position", "text", "classification")
    )
    assert statuses.count() > 0
    # Created entries are in the history with the HQ user.
    assert entries.first().history.first().history_user == honbu
    # The previous period's rows are left as they were.
    assert sorted(ProgressEntry.objects.filter(period=previous).values(), key=str) == (
        previous_entries
    )
    assert sorted(ActionReport.objects.filter(period=previous).values(), key=str) == (
        previous_reports
    )


def test_the_new_period_column_headings_follow_its_months(client, honbu, hogo):
    client.force_login(honbu)
    client.post(reverse("reporting:period_new"), NEW_PERIOD)
    entry = ProgressEntry.objects.get(
        period__code="R5H2", initiative__category__number=1, initiative__number=4
    )
    client.force_login(hogo)
    page = client.get(reverse("initiatives:edit", args=[entry.pk])).content.decode()
    assert "３月までの取組" in page and "４月以降の取組" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code", "R5H1", "このコードの報告期間は既にあります。"),
        (
            "plans_from",
            "2024-03-01",
            "「〜以降の取組」の初日は、「〜までの取組」の最終日より後にしてください。",
        ),
        ("results_until", "", "このフィールドは必須です。"),
    ],
)
def test_bad_period_is_refused(client, honbu, field, value, message):
    client.force_login(honbu)
    count = ReportingPeriod.objects.count()
    response = client.post(reverse("reporting:period_new"), {**NEW_PERIOD, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ReportingPeriod.objects.count() == count


def test_section_staff_cannot_open_or_close_periods(client, hogo):
    client.force_login(hogo)
    for response in (
        client.post(reverse("reporting:period_new"), NEW_PERIOD),
        client.post(reverse("reporting:period_close", args=["R5H1"]), {"confirm": "yes"}),
    ):
        assert response.status_code == 403
        shown = re.search(r'role="alert">\s*<p>(.*?)</p>', response.content.decode(), re.S)
        assert shown.group(1).strip() == "報告期間の開始・締切は推進本部だけが行えます。"
    assert not ReportingPeriod.objects.filter(code="R5H2").exists()
    assert not ReportingPeriod.objects.get(code="R5H1").is_closed


def test_closing_makes_the_period_read_only(client, honbu, hogo):
    client.force_login(honbu)
    close = reverse("reporting:period_close", args=["R5H1"])
    assert client.post(close, {"confirm": "yes"}).status_code == 302
    entry = ProgressEntry.objects.filter(
        period__code="R5H1", initiative__sections__label="保）保護課"
    ).first()
    client.force_login(hogo)
    assert client.get(reverse("initiatives:edit", args=[entry.pk])).status_code == 403
    detail = client.get(reverse("initiatives:detail", args=[entry.pk])).content.decode()
    assert "締切済" in detail and "報告を編集する" not in detail


def test_hq_names_the_meeting_that_heads_the_periods_shiryo2(client, honbu, period):
    client.force_login(honbu)
    url = reverse("reporting:period_meeting", args=[period.code])
    line = "Ｒ5.11.20\u3000対策推進本部会議"
    assert client.post(url, {"meeting": line}).status_code == 302
    period.refresh_from_db()
    assert period.meeting == line
    assert period.history.first().history_user == honbu
    assert line in client.get(reverse("reporting:periods")).content.decode()


def test_a_section_may_not_name_the_meeting(client, hogo, period):
    client.force_login(hogo)
    before = period.meeting
    url = reverse("reporting:period_meeting", args=[period.code])
    assert client.post(url, {"meeting": "勝手な会議"}).status_code == 403
    period.refresh_from_db()
    assert period.meeting == before


def test_the_period_form_shows_dates_in_the_era_beside_the_picker(client, honbu):
    client.force_login(honbu)
    # A refused form comes back with the dates as typed, each in the era beside it.
    response = client.post(
        reverse("reporting:period_new"), {**NEW_PERIOD, "plans_from": "2024-03-01"}
    )
    page = response.content.decode()
    assert 'type="date"' in page
    assert "令和６年３月31日" in page and "令和６年４月30日" in page
    assert "/static/js/era-date.js" in page


def test_every_period_links_to_each_documents_list_and_export(client, honbu, hogo):
    """The links come from what each document app registered, in the documents' order."""
    periods = list(ReportingPeriod.objects.order_by("-results_until"))
    client.force_login(hogo)
    page = client.get(reverse("reporting:periods")).content.decode()
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    for row, period in zip(rows, periods, strict=True):
        links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', row)
        assert [(url, text) for url, text in links if "?period=" in url] == [
            (f"{reverse('initiatives:list')}?period={period.code}", "資料3 一覧"),
            (f"{reverse('recommendations:list')}?period={period.code}", "資料2 一覧"),
            (f"{reverse('documents:shiryo3')}?period={period.code}", "資料3（Excel）"),
            (f"{reverse('documents:shiryo2')}?period={period.code}", "資料2（Excel）"),
        ]
    reminders = f'<a href="{reverse("cycle:reminders")}">送信したリマインダー</a>'
    assert reminders not in page
    client.force_login(honbu)
    assert reminders in client.get(reverse("reporting:periods")).content.decode()


def test_the_unfinished_rows_are_counted_under_each_document(client, honbu, period):
    ProgressEntry.objects.filter(period=period).update(state=EntryState.APPROVED)
    ActionReport.objects.filter(period=period).update(state=EntryState.APPROVED)
    report = ActionReport.objects.filter(period=period).first()
    ActionReport.objects.filter(pk=report.pk).update(state=EntryState.RETURNED)
    departments = sorted(d.label for d in report.action.departments.all())
    client.force_login(honbu)
    page = client.get(reverse("reporting:period_close", args=[period.code])).content.decode()
    table = page.split("<table", 1)[1].split("</table>", 1)[0]
    assert '<th scope="col">資料3</th><th scope="col">資料2</th><th scope="col">計</th>' in table
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", table.split("<tbody>", 1)[1])
    assert rows == [
        f'<tr><th scope="row">{label}</th><td>0 件</td><td>1 件</td><td>1 件</td></tr>'
        for label in departments
    ]

"""自課の取組: what a section answers for in the current period."""

import datetime

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from departments.models import Organization
from initiatives.models import Initiative, ProgressEntry
from initiatives.services import save_progress
from recommendations.models import ActionReport, Classification, ImplementationStatus
from recommendations.services import StatusInput, save_statuses
from reporting.models import EntryState
from reporting.services import return_to_section
from shell.selectors import NO_PREVIOUS, STATUS_TEXT_CHANGED

pytestmark = pytest.mark.django_db


def test_section_sees_only_its_rows_with_state_and_deadline(client, hogo):
    client.force_login(hogo)
    response = client.get(reverse("home"))
    mine = ProgressEntry.objects.filter(
        period__code="R5H1", initiative__sections__label="保）保護課"
    )
    assert {e.pk for e in response.context["entries"]} == set(mine.values_list("pk", flat=True))
    assert response.context["reports"] == []
    page = response.content.decode()
    assert "提出期限：<strong>令和５年10月31日</strong>" in page
    assert "下書き" in page


def test_department_member_sees_its_shiryo2_actions(client, jisou):
    client.force_login(jisou)
    response = client.get(reverse("home"))
    mine = ActionReport.objects.filter(
        period__code="R5H1", action__departments__label="子）児童相談所"
    )
    assert {r.pk for r in response.context["reports"]} == set(mine.values_list("pk", flat=True))
    sections = ProgressEntry.objects.filter(
        period__code="R5H1", initiative__sections__label="子）地域連携課"
    )
    assert {e.pk for e in response.context["entries"]} == set(sections.values_list("pk", flat=True))


def test_return_comment_is_shown_next_to_the_row(client, hogo):
    entry = ProgressEntry.objects.filter(
        period__code="R5H1", initiative__sections__label="保）保護課"
    ).first()
    ProgressEntry.objects.filter(pk=entry.pk).update(
        state=EntryState.RETURNED, return_comment="件数を追記してください"
    )
    client.force_login(hogo)
    page = client.get(reverse("home")).content.decode()
    assert "件数を追記してください" in page and "差戻し" in page


def submitted_by(user, entry, plans):
    """`user` submits `entry` with new plans through the service, as the edit page does."""
    entry = ProgressEntry.objects.get(pk=entry.pk)
    save_progress(
        entry=entry,
        user=user,
        version=entry.version,
        results=entry.results,
        plans=plans,
        submit=True,
    )
    return ProgressEntry.objects.get(pk=entry.pk)


def hogo_entry(period, number=0):
    return ProgressEntry.objects.filter(
        period=period, initiative__sections__label="保）保護課", initiative__repost_of=None
    ).order_by("pk")[number]


def test_hq_home_lists_what_waits_with_when_who_and_what_changed(client, honbu, hogo, period):
    entry = submitted_by(hogo, hogo_entry(period), "・新しい研修を行う")
    client.force_login(honbu)
    response = client.get(reverse("home"))
    [row] = response.context["hq"].waiting
    assert row.entry.pk == entry.pk
    assert row.by == hogo
    assert row.since == entry.history.order_by("-history_date").first().history_date
    # Against the previous period (R2-05, which has no 資料3 rows).
    assert row.changes == [NO_PREVIOUS]
    page = response.content.decode()
    assert "<h1>推進本部のトップ</h1>" in page
    assert "推進本部の確認待ち（提出済 1 件）" in page
    assert reverse("initiatives:detail", args=[entry.pk]) in page
    assert "保護課担当" in page  # the submitter's name


def test_what_changed_is_told_against_the_previous_periods_report(client, honbu, jisou, period):
    report = (
        ActionReport.objects.filter(period=period, action__departments__label="子）児童相談所")
        .order_by("pk")
        .first()
    )
    old = ImplementationStatus.objects.filter(
        report__period__code="R2-05", report__action=report.action
    ).order_by("position")
    old_letters = "".join(sorted({Classification(s.classification).mark for s in old}))
    new_letter = next(c for c in "ABCD" if Classification(c).mark != old_letters)
    save_statuses(
        report=report,
        user=jisou,
        version=report.version,
        paragraphs=[StatusInput(pk=None, text="新しい実施状況", classification=new_letter)],
        submit=True,
    )
    client.force_login(honbu)
    [row] = client.get(reverse("home")).context["hq"].waiting
    assert row.changes == [
        f"区分 {old_letters}→{Classification(new_letter).mark}",
        STATUS_TEXT_CHANGED,
    ]
    assert row.by == jisou


def test_returned_rows_not_yet_resubmitted_are_listed_with_the_comment(client, honbu, hogo, period):
    entry = submitted_by(hogo, hogo_entry(period), "・提出した内容")
    return_to_section(entries=[entry], user=honbu, comment="件数を書いてください")
    client.force_login(honbu)
    response = client.get(reverse("home"))
    hq = response.context["hq"]
    assert hq.waiting == [] and [row.entry.pk for row in hq.returned] == [entry.pk]
    assert hq.returned[0].by == honbu
    assert "件数を書いてください" in response.content.decode()


def test_sections_past_the_deadline_are_named_with_a_link_to_their_rows(client, honbu, period):
    period.deadline = timezone.localdate() - datetime.timedelta(days=1)
    period.save()
    client.force_login(honbu)
    response = client.get(reverse("home"))
    overdue = {(o.document, o.label): o.outstanding for o in response.context["hq"].overdue}
    outstanding = ProgressEntry.objects.filter(
        period=period,
        initiative__sections__label="保）保護課",
        state__in=[EntryState.NOT_STARTED, EntryState.DRAFT, EntryState.RETURNED],
    ).count()
    assert overdue[("資料3", "保）保護課")] == outstanding > 0
    hogo_section = Organization.objects.get(label="保）保護課")
    assert f"section={hogo_section.pk}" in response.content.decode()


def test_no_overdue_list_before_the_deadline(client, honbu, period):
    period.deadline = timezone.localdate() + datetime.timedelta(days=1)
    period.save()
    client.force_login(honbu)
    hq = client.get(reverse("home")).context["hq"]
    assert hq.overdue == [] and not hq.is_overdue


def test_the_section_home_offers_edit_only_where_editing_is_allowed(client, hogo, period):
    approved, draft = hogo_entry(period, 0), hogo_entry(period, 1)
    ProgressEntry.objects.filter(pk=approved.pk).update(state=EntryState.APPROVED)
    ProgressEntry.objects.filter(pk=draft.pk).update(state=EntryState.DRAFT)
    client.force_login(hogo)
    page = client.get(reverse("home")).content.decode()
    assert reverse("initiatives:edit", args=[approved.pk]) not in page
    assert reverse("initiatives:detail", args=[approved.pk]) in page
    assert reverse("initiatives:edit", args=[draft.pk]) in page
    assert "<h1>自課の取組</h1>" in page


def test_pages_need_a_login(client):
    response = client.get(reverse("initiatives:list"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_section_home_offers_a_shiryo2_edit_only_where_allowed_and_shows_a_return_comment(
    client, jisou
):
    approved, returned = ActionReport.objects.filter(
        action__departments__name="児童相談所", period__code="R5H1"
    ).order_by("pk")[:2]
    ActionReport.objects.filter(pk=approved.pk).update(state=EntryState.APPROVED)
    ActionReport.objects.filter(pk=returned.pk).update(
        state=EntryState.RETURNED, return_comment="区分の理由を書いてください"
    )
    client.force_login(jisou)
    page = client.get(reverse("home")).content.decode()
    assert reverse("recommendations:edit", args=[approved.pk]) not in page
    assert reverse("recommendations:detail", args=[approved.pk]) in page
    assert reverse("recommendations:edit", args=[returned.pk]) in page
    assert "区分の理由を書いてください" in page


def test_a_row_two_of_the_users_sections_answer_for_is_listed_once_in_the_documents_order(
    client, hogo, period
):
    shared = (
        ProgressEntry.objects.filter(period=period)
        .annotate(sections=Count("initiative__sections"))
        .filter(sections__gt=1)
        .first()
    )
    hogo.organizations.add(*shared.initiative.sections.all())
    client.force_login(hogo)
    entries = [e.pk for e in client.get(reverse("home")).context["entries"]]
    expected = ProgressEntry.objects.filter(
        period=period,
        initiative__in=Initiative.objects.filter(sections__in=hogo.organizations.all()),
    )
    assert entries.count(shared.pk) == 1
    assert entries == list(
        expected.order_by(
            "initiative__category__number", "initiative__subclass__number", "initiative__number"
        ).values_list("pk", flat=True)
    )


def test_a_department_past_the_deadline_links_to_its_outstanding_shiryo2_rows(
    client, honbu, period
):
    period.deadline = timezone.localdate() - datetime.timedelta(days=1)
    period.save()
    department = Organization.objects.get(label="子）児童相談所")
    outstanding = ActionReport.objects.filter(
        period=period,
        action__departments=department,
        state__in=[EntryState.NOT_STARTED, EntryState.DRAFT, EntryState.RETURNED],
    ).count()
    client.force_login(honbu)
    page = client.get(reverse("home")).content.decode()
    overdue = page.split('id="overdue-heading"', 1)[1].split("</section>", 1)[0]
    link = f'href="/shiryo2/?period={period.code}&amp;department={department.pk}"'
    row = overdue.split(link, 1)[1].split("</tr>", 1)[0]
    assert outstanding > 0
    assert row.startswith(f">{outstanding} 件")
    assert "（子）児童相談所の資料2）" in row

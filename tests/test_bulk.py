"""The HQ's bulk actions on a list selection: all selected rows change, or none."""

import pytest
from django.urls import reverse

from reporting.models import EntryState
from tests.helpers import bulk_post, current_entry, current_report, set_state, snapshot

pytestmark = pytest.mark.django_db


def submitted_entries(n):
    from initiatives.models import ProgressEntry

    entries = list(ProgressEntry.objects.filter(period__code="R5H1").order_by("pk")[:n])
    return [set_state(e, EntryState.SUBMITTED) for e in entries]


def test_hq_approves_a_selection(client, honbu):
    entries = submitted_entries(3)
    client.force_login(honbu)
    response = client.post(reverse("initiatives:bulk"), bulk_post("approve", entries))
    assert response.status_code == 302
    for entry in entries:
        entry.refresh_from_db()
        assert entry.state == EntryState.APPROVED
        assert entry.history.first().history_user == honbu


def test_hq_returns_a_selection_with_one_comment(client, honbu):
    entries = submitted_entries(2)
    client.force_login(honbu)
    client.post(
        reverse("initiatives:bulk"),
        bulk_post("return", entries, comment="数値を入れてください"),
    )
    for entry in entries:
        entry.refresh_from_db()
        assert (entry.state, entry.return_comment) == (EntryState.RETURNED, "数値を入れてください")


def test_one_wrong_row_changes_nothing(client, honbu):
    entries = submitted_entries(2)
    draft = set_state(current_entry("保）保護課"), EntryState.DRAFT)
    selection = [*entries, draft]
    before = [snapshot(e) for e in selection]
    client.force_login(honbu)
    response = client.post(
        reverse("initiatives:bulk"),
        bulk_post("approve", selection),
        follow=True,
    )
    assert (
        f"提出済みの報告だけを承認できます。（対象: {draft.reference}）"
        in response.content.decode()
    )
    assert [snapshot(e) for e in selection] == before


def test_return_without_comment_changes_nothing(client, honbu):
    entries = submitted_entries(1)
    before = snapshot(entries[0])
    client.force_login(honbu)
    response = client.post(
        reverse("initiatives:bulk"), bulk_post("return", entries[:1]), follow=True
    )
    assert "差戻しの理由（コメント）を入力してください。" in response.content.decode()
    assert snapshot(entries[0]) == before


def test_hq_sets_one_classification_on_selected_actions(client, honbu):
    report = current_report("子）児童相談所")
    client.force_login(honbu)
    response = client.post(
        reverse("recommendations:bulk"),
        bulk_post("classify", [report], classification="D"),
    )
    assert response.status_code == 302
    assert set(report.statuses.values_list("classification", flat=True)) == {"D"}
    assert report.statuses.first().history.first().history_user == honbu


def test_section_staff_have_no_bulk_actions(client, jisou):
    report = set_state(current_report("子）児童相談所"), EntryState.SUBMITTED)
    before = snapshot(report)
    client.force_login(jisou)
    assert "一括操作" not in client.get(reverse("recommendations:list")).content.decode()
    response = client.post(reverse("recommendations:bulk"), bulk_post("approve", [report]))
    assert response.status_code == 403
    assert snapshot(report) == before


# -- Several rows, mixed states and permissions ----------


def several_reports(n, department="子）児童相談所"):
    from recommendations.models import ActionReport

    return list(
        ActionReport.objects.filter(
            period__code="R5H1", action__departments__label=department
        ).order_by("pk")[:n]
    )


def test_hq_sets_one_classification_on_several_actions(client, honbu):
    from recommendations.models import ImplementationStatus

    # 「区分を設定する」 leaves an action with several paragraphs to its edit page.
    # (and a report already so classified is not written at all).
    reports = [
        r
        for r in several_reports(20)
        if r.statuses.count() <= 1 and not r.statuses.filter(classification="C").exists()
    ][:3]
    set_state(reports[0], EntryState.NOT_STARTED)
    set_state(reports[1], EntryState.SUBMITTED)
    set_state(reports[2], EntryState.RETURNED)
    versions = {r.pk: r.version for r in reports}
    client.force_login(honbu)
    response = client.post(
        reverse("recommendations:bulk"),
        bulk_post("classify", reports, classification="C"),
    )
    assert response.status_code == 302
    for report in reports:
        report.refresh_from_db()
        statuses = ImplementationStatus.objects.filter(report=report)
        assert statuses.exists()
        assert set(statuses.values_list("classification", flat=True)) == {"C"}
        assert report.version == versions[report.pk] + 1
        assert (report.updated_by, report.history.first().history_user) == (honbu, honbu)
    # A report not yet started is under way once the HQ has set its 区分; the others keep theirs.
    assert [r.state for r in reports] == [
        EntryState.DRAFT,
        EntryState.SUBMITTED,
        EntryState.RETURNED,
    ]


def test_a_report_already_so_classified_first_in_the_selection_leaves_the_rest_classified(
    client, honbu
):
    from recommendations.models import ImplementationStatus

    reports = [r for r in several_reports(20) if r.statuses.count() == 1][:3]
    ImplementationStatus.objects.filter(report=reports[0]).update(classification="C")
    ImplementationStatus.objects.filter(report__in=reports[1:]).update(classification="A")
    versions = {r.pk: r.version for r in reports}
    client.force_login(honbu)
    response = client.post(
        reverse("recommendations:bulk"),
        bulk_post("classify", reports, classification="C"),
        follow=True,
    )
    assert "3 件を" in response.content.decode()
    for report in reports:
        report.refresh_from_db()
        assert list(report.statuses.values_list("classification", flat=True)) == ["C"]
    # Only the two that changed have a new version.
    assert [r.version - versions[r.pk] for r in reports] == [0, 1, 1]


@pytest.mark.parametrize("approved_at", [0, 2])
def test_classifying_a_selection_with_an_approved_report_changes_none(client, honbu, approved_at):
    reports = several_reports(3)
    set_state(reports[approved_at], EntryState.APPROVED)
    before = [snapshot(r) for r in reports]
    client.force_login(honbu)
    response = client.post(
        reverse("recommendations:bulk"),
        {"action": "classify", "classification": "D", "selected": [r.pk for r in reports]},
        follow=True,
    )
    assert "承認済みの報告の区分は変更できません。" in response.content.decode()
    assert [snapshot(r) for r in reports] == before


@pytest.mark.parametrize("wrong_at", [0, 1, 2])
def test_approving_a_selection_with_one_unsubmitted_row_changes_none(client, honbu, wrong_at):
    entries = submitted_entries(3)
    set_state(entries[wrong_at], EntryState.RETURNED)
    before = [snapshot(e) for e in entries]
    client.force_login(honbu)
    response = client.post(
        reverse("initiatives:bulk"),
        bulk_post("approve", entries),
        follow=True,
    )
    assert "提出済みの報告だけを承認できます。" in response.content.decode()
    assert entries[wrong_at].reference in response.content.decode()
    assert [snapshot(e) for e in entries] == before


@pytest.mark.parametrize("closed_at", [0, 2])
def test_a_selection_with_a_row_of_a_closed_period_is_refused_whole(client, honbu, closed_at):
    from recommendations.models import ActionReport

    reports = [set_state(r, EntryState.SUBMITTED) for r in several_reports(2)]
    old = ActionReport.objects.filter(period__code="R2-05").order_by("pk").first()
    old = set_state(old, EntryState.SUBMITTED)
    reports.insert(closed_at, old)
    before = [snapshot(r) for r in reports]
    client.force_login(honbu)
    response = client.post(reverse("recommendations:bulk"), bulk_post("approve", reports))
    assert response.status_code == 403
    assert "締切済みの期間の報告は変更できません。" in response.content.decode()
    assert [snapshot(r) for r in reports] == before


def test_returning_several_rows_keeps_the_comment_on_each_and_unlocks_approved_ones(client, honbu):
    entries = submitted_entries(3)
    set_state(entries[1], EntryState.APPROVED)
    client.force_login(honbu)
    client.post(
        reverse("initiatives:bulk"),
        bulk_post("return", entries, comment="根拠を追記"),
    )
    for entry in entries:
        entry.refresh_from_db()
        assert (entry.state, entry.return_comment, entry.updated_by) == (
            EntryState.RETURNED,
            "根拠を追記",
            honbu,
        )


# -- 「区分を設定する」 ----------


def reports_by_paragraphs(n, paragraphs):
    """n current-period reports of 子）児童相談所 with exactly `paragraphs` 実施状況 each."""
    from django.db.models import Count

    return list(
        type(current_report("子）児童相談所"))
        .objects.filter(period__code="R5H1", action__departments__label="子）児童相談所")
        .annotate(n=Count("statuses"))
        .filter(n=paragraphs)
        .order_by("pk")[:n]
    )


def paragraphs(report):
    return list(report.statuses.order_by("position").values_list("pk", "text", "classification"))


def test_classifying_keeps_each_paragraphs_text_and_changes_only_its_classification(client, honbu):
    reports = reports_by_paragraphs(2, 1)
    before = {report.pk: paragraphs(report) for report in reports}
    assert all(text for ((_, text, _),) in before.values())
    client.force_login(honbu)
    client.post(reverse("recommendations:bulk"), bulk_post("classify", reports, classification="B"))
    for report in reports:
        ((pk, text, _),) = before[report.pk]
        # The same paragraph (its history goes on), its text as the section wrote it.
        assert paragraphs(report) == [(pk, text, "B")]


def test_classifying_a_report_without_paragraphs_gives_it_one_with_no_text(client, honbu):
    from recommendations.models import ImplementationStatus

    report, other = reports_by_paragraphs(2, 1)
    ImplementationStatus.objects.filter(report=report).delete()
    client.force_login(honbu)
    client.post(
        reverse("recommendations:bulk"),
        bulk_post("classify", [report, other], classification="D"),
    )
    assert [(text, classification) for _, text, classification in paragraphs(report)] == [("", "D")]
    assert [classification for _, _, classification in paragraphs(other)] == ["D"]


def test_a_report_with_several_paragraphs_first_in_the_selection_leaves_the_rest_classified(
    client, honbu
):
    several = reports_by_paragraphs(1, 2)[0]
    singles = reports_by_paragraphs(2, 1)
    before = snapshot(several)
    client.force_login(honbu)
    response = client.post(
        reverse("recommendations:bulk"),
        bulk_post("classify", [several, *singles], classification="C"),
        follow=True,
    )
    assert f"（対象: {several.reference}）" in response.content.decode()
    assert snapshot(several) == before
    for report in singles:
        assert [classification for _, _, classification in paragraphs(report)] == ["C"]


def test_classifying_names_the_approved_report_that_refuses_the_selection(client, honbu):
    reports = reports_by_paragraphs(3, 1)
    approved = set_state(reports[1], EntryState.APPROVED)
    before = [snapshot(r) for r in reports]
    client.force_login(honbu)
    response = client.post(
        reverse("recommendations:bulk"),
        bulk_post("classify", reports, classification="D"),
        follow=True,
    )
    message = f"承認済みの報告の区分は変更できません。（対象: {approved.reference}）"
    assert message in response.content.decode()
    assert [snapshot(r) for r in reports] == before


def test_classifying_skips_and_names_a_row_changed_after_the_list_was_shown(client, honbu):
    from reporting.services import ERROR_CHANGED_SINCE

    reports = reports_by_paragraphs(3, 1)
    seen = bulk_post("classify", reports, classification="A")  # the list as the HQ loaded it
    moved = reports[2]
    type(moved).objects.filter(pk=moved.pk).update(version=moved.version + 1)
    before = snapshot(moved)
    client.force_login(honbu)
    response = client.post(reverse("recommendations:bulk"), seen, follow=True)
    assert f"{ERROR_CHANGED_SINCE}（対象: {moved.reference}）" in response.content.decode()
    assert snapshot(moved) == before
    for report in reports[:2]:
        assert [classification for _, _, classification in paragraphs(report)] == ["A"]


def test_classifying_only_reports_with_several_paragraphs_changes_none_and_names_them(
    client, honbu
):
    from recommendations.services import SEVERAL_PARAGRAPHS

    reports = reports_by_paragraphs(2, 2)
    before = [snapshot(r) for r in reports]
    client.force_login(honbu)
    response = client.post(
        reverse("recommendations:bulk"),
        bulk_post("classify", reports, classification="B"),
        follow=True,
    )
    names = "、".join(r.reference for r in reports)
    assert f"{SEVERAL_PARAGRAPHS}（対象: {names}）" in response.content.decode()
    assert [snapshot(r) for r in reports] == before

"""A whole round: draft → submit → return with comment → resubmit → approve → locked, each
transition in the history with the user who made it."""

import pytest
from django.urls import reverse

from initiatives.models import ProgressEntry
from reporting.models import EntryState
from tests.helpers import (
    current_entry,
    current_report,
    progress_post,
    set_state,
    snapshot,
    statuses_post,
)

pytestmark = pytest.mark.django_db


def review(client, app, entry, decision, comment=""):
    entry.refresh_from_db()
    data = {"decision": decision, "comment": comment, "version": entry.version}
    return client.post(reverse(f"{app}:review", args=[entry.pk]), data)


def test_full_round_on_a_shiryo3_row(client, hogo, honbu):
    entry = current_entry("保）保護課")
    start = entry.history.count()
    client.force_login(hogo)
    client.post(reverse("initiatives:edit", args=[entry.pk]), progress_post(entry, plans="下書き"))
    entry.refresh_from_db()
    assert (entry.state, entry.plans) == (EntryState.DRAFT, "下書き")

    client.post(
        reverse("initiatives:edit", args=[entry.pk]),
        progress_post(entry, plans="提出版", submit=True),
    )
    client.force_login(honbu)
    review(client, "initiatives", entry, "return", "「監査」の実施区数を書いてください")
    entry.refresh_from_db()
    assert (entry.state, entry.return_comment) == (
        EntryState.RETURNED,
        "「監査」の実施区数を書いてください",
    )

    client.force_login(hogo)
    home = client.get(reverse("home")).content.decode()
    assert "「監査」の実施区数を書いてください" in home
    client.post(
        reverse("initiatives:edit", args=[entry.pk]),
        progress_post(entry, plans="４区で実施", submit=True),
    )
    client.force_login(honbu)
    review(client, "initiatives", entry, "approve")
    entry.refresh_from_db()
    assert (entry.state, entry.plans) == (EntryState.APPROVED, "４区で実施")

    records = list(entry.history.order_by("history_date", "history_id"))[start:]
    assert [(r.state, r.history_user.username) for r in records] == [
        (EntryState.DRAFT, "hogo"),
        (EntryState.SUBMITTED, "hogo"),
        (EntryState.RETURNED, "honbu"),
        (EntryState.SUBMITTED, "hogo"),
        (EntryState.APPROVED, "honbu"),
    ]


def test_approved_entry_is_locked_until_returned(client, hogo, honbu):
    entry = set_state(current_entry("保）保護課"), EntryState.APPROVED)
    before = snapshot(entry)
    for user in (hogo, honbu):
        client.force_login(user)
        response = client.post(reverse("initiatives:edit", args=[entry.pk]), progress_post(entry))
        assert response.status_code == 403
        assert "承認済みの報告は変更できません" in response.content.decode()
    assert snapshot(entry) == before

    review(client, "initiatives", entry, "return", "追記をお願いします")
    entry.refresh_from_db()
    client.force_login(hogo)
    response = client.post(
        reverse("initiatives:edit", args=[entry.pk]), progress_post(entry, plans="追記")
    )
    assert response.status_code == 302
    assert ProgressEntry.objects.get(pk=entry.pk).plans == "追記"


def test_submitted_entry_waits_for_the_hq(client, hogo, honbu):
    entry = set_state(current_entry("保）保護課"), EntryState.SUBMITTED)
    before = snapshot(entry)
    client.force_login(hogo)
    assert (
        client.post(reverse("initiatives:edit", args=[entry.pk]), progress_post(entry)).status_code
        == 403
    )
    # The HQ may correct a submitted text, but not submit it a second time.
    client.force_login(honbu)
    submit = progress_post(entry, submit=True)
    assert client.post(reverse("initiatives:edit", args=[entry.pk]), submit).status_code == 403
    assert snapshot(entry) == before
    fix = progress_post(entry, plans="推進本部が誤字を修正")
    assert client.post(reverse("initiatives:edit", args=[entry.pk]), fix).status_code == 302
    entry.refresh_from_db()
    assert (entry.state, entry.plans) == (EntryState.SUBMITTED, "推進本部が誤字を修正")


def test_returning_needs_a_comment(client, honbu):
    entry = set_state(current_entry("保）保護課"), EntryState.SUBMITTED)
    before = snapshot(entry)
    client.force_login(honbu)
    response = review(client, "initiatives", entry, "return", "  ")
    assert snapshot(entry) == before
    assert (
        "差戻しの理由（コメント）を入力してください。"
        in client.get(response["Location"]).content.decode()
    )


def test_a_draft_cannot_be_approved(client, honbu):
    entry = set_state(current_entry("保）保護課"), EntryState.DRAFT)
    before = snapshot(entry)
    client.force_login(honbu)
    response = review(client, "initiatives", entry, "approve")
    assert snapshot(entry) == before
    assert "提出済みの報告だけを承認できます。" in client.get(response["Location"]).content.decode()


def test_shiryo2_round_records_every_classification_change(client, jisou, honbu):
    report = current_report("子）児童相談所")
    status = report.statuses.first()
    client.force_login(jisou)
    data = statuses_post(
        report, [(status.pk, "令和５年度に実施した", "A"), (None, "追加の取組", "C")], submit=True
    )
    assert client.post(reverse("recommendations:edit", args=[report.pk]), data).status_code == 302
    report.refresh_from_db()
    assert report.state == EntryState.SUBMITTED
    assert list(report.statuses.values_list("text", "classification")) == [
        ("令和５年度に実施した", "A"),
        ("追加の取組", "C"),
    ]
    client.force_login(honbu)
    review(client, "recommendations", report, "approve")
    page = client.get(reverse("recommendations:detail", args=[report.pk])).content.decode()
    assert "実施状況①を変更" in page
    assert "実施状況②を追加" in page
    assert "Ｃ：速やかに検討すべき項目" in page
    records = report.history.order_by("-history_date")
    assert (records[0].state, records[0].history_user.username) == (EntryState.APPROVED, "honbu")
    assert (records[1].state, records[1].history_user.username) == (EntryState.SUBMITTED, "jisou")


def test_removing_and_reordering_paragraphs(client, jisou):
    report = current_report("子）児童相談所")
    carried = list(report.statuses.values_list("text", flat=True))
    assert carried  # pre-filled from the previous period
    client.force_login(jisou)
    replace = statuses_post(report, [(None, "一つ目", "A"), (None, "二つ目", "B")])
    client.post(reverse("recommendations:edit", args=[report.pk]), replace)
    report.refresh_from_db()
    first, second = report.statuses.all()
    assert [first.text, second.text] == ["一つ目", "二つ目"]

    swapped = statuses_post(report, [(second.pk, "二つ目", "B"), (first.pk, "一つ目", "A")])
    client.post(reverse("recommendations:edit", args=[report.pk]), swapped)
    report.refresh_from_db()
    assert list(report.statuses.values_list("text", "position")) == [("二つ目", 1), ("一つ目", 2)]
    page = client.get(reverse("recommendations:detail", args=[report.pk])).content.decode()
    assert "を削除" in page


@pytest.mark.parametrize(("decision", "comment"), [("approve", ""), ("return", "やり直し")])
def test_a_decision_on_a_version_the_hq_did_not_read_is_refused(client, honbu, decision, comment):
    entry = set_state(current_entry("保）保護課"), EntryState.SUBMITTED)
    read = entry.version
    client.force_login(honbu)
    # Meanwhile the text changes (an HQ colleague corrects it): a new version.
    fix = progress_post(entry, plans="別の職員が直した計画")
    assert client.post(reverse("initiatives:edit", args=[entry.pk]), fix).status_code == 302
    before = snapshot(entry)

    data = {"decision": decision, "comment": comment, "version": read}
    response = client.post(reverse("initiatives:review", args=[entry.pk]), data, follow=True)

    assert "ほかの利用者がこの報告を更新しました" in response.content.decode()
    assert snapshot(entry) == before
    assert before["row"]["state"] == EntryState.SUBMITTED


@pytest.mark.parametrize(
    ("app", "find"),
    [
        ("initiatives", lambda: current_entry("保）保護課")),
        ("recommendations", lambda: current_report("子）児童相談所")),
    ],
)
def test_a_review_without_a_decision_changes_nothing_and_returns_to_the_row(
    client, honbu, app, find
):
    entry = set_state(find(), EntryState.SUBMITTED)
    before = snapshot(entry)
    client.force_login(honbu)
    response = client.post(
        reverse(f"{app}:review", args=[entry.pk]), {"comment": "", "version": entry.version}
    )
    assert response["Location"] == reverse(f"{app}:detail", args=[entry.pk])
    assert (
        "判断（承認する／差戻す）を選んでください。"
        in client.get(response["Location"]).content.decode()
    )
    assert snapshot(entry) == before

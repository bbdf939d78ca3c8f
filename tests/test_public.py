"""The public summary and its open data show approved 実施状況 only: never a draft, a returned
or submitted entry, a comment or a user name."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from operations.synthetic import multiply_seed
from recommendations.models import ActionReport, ImplementationStatus
from reporting.models import EntryState

pytestmark = pytest.mark.django_db

SECRET_DRAFT = "下書きの段階の実施状況（非公開）"
SECRET_RETURNED = "差戻された実施状況（非公開）"
SECRET_COMMENT = "推進本部の内部コメント（非公開）"


@pytest.fixture
def unpublished(jisou):
    """Current-period reports that are not approved, with texts that must never appear."""
    reports = list(ActionReport.objects.filter(period__code="R5H1").order_by("pk")[:3])
    states = [EntryState.DRAFT, EntryState.RETURNED, EntryState.SUBMITTED]
    texts = [SECRET_DRAFT, SECRET_RETURNED, "提出済みで確認前の実施状況（非公開）"]
    for report, state, text in zip(reports, states, texts, strict=True):
        ImplementationStatus.objects.create(
            report=report, position=99, text=text, classification="A"
        )
        ActionReport.objects.filter(pk=report.pk).update(
            state=state, return_comment=SECRET_COMMENT, updated_by=jisou
        )
    return reports


def public_outputs(client):
    from recommendations.models import Chapter

    pages = [
        client.get(reverse("public:summary"), {"chapter": number}).content.decode()
        for number in Chapter.objects.values_list("number", flat=True)
    ]
    return {
        "page": "".join(pages),
        "csv": client.get(reverse("public:csv")).content.decode("utf-8-sig"),
        "json": client.get(reverse("public:json")).content.decode(),
    }


def test_no_login_is_needed(client):
    assert client.get(reverse("public:summary")).status_code == 200


def test_nothing_unapproved_nor_comments_nor_names_is_published(client, unpublished, jisou):
    for name, output in public_outputs(client).items():
        assert SECRET_DRAFT not in output, name
        assert SECRET_RETURNED not in output, name
        assert "提出済みで確認前の実施状況" not in output, name
        assert SECRET_COMMENT not in output, name
        for user_text in (jisou.username, jisou.last_name, "honbu", "推進本部事務局"):
            assert user_text not in output, (name, user_text)


def test_approved_status_of_the_latest_period_is_published(client, honbu):
    report = ActionReport.objects.filter(period__code="R5H1").order_by("pk").first()
    ImplementationStatus.objects.filter(report=report).delete()
    ImplementationStatus.objects.create(
        report=report, position=1, text="令和５年度の承認済み実施状況", classification="A"
    )
    ActionReport.objects.filter(pk=report.pk).update(state=EntryState.APPROVED)
    rows = list(csv.DictReader(io.StringIO(public_outputs(client)["csv"])))
    mine = [row for row in rows if row["具体的な取組"] == report.action.reference]
    assert [(r["報告期間"], r["区分"], r["実施状況"]) for r in mine] == [
        ("令和５年度上半期", "Ａ", "令和５年度の承認済み実施状況")
    ]


def test_open_data_has_every_action_and_the_document_text(client):
    from recommendations.models import Action

    data = json.loads(public_outputs(client)["json"])
    assert {row["action"] for row in data["rows"]} == {a.reference for a in Action.objects.all()}
    first = data["rows"][0]
    assert first["action"] == "(1)ア(ｱ)"
    assert first["classification"] == "Ａ"
    assert first["status"].startswith("令和２年４月から、全区に１名づつ母子保健相談員")
    reposts = [row for row in data["rows"] if row["repost_of"]]
    assert {row["action"] for row in reposts} >= {"(3)ア(ｱ)", "(4)エ(ｱ)"}


def test_csv_opens_in_japanese_excel(client):
    raw = client.get(reverse("public:csv")).content
    assert raw.startswith("\ufeff".encode())
    header = raw.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("項目,該当提言,取組方針")


def test_a_setting_turns_it_off(client, settings):
    settings.PUBLIC_SUMMARY_ENABLED = False
    for name in ("public:summary", "public:csv", "public:json"):
        assert client.get(reverse(name)).status_code == 404


def test_query_count_does_not_grow_with_the_data(client):
    with CaptureQueriesContext(connection) as at_seed:
        client.get(reverse("public:summary"))
    multiply_seed(10)
    with CaptureQueriesContext(connection) as at_ten_times:
        client.get(reverse("public:summary"))
    assert len(at_ten_times) <= len(at_seed)


def test_the_page_shows_one_chapter_at_a_time(client):
    page = client.get(reverse("public:summary"), {"chapter": 4}).content.decode()
    assert "(4) 児童相談所における介入機能と役割の明確化の必要性" in page
    assert "警察との連携、役割分担の明確化" in page  # a 提言 of (4)
    assert "保育施設における虐待事案への対応強化の必要性" not in page  # a 提言 of (1)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "=cmd|'/C calc'!A0"])
def test_open_data_csv_never_holds_a_live_formula(client, text):
    """The same escape as the admin's flat exports: a leading apostrophe, text for any spreadsheet;
    the JSON keeps the text as it is."""
    report = ActionReport.objects.filter(period__code="R5H1").order_by("pk").first()
    ImplementationStatus.objects.filter(report=report).delete()
    ImplementationStatus.objects.create(report=report, position=1, text=text, classification="A")
    ActionReport.objects.filter(pk=report.pk).update(state=EntryState.APPROVED)
    outputs = public_outputs(client)
    rows = list(csv.DictReader(io.StringIO(outputs["csv"])))
    mine = [row for row in rows if row["具体的な取組"] == report.action.reference]
    assert [row["実施状況"] for row in mine] == ["'" + text]
    data = json.loads(outputs["json"])
    assert text in [row["status"] for row in data["rows"]]


def test_a_chapter_longer_than_a_page_is_split_and_every_action_shown_once(client):
    import re

    from public.selectors import ACTIONS_PER_PAGE
    from recommendations.models import Action

    multiply_seed(2)
    actions = Action.objects.filter(policy__chapter__number=1)
    expected = [f"{a.policy.mark} {a.reference}" for a in actions.select_related("policy")]
    assert len(expected) > ACTIONS_PER_PAGE
    shown, number = [], 1
    while True:
        response = client.get(reverse("public:summary"), {"chapter": 1, "page": number})
        assert len(response.context["page"]) <= ACTIONS_PER_PAGE
        shown += [
            f"{item.policy.mark} {item.action.reference}" for item in response.context["page"]
        ]
        page = response.content.decode()
        assert f"{len(expected)} 件中" in page
        if "次のページ" not in page:
            break
        assert re.search(rf'href="\?chapter=1&amp;page={number + 1}"', page)
        number += 1
    assert number == -(-len(expected) // ACTIONS_PER_PAGE)
    assert shown == expected


def test_a_repost_shows_its_originals_latest_approved_status(client):
    from recommendations.models import Action
    from tests.pagetables import clean, table

    repost = Action.objects.filter(repost_of__isnull=False).select_related("policy__chapter")[0]
    original = repost.repost_of
    report = ActionReport.objects.get(period__code="R5H1", action=original)
    ImplementationStatus.objects.filter(report=report).delete()
    ImplementationStatus.objects.create(
        report=report, position=1, text="原本の承認済み実施状況", classification="B"
    )
    ActionReport.objects.filter(pk=report.pk).update(state=EntryState.APPROVED)

    chapter = repost.policy.chapter
    html = client.get(reverse("public:summary"), {"chapter": chapter.number}).content.decode()
    rows = table(html, f"{chapter.mark} の取組と実施状況")
    heading = clean(f"{repost.mark} {original.text}【再掲】")
    shown = [row for row in rows if row[1] == heading]
    assert len(shown) == 1
    assert "原本の承認済み実施状況" in shown[0][2]
    assert "令和５年度上半期" in shown[0][2]

    data = json.loads(public_outputs(client)["json"])
    mine = [row for row in data["rows"] if row["action"] == repost.reference]
    assert [(r["repost_of"], r["classification"], r["status"]) for r in mine] == [
        (original.reference, "Ｂ", "原本の承認済み実施状況")
    ]


def test_open_data_rows_carry_every_field_of_their_action(client):
    from recommendations.models import Action, Policy

    policy = Policy.objects.order_by("pk")[0]
    # A policy answering two 提言, as some do in the report.
    policy.recommendations.add(*policy.chapter.recommendations.all()[:2])
    assert policy.recommendations.count() == 2
    action = Action.objects.filter(policy=policy, repost_of=None).order_by("number")[0]
    repost = Action.objects.filter(repost_of__isnull=False).order_by("pk")[0]
    rows = json.loads(public_outputs(client)["json"])["rows"]

    mine = [row for row in rows if row["action"] == action.reference]
    assert mine
    for row in mine:
        assert row["chapter"] == f"{policy.chapter.mark} {policy.chapter.title}"
        assert row["recommendations"] == "、".join(
            f"{r.mark}{r.text}" for r in policy.recommendations.order_by("pk")
        )
        assert row["repost_of"] == ""
        assert row["action_text"] == action.text.strip()
    again = [row for row in rows if row["action"] == repost.reference]
    assert {row["repost_of"] for row in again} == {repost.repost_of.reference}
    assert {row["action_text"] for row in again} == {repost.repost_of.text.strip()}


def test_open_data_rows_of_an_action_with_and_without_an_approved_status(client):
    from recommendations.models import Action

    shared = next(
        a
        for a in Action.objects.filter(repost_of=None).order_by("pk")
        if a.departments.count() > 1 and a.reports.filter(state=EntryState.APPROVED).exists()
    )
    unpublished = Action.objects.filter(repost_of=None).exclude(pk=shared.pk).order_by("pk").first()
    ActionReport.objects.filter(action=unpublished).update(state=EntryState.SUBMITTED)
    latest = (
        ActionReport.objects.filter(action=shared, state=EntryState.APPROVED)
        .order_by("-period__results_until")
        .first()
    )
    rows = json.loads(public_outputs(client)["json"])["rows"]

    mine = [row for row in rows if row["action"] == shared.reference]
    statuses = list(latest.statuses.order_by("position"))
    assert [(r["position"], r["classification_label"], r["status"], r["period"]) for r in mine] == [
        (s.position, s.get_classification_display(), s.text.strip(), latest.period.name)
        for s in statuses
    ]
    assert {r["departments"] for r in mine} == {
        "、".join(d.label for d in shared.departments.order_by("pk"))
    }
    hidden = [row for row in rows if row["action"] == unpublished.reference]
    assert [
        (r["period"], r["position"], r["classification"], r["classification_label"], r["status"])
        for r in hidden
    ] == [("", "", "", "", "")]


@pytest.mark.parametrize("name", ["public:csv", "public:json"])
def test_open_data_query_count_does_not_grow_with_the_data(client, name):
    with CaptureQueriesContext(connection) as at_seed:
        assert client.get(reverse(name)).status_code == 200
    multiply_seed(10)
    with CaptureQueriesContext(connection) as at_ten_times:
        assert client.get(reverse(name)).status_code == 200
    assert len(at_ten_times) <= len(at_seed)


def test_without_a_chapter_the_page_shows_the_first_one_with_its_actions(client):
    from recommendations.models import Action, Chapter
    from tests.pagetables import table

    first = Chapter.objects.order_by("number")[0]
    html = client.get(reverse("public:summary")).content.decode()
    assert f'<h2 id="chapter-heading">{first.mark} {first.title}</h2>' in html
    rows = table(html, f"{first.mark} の取組と実施状況")
    assert len(rows) - 1 == Action.objects.filter(policy__chapter=first).count()


def test_the_latest_approved_period_is_published_when_several_are(client):
    original = ActionReport.objects.filter(period__code="R5H1").order_by("pk").first()
    older = ActionReport.objects.get(period__code="R2-05", action=original.action)
    ImplementationStatus.objects.filter(report=original).update(text="新しい期間の実施状況")
    ActionReport.objects.filter(pk=original.pk).update(state=EntryState.APPROVED)
    ActionReport.objects.filter(pk=older.pk).update(state=EntryState.APPROVED)
    rows = json.loads(public_outputs(client)["json"])["rows"]
    mine = [row for row in rows if row["action"] == original.action.reference]
    assert {row["period"] for row in mine} == {"令和５年度上半期"}
    assert {row["status"] for row in mine} == {"新しい期間の実施状況"}


def test_reposts_on_a_page_take_no_more_queries_than_originals(client):
    from django.db.models import Count

    from recommendations.models import Action, Chapter

    # The chapter with the fewest actions, so three more still fit on its first page.
    chapter = Chapter.objects.annotate(n=Count("policies__actions")).order_by("n", "number")[0]
    policy = chapter.policies.order_by("number")[0]
    url = reverse("public:summary")
    with CaptureQueriesContext(connection) as before:
        client.get(url, {"chapter": chapter.number})
    originals = Action.objects.filter(repost_of=None).exclude(policy__chapter=chapter)[:3]
    last = policy.actions.order_by("-number")[0].number
    for offset, original in enumerate(originals, start=1):
        Action.objects.create(policy=policy, number=last + offset, repost_of=original)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url, {"chapter": chapter.number})
    reposts = [item for item in response.context["page"] if item.action.is_repost]
    assert len(reposts) >= 3
    assert {item.action.repost_of_id for item in reposts} >= {a.pk for a in originals}
    assert len(after) <= len(before)


def test_with_no_chapter_at_all_the_page_lists_nothing_and_does_not_fail(client):
    from recommendations.models import Action, Chapter, Policy, Recommendation

    ImplementationStatus.objects.all().delete()
    ActionReport.objects.all().delete()
    Action.objects.exclude(repost_of=None).delete()
    Action.objects.all().delete()
    Policy.objects.all().delete()
    Recommendation.objects.all().delete()
    Chapter.objects.all().delete()
    response = client.get(reverse("public:summary"))
    assert response.status_code == 200
    assert response.context["chapter"] is None and list(response.context["chapters"]) == []
    assert 'id="chapter-heading"' not in response.content.decode()

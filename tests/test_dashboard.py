"""The 推進本部 dashboard: counts that match the seed, moves between periods, links that lead to
the same rows, and each section's own version."""

import re
from collections import Counter, defaultdict
from html import unescape

import pytest
import yaml
from django.conf import settings
from django.urls import reverse

from operations.synthetic import multiply_seed
from recommendations.models import ActionReport
from tests.helpers import statuses_post

pytestmark = pytest.mark.django_db


def seed_counts():
    """Per chapter and per department: actions with a paragraph of each 区分, read straight
    from the seed file (a 【再掲】 counts in its chapter with its original's 区分)."""
    data = yaml.safe_load(
        (settings.BASE_DIR / "fixtures/seed/shiryo2.yaml").read_text(encoding="utf-8")
    )
    letters = {}
    for chapter in data["chapters"]:
        for policy in chapter["policies"]:
            for action in policy["actions"]:
                if "status" in action:
                    key = (chapter["number"], policy["number"], action["number"])
                    letters[key] = {s["classification"] for s in action["status"]}
    placed = defaultdict(set)  # chapter → the actions listed in it, 【再掲】 included, once each
    by_department = defaultdict(Counter)
    for chapter in data["chapters"]:
        for policy in chapter["policies"]:
            for action in policy["actions"]:
                ref = action.get("repost_of")
                here = (chapter["number"], policy["number"], action["number"])
                placed[chapter["number"]].add(
                    (ref["chapter"], ref["policy"], ref["action"]) if ref else here
                )
                if not ref:
                    for department in action["departments"]:
                        for letter in letters[here]:
                            by_department[department][letter] += 1
    by_chapter = {
        number: Counter(letter for key in keys for letter in letters[key])
        for number, keys in placed.items()
    }
    return by_chapter, by_department


def test_counts_equal_the_seed_per_chapter_and_department(client, honbu):
    by_chapter, by_department = seed_counts()
    client.force_login(honbu)
    context = client.get(reverse("dashboard:index")).context
    shown_chapters = {
        row.key.number: Counter({k: v for k, v in row.counts.items() if v})
        for row in context["chapters"]
    }
    shown_departments = {
        row.label: Counter({k: v for k, v in row.counts.items() if v})
        for row in context["departments"]
    }
    assert shown_chapters == dict(by_chapter)
    assert shown_departments == dict(by_department)


def test_each_number_links_to_a_list_with_as_many_rows(client, honbu):
    client.force_login(honbu)
    page = client.get(reverse("dashboard:index")).content.decode()
    links = set(
        re.findall(r'<a href="(/shiryo2/\?[^"]+)" aria-label="[^"]+ 区分\w (\d+)件">', page)
    )
    assert len(links) > 20  # every chapter and department, each 区分 present
    for url, count in links:
        listed = client.get(unescape(url)).context["page"].paginator.count
        assert listed == int(count), url


def test_moves_show_an_action_that_went_from_b_to_a(client, jisou, honbu):
    report = next(
        r
        for r in ActionReport.objects.filter(
            period__code="R5H1", action__departments__label="子）児童相談所"
        )
        if [s.classification for s in r.statuses.all()] == ["B"]
    )
    status = report.statuses.get()
    client.force_login(jisou)
    client.post(
        reverse("recommendations:edit", args=[report.pk]),
        statuses_post(report, [(status.pk, "令和５年度から実施している。", "A")], submit=True),
    )
    report.refresh_from_db()
    client.force_login(honbu)
    client.post(
        reverse("recommendations:review", args=[report.pk]),
        {"decision": "approve", "version": report.version},
    )

    context = client.get(reverse("dashboard:index")).context
    moves = {(m.before, m.after): [r.pk for r in m.actions] for m in context["moves"]}
    assert moves == {("B", "A"): [report.pk]}
    assert context["previous"].code == "R2-05"


def test_section_staff_see_their_own_version(client, hogo):
    client.force_login(hogo)
    response = client.get(reverse("dashboard:index"))
    tracker = response.context["tracker"]
    assert {row.organization.label for row in tracker} == {"保）保護課"}
    assert response.context["chapters"] == []  # 保護課 answers no 資料2 action
    assert "mine=true" in response.content.decode()


def test_matrix_marks_cells_with_unstarted_or_returned_rows(client, honbu):
    from initiatives.models import ProgressEntry
    from reporting.models import EntryState

    entry = ProgressEntry.objects.get(
        period__code="R5H1", initiative__category__number=1, initiative__number=4
    )
    ProgressEntry.objects.filter(pk=entry.pk).update(state=EntryState.RETURNED)
    client.force_login(honbu)
    rows = client.get(reverse("dashboard:index")).context["matrix"]
    flagged = {
        (c.category.number, c.job_category.name)
        for _, cells in rows
        for c in cells
        if c.needs_attention
    }
    assert flagged == {(1, "ケースワーカー")}


def test_a_past_period_is_shown_as_it_was(client, honbu):
    client.force_login(honbu)
    context = client.get(reverse("dashboard:index"), {"period": "R2-05"}).context
    assert context["period"].code == "R2-05"
    assert context["previous"] is None
    assert {row.document for row in context["tracker"]} == {"資料2"}


def test_query_count_does_not_grow_with_the_data(client, honbu, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(honbu)
    with CaptureQueriesContext(connection) as at_seed:
        client.get(reverse("dashboard:index"))
    multiply_seed(10)
    with django_assert_max_num_queries(len(at_seed)):
        assert client.get(reverse("dashboard:index")).status_code == 200


def test_tracker_flags_overdue_sections_in_words(client, honbu):
    """The seed's deadline (令和５年10月31日) has passed and nothing is submitted."""
    from initiatives.models import ProgressEntry

    client.force_login(honbu)
    page = client.get(reverse("dashboard:index")).content.decode()
    hogo_rows = ProgressEntry.objects.filter(
        period__code="R5H1", initiative__sections__label="保）保護課"
    )
    marker = f'<strong class="overdue-marker">期限超過 未提出{hogo_rows.count()}件</strong>'
    assert f"保）保護課</a> {marker}" in page
    assert '<tr class="overdue"><td>資料3</td>' in page


# The counts again, computed here row by row from the models, against the dashboard's SQL ------


def varied_data(hogo, jisou):
    """The seed grown to 2× (copied sections and departments), then: reports with several
    paragraphs of several 区分, an initiative answered by two sections, and rows in every state."""
    from initiatives.models import Initiative, ProgressEntry
    from recommendations.models import ImplementationStatus
    from reporting.models import EntryState

    multiply_seed(2)
    reports = list(
        ActionReport.objects.filter(
            period__code="R5H1", action__departments__label="子）児童相談所"
        ).order_by("pk")[:3]
    )
    for report, letters in zip(reports, ["AC", "BB", "DCA"], strict=True):
        for position, letter in enumerate(letters, start=50):
            ImplementationStatus.objects.create(
                report=report, position=position, text="追加の段落", classification=letter
            )
    shared = Initiative.objects.filter(sections__in=hogo.organizations.all()).first()
    shared.sections.add(*jisou.organizations.filter(level="section"))
    states = list(EntryState.values)
    for index, entry in enumerate(ProgressEntry.objects.order_by("pk")):
        ProgressEntry.objects.filter(pk=entry.pk).update(state=states[index % len(states)])
    for index, report in enumerate(ActionReport.objects.order_by("pk")):
        ActionReport.objects.filter(pk=report.pk).update(state=states[(index * 3) % len(states)])


def counted_from_the_rows(period, scope):
    """What the dashboard must show for `period` and `scope` (None: everything), counted in
    Python over every row."""
    from initiatives.models import ProgressEntry
    from recommendations.models import Action

    def in_scope(organizations):
        return scope is None or bool({o.pk for o in organizations} & scope)

    letters = defaultdict(set)
    for report in ActionReport.objects.filter(period=period).prefetch_related("statuses"):
        letters[report.action_id] |= {s.classification for s in report.statuses.all()}
    actions = list(Action.objects.select_related("policy__chapter", "repost_of"))
    departments = {
        a.pk: list(a.departments.all()) for a in Action.objects.prefetch_related("departments")
    }
    originals = {a.pk for a in actions if a.repost_of_id is None and in_scope(departments[a.pk])}

    placed = defaultdict(set)
    for action in actions:
        original = action.repost_of_id or action.pk
        if original in originals:
            placed[action.policy.chapter.number].add(original)
    chapters = {
        number: (Counter(x for a in ids for x in letters[a]), len(ids))
        for number, ids in placed.items()
    }
    by_department = defaultdict(lambda: (Counter(), set()))
    for action_id in originals:
        for department in departments[action_id]:
            by_department[department.label][0].update(letters[action_id])
            by_department[department.label][1].add(action_id)
    total = (Counter(x for a in originals for x in letters[a]), len(originals))

    matrix, tracker = Counter(), Counter()
    entries = ProgressEntry.objects.filter(period=period).select_related("initiative")
    for entry in entries.prefetch_related("initiative__sections"):
        sections = list(entry.initiative.sections.all())
        if in_scope(sections):
            key = (entry.initiative.category_id, entry.initiative.job_category_id, entry.state)
            matrix[key] += 1
        for section in sections:
            if scope is None or section.pk in scope:
                tracker[("資料3", section.label, entry.state)] += 1
    for report in ActionReport.objects.filter(period=period):
        for department in departments[report.action_id]:
            if scope is None or department.pk in scope:
                tracker[("資料2", department.label, report.state)] += 1
    return {
        "chapters": chapters,
        "departments": {k: (c, len(ids)) for k, (c, ids) in by_department.items()},
        "total": total,
        "matrix": matrix,
        "tracker": tracker,
    }


def shown_on_the_dashboard(context):
    def counts(row):
        return Counter({k: v for k, v in row.counts.items() if v}), row.total

    matrix, tracker = Counter(), Counter()
    for _, cells in context["matrix"]:
        for cell in cells:
            for state, count in cell.by_state():
                matrix[(cell.category.pk, cell.job_category.pk, state)] = count
    for row in context["tracker"]:
        for state, count in row.by_state():
            if count:
                tracker[(row.document, row.organization.label, state)] = count
    return {
        "chapters": {row.key.number: counts(row) for row in context["chapters"]},
        "departments": {row.label: counts(row) for row in context["departments"]},
        "total": counts(context["total"]),
        "matrix": matrix,
        "tracker": tracker,
    }


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("honbu", "R5H1"),
        ("jisou", "R5H1"),
        ("hogo", "R5H1"),
        ("honbu", "R2-05"),
        ("jisou", "R2-05"),
    ],
)
def test_every_count_equals_the_rows_counted_one_by_one(client, hogo, jisou, username, code):
    from django.contrib.auth import get_user_model

    from accounts.roles import organization_ids
    from reporting.models import ReportingPeriod

    varied_data(hogo, jisou)
    user = get_user_model().objects.get(username=username)
    period = ReportingPeriod.objects.get(code=code)
    client.force_login(user)
    context = client.get(reverse("dashboard:index"), {"period": code}).context
    scope = None if username == "honbu" else set(organization_ids(user))
    expected = counted_from_the_rows(period, scope)
    # The dashboard cuts the tracker and the departments (the most behind first); their full
    # pages show every row.
    departments = client.get(reverse("dashboard:departments"), {"period": code}).context
    rows, number, pages = [], 0, 1
    while number < pages:
        number += 1
        tracker = client.get(reverse("dashboard:tracker"), {"period": code, "page": number})
        rows += tracker.context["tracker"]
        pages = tracker.context["page"].paginator.num_pages
    shown = {
        **{name: context[name] for name in ("chapters", "total", "matrix")},
        "departments": departments["departments"],
        "tracker": rows,
    }
    assert shown_on_the_dashboard(shown) == expected
    assert context["tracker"] == rows[: len(context["tracker"])]
    assert context["departments"] == departments["departments"][: len(context["departments"])]
    assert expected["tracker"]  # something was counted
    assert bool(expected["chapters"]) == (username != "hogo")  # 保護課 answers no 資料2 action
    if code == "R5H1":
        assert expected["matrix"]


def test_moves_equal_those_found_row_by_row(client, honbu, hogo, jisou):
    from recommendations.models import ImplementationStatus

    varied_data(hogo, jisou)
    # Some current reports move: their paragraphs all become Ａ, or all Ｄ.
    for index, report in enumerate(ActionReport.objects.filter(period__code="R5H1")[:12]):
        ImplementationStatus.objects.filter(report=report).update(
            classification="A" if index % 2 else "D"
        )

    def most_advanced(code):
        found = defaultdict(set)
        for status in ImplementationStatus.objects.filter(
            report__period__code=code, report__action__repost_of=None
        ).select_related("report"):
            found[status.report.action_id].add(status.classification)
        return {action: min(letters) for action, letters in found.items()}

    before, now = most_advanced("R2-05"), most_advanced("R5H1")
    expected = defaultdict(set)
    for action, letter in now.items():
        if action in before and before[action] != letter:
            expected[(before[action], letter)].add(action)
    client.force_login(honbu)
    moves = client.get(reverse("dashboard:index")).context["moves"]
    assert {(m.before, m.after): {r.action_id for r in m.actions} for m in moves} == expected
    assert len(expected) >= 2

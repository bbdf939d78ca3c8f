"""What the dashboard shows, checked against counts made here straight from the rows: states
spread over many sections and departments, actions with several paragraphs, a closed period.
Only the rendered tables are read, so the tests hold whatever way the page computes them."""

import re
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from initiatives.models import ProgressEntry
from recommendations.models import Action, ActionReport, ImplementationStatus
from reporting.models import EntryState, ReportingPeriod
from shell.templatetags.portal_tags import era_datetime
from tests.helpers import current_entry, current_report, progress_post, statuses_post
from tests.pagetables import clean, table

pytestmark = pytest.mark.django_db

STATES = list(EntryState)
OUTSTANDING = {EntryState.NOT_STARTED, EntryState.DRAFT, EntryState.RETURNED}
LETTERS = ["A", "B", "C", "D"]


def page(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("dashboard:index"), params)
    assert response.status_code == 200
    return response.content.decode()


def spread_states(model):
    """Every state on some rows of the current period, in turn; returns the rows."""
    rows = list(model.objects.filter(period__code="R5H1").order_by("pk"))
    for index, row in enumerate(rows):
        model.objects.filter(pk=row.pk).update(state=STATES[index % len(STATES)])
    return rows


# -- The submission tracker ----------


def expected_tracker():
    counts = defaultdict(Counter)
    for entry in ProgressEntry.objects.filter(period__code="R5H1").prefetch_related(
        "initiative__sections"
    ):
        for section in entry.initiative.sections.all():
            counts[("資料3", section.label)][entry.state] += 1
    for report in ActionReport.objects.filter(period__code="R5H1").prefetch_related(
        "action__departments"
    ):
        for department in report.action.departments.all():
            counts[("資料2", department.label)][report.state] += 1
    return counts


def shown_tracker(html):
    rows = table(html, "課・部ごとの報告の状態")
    header = rows[0]
    labels = header[2:-1]
    assert labels == [state.label for state in STATES]
    shown = {}
    for row in rows[1:]:
        document, organization, *numbers, total = row
        label, _, marker = organization.partition(" 期限超過 ")
        counts = dict(zip(labels, map(int, numbers), strict=True))
        shown[(document, label)] = (counts, int(total), marker)
    return shown


def test_tracker_counts_every_state_per_section_and_department(client, honbu):
    spread_states(ProgressEntry)
    spread_states(ActionReport)
    # One section with everything submitted or approved: nothing outstanding there.
    hogos = ProgressEntry.objects.filter(
        period__code="R5H1", initiative__sections__label="保）保護課"
    ).order_by("pk")
    for index, entry in enumerate(hogos):
        states = [EntryState.APPROVED, EntryState.SUBMITTED]
        ProgressEntry.objects.filter(pk=entry.pk).update(state=states[index % 2])
    expected = expected_tracker()
    assert len({label for _, label in expected}) > 5
    assert len(expected[("資料3", "保）保護課")]) == 2

    shown = shown_tracker(page(client, honbu))

    assert set(shown) == set(expected)
    for key, counts in expected.items():
        shown_counts, total, marker = shown[key]
        assert shown_counts == {state.label: counts[state] for state in STATES}, key
        assert total == sum(counts.values()), key
        # The deadline (令和５年10月31日) has passed: rows not yet submitted or approved are
        # outstanding, and only those.
        outstanding = sum(counts[state] for state in OUTSTANDING)
        assert marker == (f"未提出{outstanding}件" if outstanding else ""), key


@pytest.mark.parametrize(
    ("closed", "deadline_in_days", "flagged"),
    # On the deadline day itself the period is not yet overdue.
    [
        (False, -1, True),
        (False, 0, False),
        (False, 30, False),
        (True, -1, False),
        (True, 30, False),
    ],
)
def test_overdue_is_flagged_only_on_an_open_period_past_its_deadline(
    client, honbu, closed, deadline_in_days, flagged
):
    deadline = timezone.localdate() + timedelta(days=deadline_in_days)
    ReportingPeriod.objects.filter(code="R5H1").update(is_closed=closed, deadline=deadline)
    html = page(client, honbu)
    assert ("期限超過" in html) is flagged
    markers = [row[2] for row in shown_tracker(html).values() if row[2]]
    assert bool(markers) is flagged


# -- The 資料3 matrix ----------


def expected_matrix():
    cells = defaultdict(Counter)
    entries = ProgressEntry.objects.filter(period__code="R5H1").select_related(
        "initiative__category", "initiative__job_category"
    )
    for entry in entries:
        initiative = entry.initiative
        cells[(clean(str(initiative.category)), clean(str(initiative.job_category)))][
            entry.state
        ] += 1
    return cells


def test_matrix_counts_each_row_once_whatever_its_number_of_sections(client, honbu):
    spread_states(ProgressEntry)
    shared = [
        e
        for e in ProgressEntry.objects.filter(period__code="R5H1")
        if e.initiative.sections.count() > 1
    ]
    assert shared, "the seed has rows answered by several sections"
    expected = expected_matrix()

    rows = table(page(client, honbu), "分類ごと・対象職種ごとの報告状況")
    jobs = rows[0][1:]
    shown = {}
    for category, *cells in rows[1:]:
        for job, text in zip(jobs, cells, strict=True):
            if text == "－":
                continue
            total, _, rest = text.partition("件")
            by_label = {state.label: state for state in STATES}
            pattern = "(" + "|".join(by_label) + r") (\d+)"
            counts = Counter(
                {by_label[label]: int(number) for label, number in re.findall(pattern, rest)}
            )
            shown[(category, job)] = (int(total), counts, "要対応" in rest)

    assert set(shown) == set(expected)
    for key, counts in expected.items():
        total, shown_counts, attention = shown[key]
        assert total == sum(counts.values()), key
        assert shown_counts == counts, key
        assert attention is any(counts[s] for s in (EntryState.NOT_STARTED, EntryState.RETURNED))


# -- 資料2 区分 per chapter and per department, in any period ----------


def expected_classifications(period_code):
    letters = defaultdict(set)
    for action_id, letter in ImplementationStatus.objects.filter(
        report__period__code=period_code
    ).values_list("report__action_id", "classification"):
        letters[action_id].add(letter)
    by_chapter, by_department = defaultdict(Counter), defaultdict(Counter)
    placed = defaultdict(set)
    for action in Action.objects.select_related("policy__chapter").prefetch_related("departments"):
        original = action.repost_of_id or action.pk
        placed[clean(str(action.policy.chapter))].add(original)
        if action.repost_of_id is None:
            for department in action.departments.all():
                label = clean(department.label)
                by_department[label]["total"] += 1
                for letter in letters[action.pk]:
                    by_department[label][letter] += 1
    for chapter, originals in placed.items():
        for original in originals:
            by_chapter[chapter]["total"] += 1
            for letter in letters[original]:
                by_chapter[chapter][letter] += 1
    return by_chapter, by_department


def shown_classifications(html, caption):
    rows = table(html, caption)
    assert rows[0][1:6] == ["Ａ", "Ｂ", "Ｃ", "Ｄ", "取組数"]
    shown = {}
    for label, a, b, c, d, total, _share in rows[1:]:
        shown[label] = Counter(
            {
                k: int(v)
                for k, v in zip([*LETTERS, "total"], [a, b, c, d, total], strict=True)
                if int(v)
            }
        )
    return shown


def mix_paragraphs():
    """Some actions of the current period get paragraphs of several 区分, one has none."""
    reports = list(
        ActionReport.objects.filter(period__code="R5H1", action__repost_of=None).order_by("pk")
    )
    reports.pop().statuses.all().delete()
    for index, report in enumerate(reports[::3]):
        statuses = list(report.statuses.order_by("position"))
        for offset, status in enumerate(statuses):
            status.classification = LETTERS[(index + offset) % 4]
            status.save()
        ImplementationStatus.objects.create(
            report=report,
            position=len(statuses) + 1,
            text="追加の段落",
            classification=LETTERS[(index + 2) % 4],
        )


@pytest.mark.parametrize("period_code", ["R5H1", "R2-05"])
def test_classification_counts_per_chapter_and_department(client, honbu, period_code):
    mix_paragraphs()
    if period_code == "R2-05":
        assert ReportingPeriod.objects.get(code=period_code).is_closed
    by_chapter, by_department = expected_classifications(period_code)
    total = Counter()
    for action in Action.objects.filter(repost_of=None):
        total["total"] += 1
        for letter in set(
            ImplementationStatus.objects.filter(
                report__period__code=period_code, report__action=action
            ).values_list("classification", flat=True)
        ):
            total[letter] += 1
    html = page(client, honbu, period=period_code)
    chapters = shown_classifications(html, "項目ごとの区分の件数")
    departments = shown_classifications(html, "担当部ごとの区分の件数")
    # The last row of each table: every action once.
    for shown in (chapters, departments):
        assert shown.pop("合計（取組ごとに１回）") == total
    assert chapters == {k: v for k, v in by_chapter.items() if v["total"]}
    assert departments == {k: v for k, v in by_department.items() if v["total"]}


# -- Moves between periods ----------


def set_letters(report, letters):
    report.statuses.all().delete()
    for position, letter in enumerate(letters, start=1):
        ImplementationStatus.objects.create(
            report=report, position=position, text=f"段落{position}", classification=letter
        )


def test_moves_compare_each_actions_most_advanced_classification(client, honbu):
    reports = ActionReport.objects.filter(action__repost_of=None).select_related("action")
    pairs = []
    for action in Action.objects.filter(repost_of=None).order_by("pk"):
        old = reports.filter(period__code="R2-05", action=action).first()
        new = reports.filter(period__code="R5H1", action=action).first()
        if old and new:
            pairs.append((old, new))
    (old1, new1), (old2, new2), (old3, new3) = pairs[:3]
    set_letters(old1, ["B", "D"])
    set_letters(new1, ["D", "A"])  # B→A
    set_letters(old2, ["C"])
    set_letters(new2, ["C", "D"])  # still C: no move
    set_letters(old3, ["A"])
    set_letters(new3, ["B", "C"])  # A→B
    expected = defaultdict(set)
    for old, new in pairs:
        before = min(old.statuses.values_list("classification", flat=True), default=None)
        after = min(new.statuses.values_list("classification", flat=True), default=None)
        if before and after and before != after:
            expected[f"{before}→{after}"].add(new.action.reference)
    assert expected["B→A"] == {new1.action.reference}
    assert expected["A→B"] == {new3.action.reference}

    rows = table(page(client, honbu), "区分が変わった取組")
    shown = {change: (int(count), set(refs.split("、"))) for change, count, refs in rows[1:]}

    assert shown == {change: (len(refs), refs) for change, refs in expected.items()}


# -- Recent changes ----------


def test_section_staff_see_only_their_own_rows_recent_changes(client, honbu, hogo):
    own = current_entry("保）保護課", exclude_section="子）地域連携課")
    other = (
        ProgressEntry.objects.filter(period__code="R5H1")
        .exclude(initiative__sections__label="保）保護課")
        .order_by("pk")
        .first()
    )
    client.force_login(honbu)
    for entry in (own, other):
        response = client.post(reverse("initiatives:edit", args=[entry.pk]), progress_post(entry))
        assert response.status_code == 302

    def changes(user):
        html = page(client, user)
        section = html.split('id="changes-heading"', 1)[1]
        return section

    hq = changes(honbu)
    assert f"資料3 {own.reference}（" in hq and f"資料3 {other.reference}（" in hq
    mine = changes(hogo)
    assert f"資料3 {own.reference}（" in mine
    assert f"資料3 {other.reference}（" not in mine


def test_moves_compare_with_the_period_just_before_whatever_the_order(client, honbu):
    from dashboard.selectors import previous_period

    middle = ReportingPeriod.objects.create(
        code="R4H2",
        name="令和４年度下半期",
        results_until="2023-03-31",
        plans_from="2023-04-01",
        is_closed=True,
    )
    periods = list(ReportingPeriod.objects.order_by("results_until"))
    current = ReportingPeriod.objects.get(code="R5H1")
    for order in (periods, periods[::-1]):
        assert previous_period(order, current) == middle
    assert previous_period(periods, periods[0]) is None
    html = page(client, honbu)
    assert "令和４年度下半期" in html.split('id="s2-heading"', 1)[1].split("</section>", 1)[0]


def test_tracker_lists_the_most_outstanding_first_then_shiryo3_before_shiryo2(client, honbu):
    shown = shown_tracker(page(client, honbu))
    documents = {document for document, _ in shown}
    assert documents == {"資料3", "資料2"}
    order = [
        (-(total - counts["提出済"] - counts["承認済"]), document != "資料3")
        for (document, _), (counts, total, _) in shown.items()
    ]
    assert order == sorted(order)
    assert len(set(order)) > 3  # several numbers outstanding, both documents


def test_moves_link_to_the_reports_of_the_period_shown(client, honbu):
    action = Action.objects.filter(repost_of=None).order_by("pk")[0]
    old, new = (ActionReport.objects.get(period__code=c, action=action) for c in ("R2-05", "R5H1"))
    set_letters(old, ["C"])
    set_letters(new, ["A"])
    # A later period has its own report of the action; the page shows 令和５年度上半期.
    later = ReportingPeriod.objects.create(
        code="R5H2",
        name="令和５年度下半期",
        results_until="2024-03-31",
        plans_from="2024-04-01",
    )
    newest = ActionReport.objects.create(period=later, action=action, updated_by=honbu)
    html = page(client, honbu, period="R5H1")
    section = html.split("<caption>区分が変わった取組</caption>", 1)[1].split("</table>", 1)[0]
    links = re.findall(r'href="([^"]+)"', section)
    assert reverse("recommendations:detail", args=[new.pk]) in links
    others = {reverse("recommendations:detail", args=[r.pk]) for r in (old, newest)}
    assert not others & set(links)


def test_more_moves_and_more_recent_changes_take_no_more_queries(client, honbu, hogo, jisou):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pairs = [
        (
            ActionReport.objects.get(period__code="R2-05", action=action),
            ActionReport.objects.get(period__code="R5H1", action=action),
        )
        for action in Action.objects.filter(repost_of=None).order_by("pk")[:8]
    ]

    def move(count):
        for old, new in pairs[:count]:
            set_letters(old, ["D"])
            set_letters(new, ["A"])

    def edit(by):
        for user, entry in by:
            client.force_login(user)
            response = client.post(
                reverse("initiatives:edit", args=[entry.pk]),
                progress_post(entry, plans=f"{entry.plans}（{user.username}）"),
            )
            assert response.status_code == 302

    def edit_reports(by):
        # Changes of 資料2 too, each by its own user: the list names who made each change.
        for user, report in by:
            client.force_login(user)
            statuses = report.statuses.order_by("position")
            paragraphs = [
                (s.pk, f"{s.text}（{user.username}）", s.classification) for s in statuses
            ]
            response = client.post(
                reverse("recommendations:edit", args=[report.pk]),
                statuses_post(report, paragraphs),
            )
            assert response.status_code == 302

    move(1)
    edit([(honbu, current_entry("保）保護課"))])
    edit_reports([(honbu, current_report("子）児童相談所"))])
    client.force_login(honbu)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dashboard:index"))
    move(8)
    edit(
        [
            (hogo, current_entry("保）保護課", exclude_section="子）地域連携課")),
            (jisou, current_entry("子）地域連携課", exclude_section="保）保護課")),
        ]
    )
    edit_reports([(jisou, current_report("子）児童相談所"))])
    client.force_login(honbu)
    with CaptureQueriesContext(connection) as more:
        html = client.get(reverse("dashboard:index")).content.decode()
    moved = table(html, "区分が変わった取組")[1:]
    assert sum(int(count) for _, count, _ in moved) >= 8
    assert len(more) <= len(few)


def test_recent_changes_show_the_twenty_latest(client, honbu):
    entries = list(ProgressEntry.objects.filter(period__code="R5H1").order_by("pk")[:25])
    client.force_login(honbu)
    for entry in entries:
        client.post(
            reverse("initiatives:edit", args=[entry.pk]),
            progress_post(entry, plans=f"{entry.plans}（追記）"),
        )
    section = page(client, honbu).split('id="changes-heading"', 1)[1].split("</ol>", 1)[0]
    shown = re.findall(r"資料3 ([^（<]+)（", section)
    assert shown == [entry.initiative.reference for entry in reversed(entries)][:20]


def test_recent_changes_say_who_changed_which_row_how_with_a_link_to_its_page(
    client, honbu, hogo, jisou
):
    entry, report = current_entry("保）保護課"), current_report("子）児童相談所")
    client.force_login(hogo)
    client.post(reverse("initiatives:edit", args=[entry.pk]), progress_post(entry, plans="追記"))
    client.force_login(jisou)
    paragraphs = [(s.pk, f"{s.text}追記", s.classification) for s in report.statuses.all()]
    client.post(
        reverse("recommendations:edit", args=[report.pk]), statuses_post(report, paragraphs)
    )
    # A row created and one deleted (as the admin and the imports do), by the HQ.
    other = ReportingPeriod.objects.get(code="R2-05")
    created = ProgressEntry(period=other, initiative=entry.initiative, plans="新しい行")
    ProgressEntry.objects.filter(period=other, initiative=entry.initiative).delete()
    created._history_user = honbu
    created.save()
    deleted = current_entry("保）保護課", exclude_section="子）地域連携課", period_code="R2-05")
    deleted._history_user = honbu
    deleted_pk, deleted_reference = deleted.pk, deleted.initiative.reference
    deleted.delete()

    section = page(client, honbu).split('id="changes-heading"', 1)[1].split("</ol>", 1)[0]
    # Each item after its time: who, the row (a link to its page) and how it changed.
    items = [
        clean(re.sub(r"<[^>]+>", "", item.split("</time>", 1)[1]))
        for item in section.split("<li>")[1:5]
    ]
    links = re.findall(r'<a href="([^"]+)">', section)[:4]
    name = {user: user.get_full_name() or user.get_username() for user in (honbu, hogo, jisou)}
    assert items == [
        f"{name[honbu]} 資料3 {deleted_reference}（{other}）を削除",
        f"{name[honbu]} 資料3 {created.initiative.reference}（{other}）を作成",
        f"{name[jisou]} 資料2 {report.action.reference}（{report.period}）を変更",
        f"{name[hogo]} 資料3 {entry.initiative.reference}（{entry.period}）を変更",
    ]
    assert links == [
        reverse("initiatives:detail", args=[deleted_pk]),
        reverse("initiatives:detail", args=[created.pk]),
        reverse("recommendations:detail", args=[report.pk]),
        reverse("initiatives:detail", args=[entry.pk]),
    ]
    # Each at the time of its history record, as 令和 date and Tokyo time.
    moments = [
        ProgressEntry.history.filter(id=deleted_pk).latest().history_date,
        created.history.latest().history_date,
        report.history.latest().history_date,
        entry.history.latest().history_date,
    ]
    assert re.findall(r"<time[^>]*>([^<]*)</time>", section)[:4] == [
        era_datetime(moment) for moment in moments
    ]

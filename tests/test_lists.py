"""The list pages: filters in the URL, document order, search, pagination."""

import re
from html import unescape

import pytest
from django.urls import reverse

from initiatives.models import ProgressEntry
from recommendations.models import (
    Action,
    ActionReport,
    Chapter,
    ImplementationStatus,
    Policy,
    Recommendation,
)
from reporting.views import PAGE_SIZE

pytestmark = pytest.mark.django_db


def listed(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response, [row.pk for row in response.context["page"].object_list]


def test_shiryo3_list_is_in_document_order_for_the_current_period(client, hogo):
    client.force_login(hogo)
    _, pks = listed(client, "initiatives:list")
    entries = list(ProgressEntry.objects.filter(pk__in=pks))
    keys = [
        (
            e.initiative.category.number,
            e.initiative.subclass.number if e.initiative.subclass else 0,
            e.initiative.number,
        )
        for e in sorted(entries, key=lambda e: pks.index(e.pk))
    ]
    assert keys == sorted(keys)
    assert {e.period.code for e in entries} == {"R5H1"}
    assert len(pks) == min(PAGE_SIZE, ProgressEntry.objects.filter(period__code="R5H1").count())


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "__cat3__"}, lambda e: e.initiative.category.number == 3),
        ({"job_category": "__hokenshi__"}, lambda e: e.initiative.job_category.name == "保健師"),
        (
            {"section": "__hogo__"},
            lambda e: "保）保護課" in [s.label for s in e.initiative.sections.all()],
        ),
        ({"q": "監査"}, lambda e: "監査" in (e.results + e.plans)),
    ],
)
def test_shiryo3_filters(client, hogo, params, expected):
    from departments.models import JobCategory, Organization
    from initiatives.models import Category

    values = {
        "__cat3__": Category.objects.get(number=3).pk,
        "__hokenshi__": JobCategory.objects.get(name="保健師").pk,
        "__hogo__": Organization.objects.get(label="保）保護課").pk,
    }
    params = {k: values.get(v, v) for k, v in params.items()}
    client.force_login(hogo)
    _, pks = listed(client, "initiatives:list", **params)
    current = ProgressEntry.objects.filter(period__code="R5H1")
    assert set(pks) == {e.pk for e in current if expected(e)}
    assert pks


def test_search_finds_a_repost_row_by_its_originals_text(client, hogo):
    repost = (
        ProgressEntry.objects.filter(period__code="R5H1")
        .exclude(initiative__repost_of=None)
        .first()
    )
    original = ProgressEntry.objects.get(
        period__code="R5H1", initiative=repost.initiative.repost_of
    )
    words = original.results[1:12]
    client.force_login(hogo)
    _, pks = listed(client, "initiatives:list", q=words)
    assert repost.pk in pks and original.pk in pks


def test_filter_is_in_the_url_and_survives_paging(client, hogo, monkeypatch):
    # Pages of 10 rows: the seed has fewer than two pages of the real size.
    monkeypatch.setattr("reporting.views.PAGE_SIZE", 10)
    current = ProgressEntry.objects.filter(period__code="R5H1").order_by("pk")
    drafts = list(current.values_list("pk", flat=True)[:13])
    assert len(drafts) == 13
    current.update(state="not_started")
    current.filter(pk__in=drafts).update(state="draft")
    client.force_login(hogo)

    first = client.get(reverse("initiatives:list"), {"state": "draft"})
    html = first.content.decode()
    assert 'value="draft" selected' in html
    next_link = re.search(r'<a href="(\?[^"]*)">次のページ</a>', html)
    assert next_link, "page 1 links to page 2"
    second = client.get(reverse("initiatives:list") + unescape(next_link.group(1)))

    assert second.status_code == 200
    assert 'value="draft" selected' in second.content.decode()
    page_one = [row.pk for row in first.context["page"].object_list]
    page_two = [row.pk for row in second.context["page"].object_list]
    assert second.context["page"].number == 2
    assert len(page_one) == 10 and len(page_two) == 3
    assert sorted(page_one + page_two) == sorted(drafts)


def test_shiryo2_classification_filter_matches_any_paragraph(client, jisou):
    client.force_login(jisou)
    _, pks = listed(client, "recommendations:list", classification="B")
    expected = set(
        ImplementationStatus.objects.filter(
            report__period__code="R5H1", classification="B"
        ).values_list("report_id", flat=True)
    )
    assert set(pks) == expected


def test_shiryo2_chapter_filter_includes_reposted_actions(client, jisou):
    chapter = Chapter.objects.get(number=3)
    client.force_login(jisou)
    _, pks = listed(client, "recommendations:list", chapter=chapter.pk)
    reports = ActionReport.objects.filter(pk__in=pks).select_related("action__policy__chapter")
    chapters = {r.action.policy.chapter.number for r in reports}
    assert chapters == {1, 3}  # (3)ア repeats three actions of chapter (1)
    own = ActionReport.objects.filter(period__code="R5H1", action__policy__chapter=chapter).count()
    assert len(pks) == own + 3


def test_shiryo2_recommendation_and_policy_filters(client, jisou):
    recommendation = Recommendation.objects.get(chapter__number=4, number=2)
    policy = Policy.objects.get(chapter__number=4, number=2)
    client.force_login(jisou)
    _, by_recommendation = listed(client, "recommendations:list", recommendation=recommendation.pk)
    _, by_policy = listed(client, "recommendations:list", policy=policy.pk)
    expected = set(
        ActionReport.objects.filter(period__code="R5H1", action__policy=policy).values_list(
            "pk", flat=True
        )
    )
    assert set(by_recommendation) == set(by_policy) == expected


def test_shiryo2_department_and_period_filters(client, jisou):
    from departments.models import Organization

    dept = Organization.objects.get(label="総）職員部")
    client.force_login(jisou)
    _, pks = listed(client, "recommendations:list", department=dept.pk, period="R2-05")
    expected = ActionReport.objects.filter(period__code="R2-05", action__departments=dept)
    assert set(pks) == set(expected.values_list("pk", flat=True)) and pks


def test_shiryo2_search_covers_status_texts(client, jisou):
    client.force_login(jisou)
    _, pks = listed(client, "recommendations:list", q="ダイジェスト版")
    reports = ActionReport.objects.filter(pk__in=pks)
    assert reports.count() == 1
    assert reports.get().action.reference == "(1)オ(ｱ)"


def test_mine_shows_only_the_rows_of_my_sections(client, hogo):
    client.force_login(hogo)
    response, pks = listed(client, "initiatives:list", mine="true")
    mine = ProgressEntry.objects.filter(
        period__code="R5H1", initiative__sections__label="保）保護課"
    )
    assert set(pks) == set(mine.values_list("pk", flat=True))
    assert 'name="mine" value="true"' in response.content.decode()


@pytest.mark.parametrize(
    ("name", "model", "row", "links"),
    [
        ("initiatives:list", ProgressEntry, "initiative", "sections"),
        ("recommendations:list", ActionReport, "action", "departments"),
    ],
)
def test_mine_shows_a_row_of_two_of_my_organisations_once_and_counts_it_once(
    client, jisou, name, model, row, links
):
    organizations = list(jisou.organizations.all())
    assert len(organizations) == 2
    mine = model.objects.filter(
        period__code="R5H1", **{f"{row}__{links}__in": organizations}
    ).distinct()
    shared = mine.order_by("pk").first()
    getattr(getattr(shared, row), links).add(*organizations)
    client.force_login(jisou)
    response, pks = listed(client, name, mine="true")
    assert pks.count(shared.pk) == 1
    assert sorted(pks) == sorted(mine.values_list("pk", flat=True))
    assert response.context["page"].paginator.count == len(pks) == mine.count()


def test_choices_added_after_an_earlier_request_can_be_filtered_on(client, hogo):
    from departments.models import Organization, Section
    from initiatives.models import Initiative

    client.force_login(hogo)
    listed(client, "initiatives:list")  # an earlier request in the same process
    bureau = Organization.objects.get(label="保健福祉局")
    section = Section.objects.create(name="新設課", parent=bureau, level=Organization.Level.SECTION)
    initiative = Initiative.objects.filter(repost_of=None).first()
    initiative.sections.add(section)
    _, pks = listed(client, "initiatives:list", section=section.pk)
    expected = initiative.entries.filter(period__code="R5H1").values_list("pk", flat=True)
    assert set(pks) == set(expected)


def test_a_shiryo2_row_is_tagged_with_each_place_of_its_reposts(client, jisou):
    repost = Action.objects.exclude(repost_of=None).select_related("repost_of").first()
    original = repost.repost_of
    places = [a.reference for a in Action.objects.filter(repost_of=original).order_by("number")]
    client.force_login(jisou)
    response, pks = listed(client, "recommendations:list", chapter=original.policy.chapter_id)
    report = ActionReport.objects.get(period__code="R5H1", action=original)
    assert report.pk in pks
    row = next(r for r in response.content.decode().split("<tr")[1:] if f"/{report.pk}/" in r)
    assert re.findall(r'<span class="tag">再掲 ([^<]+)</span>', row) == places


MARKUP = '<script>alert("x")</script><b>太字</b>'


def test_text_a_section_wrote_is_shown_as_text_never_as_markup_on_both_lists(client, honbu):
    entry = ProgressEntry.objects.filter(initiative__repost_of=None).first()
    ProgressEntry.objects.filter(pk=entry.pk).update(plans=MARKUP)
    report = ActionReport.objects.filter(period=entry.period).first()
    ImplementationStatus.objects.filter(report=report).update(text=MARKUP)
    client.force_login(honbu)
    for name, params in (
        ("initiatives:list", {"period": entry.period_id, "q": "太字"}),
        ("recommendations:list", {"period": report.period_id, "q": "太字"}),
    ):
        html = client.get(reverse(name), params).content.decode()
        assert "<script>alert" not in html and "<b>太字" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;太字" in html


@pytest.mark.parametrize("name", ["initiatives:list", "recommendations:list"])
def test_a_filter_that_matches_nothing_says_so_in_one_row_across_the_table(client, honbu, name):
    client.force_login(honbu)
    page = client.get(reverse(name), {"q": "どの取組にもない言葉"}).content.decode()

    body = page.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    headings = page.split("<thead", 1)[1].split("</thead>", 1)[0].count("<th")
    assert re.findall(r"<tr>.*?</tr>", body, re.S) == [
        f'<tr><td colspan="{headings}">条件に合う取組はありません。</td></tr>'
    ]


def test_each_filter_choice_is_labelled_as_its_row_is_named_elsewhere():
    """The choice lists are read as plain tuples: their labels are still the rows' names."""
    from departments.models import JobCategory, Organization
    from initiatives.filters import ProgressEntryFilter
    from initiatives.models import Category, Subclass
    from recommendations.filters import ActionReportFilter

    named = {
        "category": {c.pk: str(c) for c in Category.objects.all()},
        "subclass": {s.pk: f"{s.category.number} {s}" for s in Subclass.objects.all()},
        "job_category": {j.pk: str(j) for j in JobCategory.objects.all()},
        "section": {o.pk: str(o) for o in Organization.objects.filter(initiatives__isnull=False)},
        "chapter": {c.pk: str(c) for c in Chapter.objects.all()},
        "recommendation": {r.pk: str(r) for r in Recommendation.objects.all()},
        "policy": {p.pk: str(p) for p in Policy.objects.all()},
        "department": {o.pk: str(o) for o in Organization.objects.filter(actions__isnull=False)},
    }
    for filterset in (ProgressEntryFilter, ActionReportFilter):
        for name, choices in filterset.load_choices().items():
            assert choices and dict(choices) == named[name], name


def test_two_lists_at_once_keep_their_own_choices_and_users(hogo, jisou, rf):
    """A FilterSet copies its declared filters for itself: what one instance sets (its choices,
    its user for 自分の担当分) reaches neither another instance nor the class."""
    from django.http import QueryDict

    from initiatives.filters import ProgressEntryFilter

    requests = []
    for user in (hogo, jisou):
        request = rf.get("/")
        request.user = user
        requests.append(request)
    mine = [ProgressEntryFilter(QueryDict("mine=true"), request=request) for request in requests]
    rows = [set(filterset.qs.values_list("pk", flat=True)) for filterset in mine]
    for user, found in zip((hogo, jisou), rows, strict=True):
        expected = ProgressEntry.objects.filter(
            period__is_current=True, initiative__sections__in=user.organizations.all()
        )
        assert found and found == set(expected.values_list("pk", flat=True))
    assert rows[0] != rows[1]
    first, second = mine
    assert first.filters["category"] is not second.filters["category"]
    assert first.form.fields["category"] is not second.form.fields["category"]
    declared = ProgressEntryFilter.base_filters
    assert "widget" not in declared["category"].extra
    assert "choices" not in declared["period"].extra
    assert declared["mine"].filter.f is declared["mine"]  # its method still its own


@pytest.mark.parametrize(
    ("name", "path", "model"),
    [
        ("chapter", "policy__chapter", Chapter),
        ("policy", "policy", Policy),
        ("recommendation", "policy__recommendations", Recommendation),
    ],
)
def test_a_placement_filter_finds_the_actions_there_and_the_originals_of_its_reposts(
    name, path, model
):
    """The 資料2 filters by chapter, policy and 提言 in plain SQL find the reports the ORM's
    definition finds: the action stands there itself, or a 【再掲】 of it does."""
    from django.db.models import Exists, OuterRef, Q

    from recommendations.filters import placed_under

    through_a_repost = 0
    for pk in model.objects.values_list("pk", flat=True):
        reposts = Action.objects.filter(repost_of=OuterRef("action"), **{path: pk})
        itself = set(
            ActionReport.objects.filter(**{f"action__{path}": pk}).values_list("pk", flat=True)
        )
        expected = set(
            ActionReport.objects.filter(
                Q(**{f"action__{path}": pk}) | Q(Exists(reposts))
            ).values_list("pk", flat=True)
        )
        found = ActionReport.objects.filter(placed_under(name, str(pk)))
        assert set(found.values_list("pk", flat=True)) == expected
        through_a_repost += bool(expected - itself)
    assert through_a_repost, "the seed places some 【再掲】 here"


@pytest.mark.parametrize("name", ["initiatives:list", "recommendations:list"])
def test_a_page_number_that_is_no_page_shows_a_page_of_the_list(client, honbu, name, monkeypatch):
    """Whatever the `page` parameter says: a full-width number is read as one, anything else
    that is not a page shows the first or the last page, never an error (a superscript ² once
    passed for a digit and failed as a number)."""
    monkeypatch.setattr("reporting.views.PAGE_SIZE", 10)
    client.force_login(honbu)
    last = client.get(reverse(name)).context["page"].paginator.num_pages
    assert last >= 2
    for number, shown in [("２", 2), ("²", 1), ("abc", 1), ("", 1), ("99999", last)]:
        response = client.get(reverse(name), {"page": number})
        assert response.status_code == 200, number
        assert response.context["page"].number == shown, number

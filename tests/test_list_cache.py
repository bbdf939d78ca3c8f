"""The list pages are kept in the cache per data revision: a repeated request costs a few
queries, and yet every write shows at once, and no user is shown what another one should see."""

import datetime
import re
from operator import attrgetter

import pytest
from django.urls import reverse

from initiatives.models import ProgressEntry
from recommendations.models import ActionReport, Chapter, ImplementationStatus
from reporting import services
from reporting.views import FILTER_FORM, PAGE_SIZE
from tests.helpers import current_entry, current_report

pytestmark = pytest.mark.django_db

# session, user, HQ membership, data revision
QUERIES_OF_A_CACHED_LIST = 4


def page_of(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def without_tokens(page):
    """The page without its CSRF tokens, which are masked anew on every response."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def row_of(page, href):
    """The table row that links to `href`."""
    return re.search(
        rf'<tr[^>]*>(?:(?!</tr>).)*href="{href}"(?:(?!</tr>).)*</tr>', page, re.S
    ).group(0)


def hogo_entry():
    return current_entry("保）保護課")


def test_a_repeated_list_request_costs_only_the_fixed_queries(
    client, hogo, django_assert_max_num_queries
):
    client.force_login(hogo)
    url, category = reverse("initiatives:list"), hogo_entry().initiative.category_id
    first = page_of(client, url, category=category)
    with django_assert_max_num_queries(QUERIES_OF_A_CACHED_LIST):
        again = page_of(client, url, category=category)
    assert without_tokens(again) == without_tokens(first)


def test_an_edit_through_the_page_shows_on_the_list_at_once(client, hogo):
    entry = hogo_entry()
    client.force_login(hogo)
    url = reverse("initiatives:list")
    assert "新しく書いた取組内容" not in page_of(client, url)
    response = client.post(
        reverse("initiatives:edit", args=[entry.pk]),
        {"results": entry.results, "plans": "新しく書いた取組内容", "version": entry.version},
    )
    assert response.status_code == 302
    assert "新しく書いた取組内容" in page_of(client, url)


def test_a_write_that_sends_no_signal_shows_on_the_list_at_once(client, hogo):
    entry = hogo_entry()
    client.force_login(hogo)
    url = reverse("initiatives:list")
    assert "一括で書き換えた内容" not in page_of(client, url)
    ProgressEntry.objects.filter(pk=entry.pk).update(plans="一括で書き換えた内容")
    assert "一括で書き換えた内容" in page_of(client, url)


def test_a_service_write_shows_on_the_list_at_once(client, hogo):
    entry = hogo_entry()
    client.force_login(hogo)
    url = reverse("initiatives:list")
    page_of(client, url)
    services.write(entry=entry, user=hogo, version=entry.version, action=services.SUBMIT)
    assert "提出済" in row_of(page_of(client, url), reverse("initiatives:detail", args=[entry.pk]))


def test_hq_and_section_staff_never_share_a_cached_list(client, honbu, hogo):
    url = reverse("recommendations:list")
    client.force_login(honbu)
    assert 'form="bulk-form"' in page_of(client, url)
    client.force_login(hogo)
    section_page = page_of(client, url)
    assert 'name="selected"' not in section_page and "一括操作" not in section_page
    client.force_login(honbu)
    assert 'name="selected"' in page_of(client, url)


def test_my_rows_are_cached_per_user(client, hogo, jisou):
    url = reverse("initiatives:list")

    def my_rows(user):
        client.force_login(user)
        return {
            int(pk)
            for pk in re.findall(r'href="/shiryo3/(\d+)/"', page_of(client, url, mine="true"))
        }

    hogo_rows, jisou_rows = my_rows(hogo), my_rows(jisou)
    for user, rows in ((hogo, hogo_rows), (jisou, jisou_rows)):
        expected = ProgressEntry.objects.filter(
            period__code="R5H1", initiative__sections__in=user.organizations.all()
        ).values_list("pk", flat=True)
        assert rows == set(expected)
    assert hogo_rows != jisou_rows


def test_the_bulk_form_keeps_a_fresh_csrf_token_outside_the_cached_list(client, honbu):
    client.force_login(honbu)
    url = reverse("initiatives:list")
    page_of(client, url)
    page = page_of(client, url)  # from the cache
    form = re.search(r'<form method="post" action="[^"]*" id="bulk-form">(.*?)</form>', page, re.S)
    assert form and 'name="csrfmiddlewaretoken"' in form.group(1)
    controls = re.findall(r'<(?:input|select|textarea|button)[^>]*form="bulk-form"', page)
    # every row's checkbox and the version it shows, the action, the comment and the button
    assert (
        len(controls)
        == 2 * min(PAGE_SIZE, ProgressEntry.objects.filter(period__code="R5H1").count()) + 3
    )


def listed_pks(client, **params):
    response = client.get(reverse("recommendations:list"), params)
    assert response.status_code == 200
    page = response.context["page"]
    return page, [report.pk for report in page.object_list]


def test_pages_split_the_rows_and_count_them_all(client, jisou):
    client.force_login(jisou)
    total = ActionReport.objects.filter(period__code="R5H1").count()
    assert total > PAGE_SIZE
    first, first_pks = listed_pks(client)
    second, second_pks = listed_pks(client, page=2)
    assert first.paginator.count == second.paginator.count == total
    assert len(first_pks) == PAGE_SIZE and not set(first_pks) & set(second_pks)
    assert (
        f"{total} 件中 1〜{PAGE_SIZE} 件目"
        in client.get(reverse("recommendations:list")).content.decode()
    )


@pytest.mark.parametrize(("asked", "shown"), [("999", "last"), ("0", "last"), ("abc", "first")])
def test_a_page_number_out_of_range_shows_a_page_as_django_does(client, jisou, asked, shown):
    client.force_login(jisou)
    page, pks = listed_pks(client, page=asked)
    assert page.number == (page.paginator.num_pages if shown == "last" else 1) and pks


# Keyed by the rows shown: in deadline week, other sections' saves leave a list in the cache --


def entry_of_another_section(hogo):
    return (
        ProgressEntry.objects.filter(period__code="R5H1")
        .exclude(initiative__sections__in=hogo.organizations.all())
        .order_by("pk")
        .first()
    )


def cached_again(client, url, django_assert_max_num_queries, **params):
    with django_assert_max_num_queries(QUERIES_OF_A_CACHED_LIST):
        return page_of(client, url, **params)


def test_another_sections_save_leaves_my_rows_in_the_cache(
    client, hogo, django_assert_max_num_queries
):
    client.force_login(hogo)
    url = reverse("initiatives:list")
    first = page_of(client, url, mine="true")
    other = entry_of_another_section(hogo)
    ProgressEntry.objects.filter(pk=other.pk).update(plans="他の課が書いた内容")
    again = cached_again(client, url, django_assert_max_num_queries, mine="true")
    assert without_tokens(again) == without_tokens(first)
    assert "他の課が書いた内容" in page_of(client, url)  # the whole list shows it at once


def test_a_save_of_my_section_shows_on_my_rows_at_once(client, hogo):
    client.force_login(hogo)
    url = reverse("initiatives:list")
    page_of(client, url, mine="true")
    ProgressEntry.objects.filter(pk=hogo_entry().pk).update(plans="自課で書いた新しい内容")
    assert "自課で書いた新しい内容" in page_of(client, url, mine="true")


def test_a_section_filter_follows_that_sections_saves_only(
    client, honbu, hogo, django_assert_max_num_queries
):
    client.force_login(honbu)
    url, section = reverse("initiatives:list"), hogo.organizations.get().pk
    first = page_of(client, url, section=section)
    ProgressEntry.objects.filter(pk=entry_of_another_section(hogo).pk).update(plans="他の課")
    again = cached_again(client, url, django_assert_max_num_queries, section=section)
    assert without_tokens(again) == without_tokens(first)
    ProgressEntry.objects.filter(pk=hogo_entry().pk).update(plans="保護課の新しい内容")
    assert "保護課の新しい内容" in page_of(client, url, section=section)


@pytest.mark.parametrize("section", ["abc", "999999", ""])
def test_a_section_that_is_no_choice_shows_every_row_and_every_save(client, honbu, hogo, section):
    client.force_login(honbu)
    url = reverse("initiatives:list")
    page_of(client, url, section=section)
    ProgressEntry.objects.filter(pk=entry_of_another_section(hogo).pk).update(plans="どこかの課")
    assert "どこかの課" in page_of(client, url, section=section)


def test_a_save_of_an_original_shows_on_the_section_list_of_its_repost(client, honbu):
    from initiatives.models import Initiative

    repost = Initiative.objects.exclude(repost_of=None).get(sections__label="保）健康企画課")
    repost.repost_of.sections.remove(*repost.sections.all())
    section = repost.sections.get().pk
    original = ProgressEntry.objects.get(period__code="R5H1", initiative=repost.repost_of)
    client.force_login(honbu)
    url = reverse("initiatives:list")
    assert "元の行に書いた結果" not in page_of(client, url, section=section)
    ProgressEntry.objects.filter(pk=original.pk).update(results="元の行に書いた結果")
    assert "元の行に書いた結果" in page_of(client, url, section=section)


def test_a_status_saved_for_a_department_shows_on_its_list_at_once(client, honbu, jisou):
    from recommendations.models import ImplementationStatus

    department = jisou.organizations.get(level="department").pk
    report = ActionReport.objects.filter(
        period__code="R5H1", action__departments=department
    ).first()
    client.force_login(honbu)
    url = reverse("recommendations:list")
    page_of(client, url, department=department)
    ImplementationStatus.objects.filter(report=report).update(text="部の新しい実施状況")
    assert "部の新しい実施状況" in page_of(client, url, department=department)
    client.force_login(jisou)
    assert "部の新しい実施状況" in page_of(client, url, mine="true")


def test_saves_of_one_document_or_period_leave_the_others_lists_cached(
    client, honbu, hogo, django_assert_max_num_queries
):
    client.force_login(honbu)
    shiryo2, shiryo3 = reverse("recommendations:list"), reverse("initiatives:list")
    first_shiryo2 = page_of(client, shiryo2)
    first_past = page_of(client, shiryo2, period="R2-05")
    ProgressEntry.objects.filter(pk=hogo_entry().pk).update(plans="資料3だけの変更")
    again = cached_again(client, shiryo2, django_assert_max_num_queries)
    assert without_tokens(again) == without_tokens(first_shiryo2)
    page_of(client, shiryo3)
    ActionReport.objects.filter(period__code="R5H1").update(return_comment="今期の変更")
    again = cached_again(client, shiryo2, django_assert_max_num_queries, period="R2-05")
    assert without_tokens(again) == without_tokens(first_past)


def test_a_change_of_the_master_data_shows_on_every_list_at_once(client, hogo):
    from departments.models import Organization

    client.force_login(hogo)
    url = reverse("initiatives:list")
    page_of(client, url, mine="true")
    Organization.objects.filter(pk=hogo.organizations.get().pk).update(label="保）新しい課名")
    assert "保）新しい課名" in page_of(client, url, mine="true")


@pytest.mark.parametrize("app", ["initiatives", "recommendations"])
def test_a_new_period_shows_on_every_page_of_the_list_at_once(client, honbu, app):
    """The list's rows are read by SQL kept under the master data's revision (views.RowsQuery):
    a period opened since makes the list show its rows, on the pages seen before too."""
    client.force_login(honbu)
    url = reverse(f"{app}:list")
    for page in ("1", "2"):
        page_of(client, url, page=page)
    period = services.open_period(
        user=honbu,
        code="R5H2",
        name="令和５年度下半期",
        results_until="2024-03-31",
        plans_from="2024-04-01",
    )
    model = ProgressEntry if app == "initiatives" else ActionReport
    rows = model.objects.filter(period=period)
    for page in ("1", "2"):
        shown = re.findall(
            rf'href="{reverse(f"{app}:list")}(\d+)/"', page_of(client, url, page=page)
        )
        assert shown and set(map(int, shown)) <= set(rows.values_list("pk", flat=True))


def test_a_period_that_is_no_choice_shows_every_periods_saves_at_once(client, honbu):
    client.force_login(honbu)
    url = reverse("recommendations:list")
    page_of(client, url, period="XXX")
    past = ActionReport.objects.filter(period__code="R2-05").order_by("pk").first()
    ActionReport.objects.filter(pk=past.pk).update(state="returned")
    assert "差戻し" in row_of(
        page_of(client, url, period="XXX"), reverse("recommendations:detail", args=[past.pk])
    )


def test_comments_visits_reminders_and_accounts_leave_every_list_cached(
    client, honbu, hogo, admin_user, django_assert_max_num_queries
):
    """Writes no list shows: a comment, the visit of a detail page, a reminder sent, a new user
    and a transfer. Each list stays cached; only the rows' own pages show them."""
    from django.test import Client

    from accounts import services as accounts
    from cycle.models import Comment, SentReminder
    from reporting.models import ReportingPeriod

    section = hogo.organizations.get()
    lists = [
        (reverse("initiatives:list"), {}),
        (reverse("initiatives:list"), {"section": section.pk}),
        (reverse("recommendations:list"), {}),
        (reverse("recommendations:list"), {"mine": "true"}),
    ]
    client.force_login(honbu)
    first = [page_of(client, url, **params) for url, params in lists]
    entry = hogo_entry()
    other = Client()
    other.force_login(hogo)
    assert other.get(reverse("initiatives:detail", args=[entry.pk])).status_code == 200
    response = other.post(
        reverse("cycle:comment", args=["shiryo3", entry.pk]), {"body": "一覧には出ない相談"}
    )
    assert response.status_code == 302 and Comment.objects.filter(body="一覧には出ない相談")
    SentReminder.objects.create(
        kind=SentReminder.Kind.BEFORE_DEADLINE,
        period=ReportingPeriod.objects.get(is_current=True),
        organization=section,
        sent_on=datetime.date(2026, 12, 1),
        days_left=3,
        rows=1,
    )
    accounts.create_user(by=admin_user, username="new-staff", organizations=[section])
    accounts.move_user(by=admin_user, user=hogo, organizations=list(honbu.organizations.all()))
    for (url, params), before in zip(lists, first, strict=True):
        again = cached_again(client, url, django_assert_max_num_queries, **params)
        assert without_tokens(again) == without_tokens(before)


def test_a_transfer_shows_on_the_users_own_rows_at_once(client, hogo, jisou, admin_user):
    from accounts import services as accounts

    client.force_login(hogo)
    url = reverse("initiatives:list")

    def my_rows():
        return set(
            map(int, re.findall(r'href="/shiryo3/(\d+)/"', page_of(client, url, mine="true")))
        )

    before = my_rows()
    new_sections = list(jisou.organizations.all())
    accounts.move_user(by=admin_user, user=hogo, organizations=new_sections)
    expected = ProgressEntry.objects.filter(
        period__code="R5H1", initiative__sections__in=new_sections
    ).values_list("pk", flat=True)
    assert my_rows() == set(expected) != before


def original_with_repost_elsewhere(model, group):
    """An original row whose 【再掲】 stands in another category / chapter (`group`: the path
    from the row to it), and that other group."""
    for repost in model.objects.exclude(repost_of=None).select_related("repost_of"):
        theirs, mine = (attrgetter(group)(row) for row in (repost.repost_of, repost))
        if theirs != mine:
            return repost.repost_of, mine
    pytest.skip("no 【再掲】 in another group in the seed")


def test_a_category_list_stays_cached_while_other_categories_save(
    client, honbu, django_assert_max_num_queries
):
    client.force_login(honbu)
    url = reverse("initiatives:list")
    entry = hogo_entry()
    category = entry.initiative.category_id
    first = page_of(client, url, category=category)
    other = ProgressEntry.objects.filter(period__code="R5H1").exclude(initiative__category=category)
    ProgressEntry.objects.filter(pk__in=other.values("pk")).update(plans="他の分類の内容")
    again = cached_again(client, url, django_assert_max_num_queries, category=category)
    assert without_tokens(again) == without_tokens(first)
    ProgressEntry.objects.filter(pk=entry.pk).update(plans="この分類の新しい内容")
    assert "この分類の新しい内容" in page_of(client, url, category=category)


def test_a_save_of_an_original_shows_on_the_category_list_of_its_repost(client, honbu):
    from initiatives.models import Initiative

    original, category = original_with_repost_elsewhere(Initiative, "category_id")
    client.force_login(honbu)
    url = reverse("initiatives:list")
    assert "再掲元に書いた結果" not in page_of(client, url, category=category)
    ProgressEntry.objects.filter(period__code="R5H1", initiative=original).update(
        results="再掲元に書いた結果"
    )
    assert "再掲元に書いた結果" in page_of(client, url, category=category)


def test_a_chapter_list_stays_cached_while_other_chapters_save(
    client, honbu, django_assert_max_num_queries
):
    from recommendations.models import ImplementationStatus

    client.force_login(honbu)
    url = reverse("recommendations:list")
    first = page_of(client, url, chapter=chapter_pk(1))
    elsewhere = ActionReport.objects.filter(period__code="R5H1", action__repost_of=None).exclude(
        action__policy__chapter__number=1
    )
    elsewhere = elsewhere.exclude(action__reposts__policy__chapter__number=1)
    ImplementationStatus.objects.filter(report__in=elsewhere).update(text="他の項目の実施状況")
    again = cached_again(client, url, django_assert_max_num_queries, chapter=chapter_pk(1))
    assert without_tokens(again) == without_tokens(first)
    report = ActionReport.objects.filter(
        period__code="R5H1", action__policy__chapter__number=1
    ).first()
    ImplementationStatus.objects.filter(report=report).update(text="この項目の新しい実施状況")
    assert "この項目の新しい実施状況" in page_of(client, url, chapter=chapter_pk(1))


def test_a_save_of_an_original_shows_on_the_chapter_list_of_its_repost(client, honbu):
    from recommendations.models import Action, ImplementationStatus

    original, chapter = original_with_repost_elsewhere(Action, "policy.chapter_id")
    client.force_login(honbu)
    url = reverse("recommendations:list")
    page_of(client, url, chapter=chapter)
    report = ActionReport.objects.get(period__code="R5H1", action=original)
    ActionReport.objects.filter(pk=report.pk).update(state="returned")
    assert "差戻し" in row_of(
        page_of(client, url, chapter=chapter), reverse("recommendations:detail", args=[report.pk])
    )
    ImplementationStatus.objects.filter(report=report).update(text="再掲先にも出る実施状況")
    assert "再掲先にも出る実施状況" in page_of(client, url, chapter=chapter)


@pytest.mark.parametrize("category", ["abc", "999999"])
def test_a_category_that_is_no_choice_shows_every_save(client, honbu, hogo, category):
    client.force_login(honbu)
    url = reverse("initiatives:list")
    page_of(client, url, category=category)
    ProgressEntry.objects.filter(pk=entry_of_another_section(hogo).pk).update(plans="どこかの分類")
    assert "どこかの分類" in page_of(client, url, category=category)


def chapter_pk(number):
    from recommendations.models import Chapter

    return Chapter.objects.get(number=number).pk


# The filter form, kept under the master data's revision and the query ----------------------


def filter_form_of(page):
    return re.search(r'<form method="get" class="filter-form".*?</form>', page, re.S).group(0)


def chosen(form, name):
    """The values selected in the form's select `name`."""
    select = re.search(rf'<select name="{name}".*?</select>', form, re.S).group(0)
    return re.findall(r'<option value="([^"]*)" selected>', select)


def save_a_report(text):
    """A save of deadline week: it retires the 資料2 lists, not the master data."""
    report = current_report("子）児童相談所")
    ImplementationStatus.objects.filter(report=report).update(text=text)


def test_the_filter_form_shows_each_querys_own_values_and_errors_after_a_save(client, honbu):
    client.force_login(honbu)
    url = reverse("recommendations:list")
    first, second = Chapter.objects.order_by("number")[:2]
    queries = {
        "first": {"chapter": first.pk, "classification": "B"},
        "second": {"chapter": second.pk},
        "wrong": {"chapter": "abc"},
    }
    for _ in range(2):  # rendered, then from the cache after a save
        forms = {name: filter_form_of(page_of(client, url, **q)) for name, q in queries.items()}
        assert chosen(forms["first"], "chapter") == [str(first.pk)]
        assert chosen(forms["first"], "classification") == ["B"]
        assert chosen(forms["second"], "chapter") == [str(second.pk)]
        assert chosen(forms["second"], "classification") == [""]
        assert chosen(forms["wrong"], "chapter") == []
        assert 'id="id_chapter_error"' in forms["wrong"]
        assert "field-error" not in forms["first"] + forms["second"]
        save_a_report("保存で一覧が描き直される")
    assert "保存で一覧が描き直される" in page_of(client, url)


def test_a_list_rendered_again_after_a_save_reuses_its_filter_form(client, honbu):
    client.force_login(honbu)
    url = reverse("recommendations:list")
    before = client.get(url, {"classification": "B"})
    assert FILTER_FORM in [template.name for template in before.templates]
    save_a_report("保存の後の新しい実施状況")
    after = client.get(url, {"classification": "B", "page": "2"})
    assert FILTER_FORM not in [template.name for template in after.templates]
    assert filter_form_of(after.content.decode()) == filter_form_of(before.content.decode())


def test_a_change_of_the_master_data_shows_in_the_filter_form_at_once(client, honbu, hogo):
    from departments.models import Organization
    from reporting.models import ReportingPeriod

    client.force_login(honbu)
    shiryo2, shiryo3 = reverse("recommendations:list"), reverse("initiatives:list")
    chapter = Chapter.objects.order_by("number").first()
    forms = [filter_form_of(page_of(client, url, q="研修")) for url in (shiryo2, shiryo3)]
    assert "新しい項目名" not in forms[0] and "保）新しい課名" not in forms[1]
    Chapter.objects.filter(pk=chapter.pk).update(title="新しい項目名<b>")
    Organization.objects.filter(pk=hogo.organizations.get().pk).update(label="保）新しい課名")
    ReportingPeriod.objects.filter(code="R2-05").update(name="名前を変えた期間")
    forms = [filter_form_of(page_of(client, url, q="研修")) for url in (shiryo2, shiryo3)]
    assert f'<option value="{chapter.pk}">(1) 新しい項目名&lt;b&gt;</option>' in forms[0]
    assert "保）新しい課名" in forms[1]
    assert all("名前を変えた期間" in form for form in forms)

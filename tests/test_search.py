"""Keyword search ignores character width and case: what people type half-width finds the
documents' full-width text, and the other way round; the trigram indexes still serve it."""

import re
import unicodedata

import pytest
from django.db import connection
from django.urls import reverse

from core.search import SEARCH_COLUMNS, keyword
from initiatives.models import ProgressEntry
from recommendations.models import ActionReport, ImplementationStatus

pytestmark = pytest.mark.django_db

FULL_WIDTH_WORD = re.compile(r"[Ａ-Ｚａ-ｚ０-９]{2,}")


def fold(text):
    return unicodedata.normalize("NFKC", text).upper()


def searched_texts():
    """(report id, text) of every text the 資料2 search covers in the current period: the
    action, its policy and its 実施状況."""
    reports = ActionReport.objects.filter(period__is_current=True).select_related("action__policy")
    texts = [(r.pk, r.action.text) for r in reports] + [
        (r.pk, r.action.policy.text) for r in reports
    ]
    statuses = ImplementationStatus.objects.filter(report__period__is_current=True)
    return texts + list(statuses.values_list("report_id", "text"))


def reports_containing(word):
    """The current period's 資料2 rows with `word`, compared width- and case-blind in Python."""
    return {pk for pk, text in searched_texts() if fold(word) in fold(text)}


def a_full_width_word():
    """A full-width word of letters or digits in the seeded 資料2 (「ＳＳＷ」…)."""
    for _, text in searched_texts():
        if found := FULL_WIDTH_WORD.search(text):
            return found.group()
    raise AssertionError("the seed has full-width letters or digits")


@pytest.mark.parametrize(
    "typed",
    [
        lambda word: unicodedata.normalize("NFKC", word),  # half-width: ＳＳＷ → SSW
        lambda word: unicodedata.normalize("NFKC", word).lower(),  # and lower case: ssw
        lambda word: word,  # exactly as written
    ],
    ids=["half-width", "lower-case", "as-written"],
)
def test_shiryo2_finds_full_width_text_typed_half_width_or_lower_case(client, jisou, typed):
    word = a_full_width_word()
    expected = reports_containing(word)
    client.force_login(jisou)
    response = client.get(reverse("recommendations:list"), {"q": typed(word)})
    found = {row.pk for row in response.context["page"].object_list}
    assert expected and found == expected


def test_ssw_typed_half_width_finds_the_full_width_ssw(client, jisou):
    """The issue's example: 「SSW」 found nothing where the text says 「ＳＳＷ」."""
    client.force_login(jisou)
    response = client.get(reverse("recommendations:list"), {"q": "ssw"})
    found = {row.pk for row in response.context["page"].object_list}
    expected = {pk for pk, text in searched_texts() if "ＳＳＷ" in text}
    assert expected and found == expected


def test_shiryo3_digits_match_whatever_their_width(client, hogo, period):
    entry = ProgressEntry.objects.filter(period=period, results__contains="令和５年").first()
    assert entry is not None, "the seed has 令和５年 in a 資料3 text"
    client.force_login(hogo)
    half = client.get(reverse("initiatives:list"), {"q": "令和5年"}).context["page"]
    full = client.get(reverse("initiatives:list"), {"q": "令和５年"}).context["page"]
    assert half.paginator.count == full.paginator.count > 0
    assert [e.pk for e in half.object_list] == [e.pk for e in full.object_list]


def test_a_half_width_text_is_found_by_its_full_width_keyword(client, hogo, period):
    entry = ProgressEntry.objects.filter(period=period, initiative__repost_of=None).first()
    entry.plans = "・Web会議で研修を実施する"
    entry.save()
    client.force_login(hogo)
    response = client.get(reverse("initiatives:list"), {"q": "ＷＥＢ会議"})
    assert [e.pk for e in response.context["page"].object_list] == [entry.pk]


def test_a_full_width_percent_is_matched_literally_not_as_a_wildcard(client, hogo, period):
    entry = ProgressEntry.objects.filter(period=period, initiative__repost_of=None).first()
    entry.plans = "受講率100%を目指す"
    entry.save()
    client.force_login(hogo)
    found = client.get(reverse("initiatives:list"), {"q": "１００％"}).context["page"]
    assert [e.pk for e in found.object_list] == [entry.pk]
    nothing = client.get(reverse("initiatives:list"), {"q": "受講率％す"}).context["page"]
    assert list(nothing.object_list) == []


def test_the_keyword_is_normalised_as_the_columns_are():
    assert keyword("　ＳＳＷ（１）　") == "SSW(1)"


@pytest.mark.parametrize(
    ("table", "column", "index"),
    [
        ("initiatives_progressentry", "results", "progressentry_results_trgm"),
        ("initiatives_progressentry", "plans", "progressentry_plans_trgm"),
        ("recommendations_action", "text", "action_text_trgm"),
        ("recommendations_implementationstatus", "text", "status_text_trgm"),
    ],
)
def test_the_stored_search_column_uses_the_trigram_index(table, column, index):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT 1 FROM {table} WHERE {column}_search LIKE UPPER(%s)", ["%ＳＳＷ%"]
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan


# Words as people type them against the seeded texts: full-width, half-width, lower case, a
# full-width ％ (matched literally), a katakana in half-width (NFKC makes it full-width).
IN_THE_SEED = {"ＳＳＷ", "ssw", "Ssw", "令和5年", "令和５年", "研修", "職員"}
TYPED = [
    "ＳＳＷ",
    "ssw",
    "Ssw",
    "令和5年",
    "令和５年",
    "研修",
    "ｹﾝｼｭｳ",
    "100%",
    "１００％",
    "_",
    "職員",
]


def folded_on_the_fly(model, column, word):
    """The pks whose `column` matches `word` as the search matched before the stored columns:
    the text normalised and upper-cased by PostgreSQL on every row read."""
    table = model._meta.db_table
    pattern = "%" + connection.ops.prep_for_like_query(keyword(word)) + "%"
    where = f"UPPER(normalize({table}.{column}, NFKC)) LIKE UPPER(%s)"
    rows = model.objects.extra(where=[where], params=[pattern])
    return set(rows.values_list("pk", flat=True))


def searched_models():
    from departments.models import Organization
    from recommendations.models import Action, Policy

    models = [ProgressEntry, Action, Policy, ImplementationStatus, Organization]
    return [
        (model, field.name, field.column)
        for model in models
        for field in model._meta.concrete_fields
        if (model._meta.db_table, field.column) in SEARCH_COLUMNS
    ]


def test_every_stored_search_column_belongs_to_a_searched_model():
    assert {(m._meta.db_table, c) for m, _, c in searched_models()} == SEARCH_COLUMNS


@pytest.mark.parametrize("word", TYPED)
def test_the_stored_columns_find_the_rows_the_folded_text_finds(word):
    everything = set()
    for model, name, column in searched_models():
        found = set(
            model.objects.filter(**{f"{name}__matches": keyword(word)}).values_list("pk", flat=True)
        )
        assert found == folded_on_the_fly(model, column, word), (model, name, word)
        everything |= found
    if word in IN_THE_SEED:
        assert everything, word


def test_a_stored_search_column_reads_the_stored_text_not_the_column():
    sql = str(ProgressEntry.objects.filter(results__matches="SSW").query)
    assert '"results_search" LIKE UPPER(' in sql
    assert "normalize" not in sql


def test_a_field_without_a_stored_column_is_folded_on_the_fly():
    from departments.models import JobCategory

    sql = str(JobCategory.objects.filter(name__matches="SSW").query)
    assert 'UPPER(normalize("departments_jobcategory"."name", NFKC)) LIKE UPPER(' in sql


def test_the_database_keeps_the_stored_text_whatever_writes_the_row(period):
    """No writer of the app maintains it: an ORM save and raw SQL alike are found at once."""
    entry = ProgressEntry.objects.filter(period=period, initiative__repost_of=None).first()
    entry.plans = "ｹｰｽ会議をＳｓｗと開く"
    entry.save()
    assert list(
        ProgressEntry.objects.filter(plans__matches="ケース会議").values_list("pk", flat=True)
    ) == [entry.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE initiatives_progressentry SET plans = %s WHERE id = %s", ["別の本文", entry.pk]
        )
        cursor.execute(
            "SELECT plans_search FROM initiatives_progressentry WHERE id = %s", [entry.pk]
        )
        assert cursor.fetchone() == ("別の本文",)
    assert not ProgressEntry.objects.filter(pk=entry.pk, plans__matches="ケース会議").exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE initiatives_progressentry SET plans = %s WHERE id = %s", ["ssw", entry.pk]
        )
        cursor.execute(
            "SELECT plans_search FROM initiatives_progressentry WHERE id = %s", [entry.pk]
        )
        assert cursor.fetchone() == ("SSW",)


def test_the_search_box_says_what_it_searches(client, hogo):
    client.force_login(hogo)
    page = client.get(reverse("recommendations:list")).content.decode()
    assert "キーワード（取組・実施状況）" in page
    assert "全角・半角、大文字・小文字は区別しません。" in page
    page = client.get(reverse("initiatives:list")).content.decode()
    assert "キーワード（取組の本文・担当課）" in page


def listed(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return {row.pk for row in response.context["page"].object_list}


def test_a_paragraph_is_found_in_its_own_period_only_and_in_the_list_of_every_period(client, honbu):
    past = ActionReport.objects.filter(period__code="R2-05").order_by("pk").first()
    ImplementationStatus.objects.filter(report=past).update(text="過去の期だけにある実施状況")
    client.force_login(honbu)
    url = reverse("recommendations:list")
    assert listed(client, url, period="R2-05", q="過去の期だけ") == {past.pk}
    assert listed(client, url, q="過去の期だけ") == set()  # the current period
    assert listed(client, url, period="XXX", q="過去の期だけ") == {past.pk}  # every period


def test_a_repost_is_found_by_its_originals_results_in_the_period_shown(client, honbu):
    from initiatives.models import Initiative

    repost = Initiative.objects.exclude(repost_of=None).order_by("pk").first()
    original = ProgressEntry.objects.get(period__code="R5H1", initiative=repost.repost_of)
    ProgressEntry.objects.filter(pk=original.pk).update(results="再掲元だけにある結果")
    shown = ProgressEntry.objects.get(period__code="R5H1", initiative=repost)
    client.force_login(honbu)
    url = reverse("initiatives:list")
    for period in ("R5H1", "", "XXX"):
        assert listed(client, url, period=period, q="再掲元だけ") == {original.pk, shown.pk}


def test_a_repost_is_not_found_by_its_originals_results_of_another_period(
    client, honbu, empty_period
):
    from initiatives.models import Initiative

    repost = Initiative.objects.exclude(repost_of=None).order_by("pk").first()
    original = ProgressEntry.objects.get(period__code="R5H1", initiative=repost.repost_of)
    ProgressEntry.objects.filter(pk=original.pk).update(results="再掲元のこの期だけの結果")
    shown = ProgressEntry.objects.get(period__code="R5H1", initiative=repost)
    # The same two initiatives in another period, whose original says something else.
    ProgressEntry.objects.create(period=empty_period, initiative=original.initiative, results="別")
    elsewhere = ProgressEntry.objects.create(period=empty_period, initiative=repost)
    client.force_login(honbu)
    url = reverse("initiatives:list")
    assert listed(client, url, period=empty_period.code, q="この期だけ") == set()
    assert listed(client, url, period=empty_period.code, q="別") >= {elsewhere.pk}
    assert listed(client, url, period="XXX", q="この期だけ") == {original.pk, shown.pk}

"""The filters' choice lists are labelled and rendered by PostgreSQL (reporting/choices.py): each
SQL twin gives the text its Python original gives, for the seed's rows and for texts made to be
awkward, and a list's <option> elements are those FastSelect writes from its pairs."""

import pytest
from django.db import connection

from core import sqltext
from core.escape import escape, escape_sql
from core.marks import circled, circled_sql, policy_letter, policy_letter_sql
from core.wareki import number_label, number_label_sql
from core.widgets import options_html
from departments.models import JobCategory, Organization
from initiatives.filters import ProgressEntryFilter
from initiatives.models import Category, Subclass, category_label, category_label_sql
from recommendations.filters import ActionReportFilter
from recommendations.models import (
    Chapter,
    Policy,
    Recommendation,
    chapter_label,
    chapter_label_sql,
    policy_label,
    policy_label_sql,
    recommendation_label,
    recommendation_label_sql,
)
from reporting import choices

pytestmark = pytest.mark.django_db

AWKWARD = [
    "",
    "研修を実施する。",
    "　全角の空白で始まり終わる　",
    " \t\n半角の空白と改行\r\n ",
    "\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000",
    "\u200b幅のない空白は空白でない\u200b",
    "<b>太字</b> & \"引用\" 'it's' &amp;",
    "ちょうど三十文字になるように書いた文章ですが、ここで切れる。の後",
    "二十九文字のところに空白がある文章をここに書いておきます　そして続き",
    "𠮷野家の𩸽など四バイトの文字が三十文字の境目をまたぐ𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷",
    "a" * 29 + " " + "b",
    "a" * 30 + "   ",
    "   " + "a" * 40,
]


def sql_value(expression, *values):
    """The SQL `expression` of the columns a, b, c given `values` (ints, then texts)."""
    names = ["a", "b", "c"][: len(values)]
    casts = ", ".join("%s::int" if isinstance(v, int) else "%s::text" for v in values)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression} FROM (VALUES ({casts})) v({', '.join(names)})", values)
        return cursor.fetchone()[0]


def test_the_sql_strip_strips_what_python_strips():
    assert set(sqltext.WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}
    for text in AWKWARD:
        assert sql_value(sqltext.strip("a"), text) == text.strip(), repr(text)


@pytest.mark.parametrize("text", AWKWARD)
def test_the_sql_escape_writes_what_the_pages_escape_writes(text):
    assert sql_value(escape_sql("a"), text) == escape(text)


def test_the_sql_marks_and_numbers_are_pythons():
    for number in range(0, 60):
        assert sql_value(circled_sql("a"), number) == circled(number)
        assert sql_value(number_label_sql("a"), number) == number_label(number)
        if number >= 1:  # the tables hold numbers from 1
            assert sql_value(policy_letter_sql("a"), number) == policy_letter(number)
    assert sql_value(number_label_sql("a"), 32767) == number_label(32767)


@pytest.mark.parametrize("text", AWKWARD)
@pytest.mark.parametrize("number", [1, 3, 20, 21, 44, 45, 120])
def test_the_sql_labels_are_the_models_labels(text, number):
    assert sql_value(policy_label_sql("a", "b", "c"), 7, number, text) == policy_label(
        7, number, text
    )
    assert sql_value(recommendation_label_sql("a", "b", "c"), 12, number, text) == (
        recommendation_label(12, number, text)
    )
    assert sql_value(chapter_label_sql("a", "b"), number, text) == chapter_label(number, text)
    assert sql_value(category_label_sql("a", "b"), number, text) == category_label(number, text)


def named_lists():
    """Each list's choices as the rows' own names give them, in the models' order."""
    return {
        "chapter": [(c.pk, str(c)) for c in Chapter.objects.all()],
        "recommendation": [(r.pk, str(r)) for r in Recommendation.objects.all()],
        "policy": [(p.pk, str(p)) for p in Policy.objects.all()],
        "department": [
            (o.pk, str(o)) for o in Organization.objects.filter(actions__isnull=False).distinct()
        ],
        "category": [(c.pk, str(c)) for c in Category.objects.all()],
        "subclass": [(s.pk, f"{s.category.number} {s}") for s in Subclass.objects.all()],
        "job_category": [(j.pk, str(j)) for j in JobCategory.objects.all()],
        "section": [
            (o.pk, str(o))
            for o in Organization.objects.filter(initiatives__isnull=False).distinct()
        ],
    }


def assert_lists_are_the_rows_names():
    named = named_lists()
    for filterset in (ActionReportFilter, ProgressEntryFilter):
        for name, written in filterset.load_choices().items():
            assert list(written) == named[name], name
            assert written.options == options_html(named[name]), name


def test_each_list_is_its_rows_named_and_rendered_in_their_order():
    assert_lists_are_the_rows_names()


def test_awkward_texts_are_labelled_and_escaped_as_python_does():
    chapter = Chapter.objects.order_by("number").first()
    for number, text in enumerate(AWKWARD[1:], start=90):
        Policy.objects.create(chapter=chapter, number=number, text=f"x{text}")
        Recommendation.objects.create(chapter=chapter, number=number, text=f"y{text}")
    Chapter.objects.filter(pk=chapter.pk).update(title="<i>\"項目\"</i> & 'その他'")
    department = Organization.objects.filter(actions__isnull=False).first()
    Organization.objects.filter(pk=department.pk).update(label='部&<"課">')
    assert_lists_are_the_rows_names()


def test_empty_lists_have_no_choices_and_no_options():
    source = choices.ChoiceSource(
        value="j.id", label="j.name", rows="departments_jobcategory j WHERE false", order="j.id"
    )
    written = choices.load({"none": source})["none"]
    assert list(written) == [] and written.options == ""


def test_a_kept_list_is_read_back_as_it_was_written():
    import pickle

    written = ActionReportFilter.load_choices()["policy"]
    kept = pickle.loads(pickle.dumps(written))
    assert (kept.pairs, kept.options) == (written.pairs, written.options)
    assert list(kept) == list(written)

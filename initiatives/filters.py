import django_filters
from django.db.models import Exists, OuterRef, Q, Subquery

from core.search import keyword
from departments.models import JobCategory
from initiatives.models import Category, Initiative, ProgressEntry, Subclass, category_label_sql
from reporting.choices import ChoiceSource
from reporting.filters import PeriodFilterSet, keyword_filter, organizations_with


class ProgressEntryFilter(PeriodFilterSet):
    category = django_filters.ChoiceFilter(
        label="取組内容の分類", field_name="initiative__category"
    )
    subclass = django_filters.ChoiceFilter(label="細分類", field_name="initiative__subclass")
    job_category = django_filters.ChoiceFilter(
        label="対象職種", field_name="initiative__job_category"
    )
    section = django_filters.ChoiceFilter(label="担当課", field_name="initiative__sections")
    q = keyword_filter(
        "キーワード（取組の本文・担当課）", "「〜までの取組」「〜以降の取組」の本文と担当課の名前"
    )

    responsible_path = "initiative__sections"
    choice_sources = {
        "category": ChoiceSource(
            value="c.id",
            label=category_label_sql("c.number", "c.title"),
            rows=f"{Category._meta.db_table} c",
            order="c.number",
        ),
        "subclass": ChoiceSource(
            value="s.id",
            label="c.number || ' ' || s.name",
            rows=f"""{Subclass._meta.db_table} s
                JOIN {Category._meta.db_table} c ON c.id = s.category_id""",
            order="c.number, s.number",
        ),
        "job_category": ChoiceSource(
            value="j.id",
            label="j.name",
            rows=f"{JobCategory._meta.db_table} j",
            order="j.sort_order",
        ),
        "section": organizations_with("initiatives"),
    }

    class Meta:
        model = ProgressEntry
        fields = []

    def search(self, queryset, name, value):
        value = keyword(value)
        # A 【再掲】 row shows (and so is found by) its original's results of the same period:
        # looked up for the 【再掲】 rows only, by key (a scalar subquery with LIMIT). As an
        # EXISTS, PostgreSQL read the results of the whole period once for all rows, and a
        # prepared statement's generic plan did so through the trigram index of every period
        # kept (2 of 3 ms of the list by category and keyword at 100×).
        original = ProgressEntry.originals().filter(results__matches=value).order_by()
        queryset = queryset.alias(matching_original=Subquery(original.values("pk")[:1]))
        sections = Initiative.sections.through.objects.filter(
            initiative=OuterRef("initiative"), organization__label__matches=value
        )
        return queryset.filter(
            Q(results__matches=value)
            | Q(plans__matches=value)
            | (Q(initiative__repost_of__isnull=False) & Q(matching_original__isnull=False))
            | Q(Exists(sections))
        )

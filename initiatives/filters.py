import django_filters
from django.db.models import Exists, OuterRef, Q

from core.search import keyword
from departments.models import JobCategory
from initiatives.models import Category, Initiative, ProgressEntry, Subclass, category_label
from reporting.filters import PeriodFilterSet, keyword_filter, label_of, organizations_with


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
        "category": (
            Category.objects.values_list("pk", "number", "title"),
            lambda row: category_label(row[1], row[2]),
        ),
        "subclass": (
            Subclass.objects.values_list("pk", "category__number", "name"),
            lambda row: f"{row[1]} {row[2]}",
        ),
        "job_category": (JobCategory.objects.values_list("pk", "name"), label_of(1)),
        "section": (organizations_with("initiatives"), label_of(1)),
    }

    class Meta:
        model = ProgressEntry
        fields = []

    def search(self, queryset, name, value):
        value = keyword(value)
        # A 【再掲】 row shows (and so is found by) its original's results of the same period.
        original_results = ProgressEntry.originals().filter(results__matches=value)
        if self.form.cleaned_data.get("period") and self.period is not None:
            # The rows are the period's: said outright, PostgreSQL reads the originals of that
            # period only, not of every period kept (it runs the subquery once, for all rows).
            original_results = original_results.filter(period=self.period)
        sections = Initiative.sections.through.objects.filter(
            initiative=OuterRef("initiative"), organization__label__matches=value
        )
        return queryset.filter(
            Q(results__matches=value)
            | Q(plans__matches=value)
            | Q(Exists(original_results))
            | Q(Exists(sections))
        )

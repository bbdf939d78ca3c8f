import django_filters
from django.db.models import Exists, OuterRef, Q

from departments.models import JobCategory, Organization
from initiatives.models import Category, ProgressEntry, Subclass
from reporting.models import EntryState, ReportingPeriod


class ProgressEntryFilter(django_filters.FilterSet):
    period = django_filters.ModelChoiceFilter(
        label="報告期間",
        queryset=ReportingPeriod.objects.order_by("-results_until"),
        to_field_name="code",
        empty_label=None,
    )
    category = django_filters.ModelChoiceFilter(
        label="取組内容の分類", field_name="initiative__category", queryset=Category.objects.all()
    )
    subclass = django_filters.ModelChoiceFilter(
        label="細分類",
        field_name="initiative__subclass",
        queryset=Subclass.objects.select_related("category"),
    )
    job_category = django_filters.ModelChoiceFilter(
        label="対象職種", field_name="initiative__job_category", queryset=JobCategory.objects.all()
    )
    section = django_filters.ModelChoiceFilter(
        label="担当課",
        field_name="initiative__sections",
        queryset=Organization.objects.filter(initiatives__isnull=False).distinct(),
    )
    state = django_filters.ChoiceFilter(
        label="状態", choices=EntryState.choices, empty_label="すべて"
    )
    q = django_filters.CharFilter(label="キーワード", method="search")

    class Meta:
        model = ProgressEntry
        fields = []

    def search(self, queryset, name, value):
        # A 【再掲】 row shows (and so is found by) its original's results of the same period.
        original_results = ProgressEntry.objects.filter(
            initiative=OuterRef("initiative__repost_of"),
            period=OuterRef("period"),
            results__icontains=value,
        )
        return queryset.filter(
            Q(results__icontains=value)
            | Q(plans__icontains=value)
            | Q(Exists(original_results))
            | Q(initiative__sections__label__icontains=value)
        ).distinct()

import django_filters
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL

from core.search import keyword
from recommendations import kept
from recommendations.models import (
    Action,
    ActionReport,
    Chapter,
    Classification,
    ImplementationStatus,
    Policy,
    Recommendation,
    VerificationReport,
    chapter_label_sql,
    policy_label_sql,
    recommendation_label_sql,
)
from reporting.choices import ChoiceSource
from reporting.filters import PeriodFilterSet, keyword_filter, organizations_with

# How an action's policy stands under a chapter, policy or 提言 (SQL on the policy `p`).
PLACEMENT = {
    "chapter": "p.chapter_id = %s",
    "policy": "p.id = %s",
    "recommendation": f"""p.id IN (
        SELECT policy_id FROM {Policy.recommendations.through._meta.db_table}
        WHERE recommendation_id = %s)""",
}


def placed_under(name, value):
    """Reports whose action stands under the chapter, policy or 提言 `value`, itself or as a
    【再掲】 placed there: the actions placed there and the originals of the 【再掲】 among
    them, in plain SQL (the ORM's join and EXISTS for it cost a tenth of a 資料2 list's CPU to
    build, on every list the cache cannot answer)."""
    placed = f"""
        SELECT unnest(ARRAY[a.id, a.repost_of_id]) FROM {Action._meta.db_table} a
        JOIN {Policy._meta.db_table} p ON p.id = a.policy_id WHERE {PLACEMENT[name]}
    """
    return Q(action_id__in=RawSQL(placed, [int(value)]))


class ActionReportFilter(PeriodFilterSet):
    chapter = django_filters.ChoiceFilter(label="項目", method="filter_placed")
    recommendation = django_filters.ChoiceFilter(label="提言", method="filter_placed")
    policy = django_filters.ChoiceFilter(label="取組方針", method="filter_placed")
    department = django_filters.ChoiceFilter(label="担当部", field_name="action__departments")
    classification = django_filters.ChoiceFilter(
        label="区分",
        choices=Classification.choices,
        empty_label="すべて",
        method="filter_classification",
    )
    q = keyword_filter("キーワード（取組・実施状況）", "具体的な取組内容、取組方針、実施状況の本文")

    responsible_path = "action__departments"
    choice_sources = {
        "chapter": ChoiceSource(
            value="c.id",
            label=chapter_label_sql("c.number", "c.title"),
            rows=f"""{Chapter._meta.db_table} c
                JOIN {VerificationReport._meta.db_table} r ON r.id = c.report_id""",
            order="r.title, c.number",
        ),
        "recommendation": ChoiceSource(
            value="r.id",
            label=recommendation_label_sql("c.number", "r.number", "r.text"),
            rows=f"""{Recommendation._meta.db_table} r
                JOIN {Chapter._meta.db_table} c ON c.id = r.chapter_id""",
            order="c.number, r.number",
        ),
        "policy": ChoiceSource(
            value="p.id",
            label=policy_label_sql("c.number", "p.number", "p.text"),
            rows=f"""{Policy._meta.db_table} p
                JOIN {Chapter._meta.db_table} c ON c.id = p.chapter_id""",
            order="c.number, p.number",
        ),
        "department": organizations_with("actions"),
    }

    class Meta:
        model = ActionReport
        fields = []

    def filter_placed(self, queryset, name, value):
        return queryset.filter(placed_under(name, value))

    def filter_classification(self, queryset, name, value):
        # The letters kept on the report, rather than an EXISTS over its paragraphs per row.
        return queryset.filter(kept.has_classification(value))

    def search(self, queryset, name, value):
        value = keyword(value)
        statuses = ImplementationStatus.objects.filter(report=OuterRef("pk"), text__matches=value)
        if self.form.cleaned_data.get("period"):
            # One period's rows: their paragraphs are read per row, by report (a scalar
            # subquery with LIMIT). As an EXISTS, PostgreSQL reads the paragraphs of every
            # period kept, once for all rows — which grew with the years — and does so still for
            # a list of every period (a period that is no choice).
            found = Q(matching_status__isnull=False)
            # No ordering: the paragraphs' own (by report, then its period and document
            # order) joined five tables per row, to pick any one.
            first = statuses.order_by().values("pk")[:1]
            queryset = queryset.alias(matching_status=Subquery(first))
        else:
            found = Q(Exists(statuses))
        return queryset.filter(
            Q(action__text__matches=value) | Q(action__policy__text__matches=value) | found
        )

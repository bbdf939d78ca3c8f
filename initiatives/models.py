"""資料3: initiatives under the staff-development vision (人材育成ビジョン), and what each section
reports on them per half-year (９月までの取組 / 10月以降の取組)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Q
from simple_history.models import HistoricalRecords

from core.marks import circled
from core.wareki import number_label, number_label_sql
from reporting.models import WorkflowEntry, text_within_limit


def category_label(number, title):
    """A category as its choice list names it: １　研修…"""
    return f"{number_label(number)}　{title}"


def category_label_sql(number, title):
    """category_label() in SQL, of SQL expressions."""
    return f"{number_label_sql(number)} || '　' || {title}"


class Category(models.Model):
    number = models.PositiveSmallIntegerField("番号", unique=True)
    title = models.CharField("取組内容の分類", max_length=200)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "取組内容の分類"
        verbose_name_plural = "取組内容の分類"
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="category_number_positive"),
            models.CheckConstraint(
                condition=Q(title__regex=r"\S"), name="category_title_not_blank"
            ),
        ]

    def __str__(self):
        return category_label(self.number, self.title)


class Subclass(models.Model):
    """The four sub-classes of category 3 (研修体制の整備, 事務マニュアルへの反映, …)."""

    category = models.ForeignKey(
        Category, verbose_name="分類", on_delete=models.PROTECT, related_name="subclasses"
    )
    number = models.PositiveSmallIntegerField("番号")
    name = models.CharField("細分類", max_length=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "細分類"
        verbose_name_plural = "細分類"
        ordering = ["category__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["category", "number"], name="subclass_unique_number"),
            models.UniqueConstraint(fields=["category", "name"], name="subclass_unique_name"),
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="subclass_name_not_blank"),
        ]

    def __str__(self):
        return self.name


def initiative_reference(category, subclass, number):
    """A row's reference from its category's number, its sub-class's name (or None) and its
    number: 3-研修体制の整備-⑥ (the list's rows have these without the instances)."""
    return "-".join([str(category), *([subclass] if subclass is not None else []), circled(number)])


class InitiativeQuerySet(models.QuerySet):
    def with_related(self):
        return self.select_related(
            "category", "subclass", "job_category", "repost_of__category", "repost_of__subclass"
        ).prefetch_related("sections")


class Initiative(models.Model):
    """One row of 資料3: what a section does for one job category under one category."""

    category = models.ForeignKey(
        Category,
        verbose_name="取組内容の分類",
        on_delete=models.PROTECT,
        related_name="initiatives",
    )
    subclass = models.ForeignKey(
        Subclass,
        verbose_name="細分類",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="initiatives",
    )
    number = models.PositiveSmallIntegerField(
        "取組番号", help_text="分類（細分類）ごとの ①② の番号"
    )
    job_category = models.ForeignKey(
        "departments.JobCategory",
        verbose_name="対象職種",
        on_delete=models.PROTECT,
        related_name="initiatives",
    )
    sections = models.ManyToManyField(
        "departments.Organization", verbose_name="担当課", related_name="initiatives"
    )
    repost_of = models.ForeignKey(
        "self",
        verbose_name="再掲元",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reposts",
        help_text="【再掲】の行は再掲元の９月までの取組をそのまま表示します（写しは持ちません）。",
    )
    history = HistoricalRecords()

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        verbose_name = "取組（資料3）"
        verbose_name_plural = "取組（資料3）"
        ordering = ["category__number", "subclass__number", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "subclass", "number"],
                nulls_distinct=False,
                name="initiative_unique_number",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="initiative_number_positive"),
            models.CheckConstraint(
                condition=~Q(repost_of=models.F("id")), name="initiative_not_repost_of_itself"
            ),
        ]

    def __str__(self):
        return f"{self.reference}（{self.job_category}）"

    @property
    def reference(self):
        """How the committee refers to the row: 3-研修体制の整備-⑥."""
        subclass = self.subclass.name if self.subclass_id else None
        return initiative_reference(self.category.number, subclass, self.number)

    @property
    def source(self):
        """The row whose ９月までの取組 this row shows: itself, or the original of a 【再掲】."""
        return self.repost_of or self

    def clean(self):
        errors = {}
        if self.subclass_id and self.subclass.category_id != self.category_id:
            errors["subclass"] = "細分類は選んだ分類のものを指定してください。"
        if not self.subclass_id and self.category_id and self.category.subclasses.exists():
            errors["subclass"] = "この分類では細分類を指定してください。"
        if self.repost_of_id:
            if self.repost_of_id == self.pk:
                errors["repost_of"] = "自分自身を再掲元にはできません。"
            elif self.repost_of.repost_of_id:
                errors["repost_of"] = "再掲元には【再掲】でない元の行を指定してください。"
        if errors:
            raise ValidationError(errors)


class ProgressEntry(WorkflowEntry):
    """What the responsible sections report for one initiative in one period."""

    initiative = models.ForeignKey(
        Initiative, verbose_name="取組", on_delete=models.PROTECT, related_name="entries"
    )
    results = models.TextField(
        "取組結果（９月までの取組）",
        blank=True,
        help_text="【再掲】の行では空欄（再掲元の内容を表示します）。",
    )
    plans = models.TextField("取組内容（10月以降の取組）", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "取組状況（資料3）"
        verbose_name_plural = "取組状況（資料3）"
        ordering = [
            "period__results_until",
            "initiative__category__number",
            "initiative__subclass__number",
            "initiative__number",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "initiative"], name="progressentry_one_per_period"
            ),
            text_within_limit("results", "progressentry_results_length"),
            text_within_limit("plans", "progressentry_plans_length"),
        ]

    def __str__(self):
        return f"{self.period}／{self.initiative}"

    def responsible_organizations(self):
        return self.initiative.sections.all()

    @classmethod
    def originals(cls):
        """For a subquery under a query of entries: the entry whose results a 【再掲】 row
        shows, its original's of the same period (the 【再掲】 rule of the reading side, for
        the pages, the search and the timeline)."""
        return cls.objects.filter(
            initiative=OuterRef("initiative__repost_of"), period=OuterRef("period")
        )

    @property
    def reference(self):
        return self.initiative.reference

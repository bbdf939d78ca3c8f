"""Reporting periods (half-years) and the workflow every per-period entry goes through."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from simple_history.models import HistoricalRecords

from core.limits import MAX_TEXT_LENGTH
from core.wareki import month_label


class ReportingPeriod(models.Model):
    code = models.SlugField("コード", max_length=20, unique=True, help_text="例: R5H1")
    name = models.CharField("名称", max_length=50, unique=True, help_text="例: 令和５年度上半期")
    results_until = models.DateField("取組結果の対象（〜まで）", help_text="例: 2023-09-30")
    plans_from = models.DateField("取組内容の対象（〜以降）", help_text="例: 2023-10-01")
    deadline = models.DateField("提出期限", null=True, blank=True)
    meeting = models.CharField(
        "会議名と日付",
        max_length=200,
        blank=True,
        help_text="資料2の見出しに載せる行。例: Ｒ2.5.13　対策推進本部会議",
    )
    is_current = models.BooleanField("現在の期間", default=False)
    is_closed = models.BooleanField(
        "締切済", default=False, help_text="締切後は管理者以外は変更できません。"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "報告期間"
        verbose_name_plural = "報告期間"
        ordering = ["results_until"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_period"
            ),
            models.CheckConstraint(
                condition=Q(plans_from__gt=F("results_until")), name="period_plans_after_results"
            ),
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="period_name_not_blank"),
        ]

    def __str__(self):
        return self.name

    @property
    def results_label(self):
        """The document's column heading, e.g. ９月までの取組."""
        return f"{month_label(self.results_until)}までの取組"

    @property
    def plans_label(self):
        """The document's column heading, e.g. 10月以降の取組."""
        return f"{month_label(self.plans_from)}以降の取組"


def text_within_limit(field, name):
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), MAX_TEXT_LENGTH), name=name
    )


class EntryState(models.TextChoices):
    NOT_STARTED = "not_started", "未着手"
    DRAFT = "draft", "下書き"
    SUBMITTED = "submitted", "提出済"
    RETURNED = "returned", "差戻し"
    APPROVED = "approved", "承認済"


class WorkflowEntry(models.Model):
    """What a section reports for one row in one period, and where that report stands."""

    period = models.ForeignKey(
        ReportingPeriod, verbose_name="報告期間", on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        "状態", max_length=12, choices=EntryState.choices, default=EntryState.NOT_STARTED
    )
    # Checked inside the write transaction so a stale form cannot overwrite newer text.
    version = models.PositiveIntegerField("版", default=1)
    return_comment = models.TextField("差戻しコメント", blank=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更新者",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True

    # Section staff may edit only in these states; submitted and approved entries wait for the HQ.
    EDITABLE_BY_SECTION = (EntryState.NOT_STARTED, EntryState.DRAFT, EntryState.RETURNED)

    def responsible_organizations(self):
        """The sections or departments whose members answer for this entry."""
        raise NotImplementedError

    @property
    def reference(self):
        raise NotImplementedError

"""The reporting cycle around the entries: the conversation per row, what each user last
opened, and the reminders already sent."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

MAX_COMMENT_LENGTH = 2000


class Comment(models.Model):
    """One message in a row's conversation. Never edited or deleted: the exchange is the record."""

    class Kind(models.TextChoices):
        COMMENT = "comment", "コメント"
        RETURN = "return", "差戻し"

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    entry = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="書いた人",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    kind = models.CharField("種類", max_length=10, choices=Kind.choices, default=Kind.COMMENT)
    body = models.TextField("コメント")
    created_at = models.DateTimeField("日時", default=timezone.now)

    class Meta:
        verbose_name = "コメント"
        verbose_name_plural = "コメント"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(body__regex=r"\S"), name="comment_not_blank"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), MAX_COMMENT_LENGTH),
                name="comment_length",
            ),
        ]

    def __str__(self):
        return self.body[:30]


class Visit(models.Model):
    """When a user last opened a row: what changed after it is new to them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="visit_one_per_user_and_row"
            )
        ]

    def __str__(self):
        return f"{self.user_id}: {self.content_type_id}/{self.object_id} {self.seen_at}"


class SentReminder(models.Model):
    """A reminder that went out (or was due and had nobody to go to). The unique key is what
    keeps a second run on the same day from sending anything again."""

    class Kind(models.TextChoices):
        BEFORE_DEADLINE = "before_deadline", "提出期限前のお知らせ（課あて）"
        OVERDUE_DIGEST = "overdue_digest", "期限を過ぎた課の一覧（推進本部あて）"

    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    period = models.ForeignKey(
        "reporting.ReportingPeriod",
        verbose_name="報告期間",
        on_delete=models.CASCADE,
        related_name="+",
    )
    organization = models.ForeignKey(
        "departments.Organization",
        verbose_name="宛先の課・部",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_on = models.DateField("送信日")
    sent_at = models.DateTimeField("送信日時", default=timezone.now)
    days_left = models.IntegerField("提出期限までの日数")
    rows = models.PositiveIntegerField("未提出の行数")
    recipients = models.TextField("宛先", blank=True)
    without_address = models.TextField("メールアドレスのない人", blank=True)

    class Meta:
        verbose_name = "送信したリマインダー"
        verbose_name_plural = "送信したリマインダー"
        ordering = ["-sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period", "organization", "sent_on"],
                nulls_distinct=False,
                name="reminder_once_a_day",
            )
        ]

    def __str__(self):
        return f"{self.sent_on} {self.get_kind_display()}"

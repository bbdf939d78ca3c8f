"""The city's organisation: bureaus (局), departments (部) and sections (課), and the job categories
(対象職種) that 資料3 reports by.

One tree holds all three levels because the documents assign work to any of them: 資料3's 担当課
column names sections (保）保護課) but also whole bureaus (総務局) and departments (区）保健福祉部).
"""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

PREFIX_SEPARATOR = "）"


class Organization(models.Model):
    class Level(models.TextChoices):
        BUREAU = "bureau", "局"
        DEPARTMENT = "department", "部"
        SECTION = "section", "課"

    level = models.CharField("種別", max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上位組織",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    name = models.CharField("名称", max_length=100, help_text="例: 保護課、児童相談所、総務局")
    prefix = models.CharField(
        "略称", max_length=2, blank=True, help_text="局のみ。資料の「保）保護課」の「保」。"
    )
    label = models.CharField(
        "表示名",
        max_length=120,
        unique=True,
        blank=True,
        editable=False,
        help_text="資料での書き方",
    )
    sort_order = models.PositiveIntegerField("表示順", default=0)
    retired_on = models.DateField(
        "廃止日",
        null=True,
        blank=True,
        help_text=(
            "機構改革で廃止した課・部。利用者や資料の行を新たに割り当てられなくなります。"
            "これまでの行と履歴はこの名称のまま残ります。"
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "組織"
        verbose_name_plural = "組織"
        ordering = ["sort_order", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], nulls_distinct=False, name="organization_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(name__regex=r"\S"), name="organization_name_not_blank"
            ),
            models.CheckConstraint(
                condition=(
                    Q(level="bureau", parent__isnull=True, prefix__regex=r"\S")
                    | (~Q(level="bureau") & Q(parent__isnull=False, prefix=""))
                ),
                name="organization_bureau_is_root_with_prefix",
            ),
        ]

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        self.label = self.compute_label()
        super().save(*args, **kwargs)
        # A renamed bureau or department changes how its descendants are written.
        for child in self.children.all():
            if child.compute_label() != child.label:
                child.save()

    @property
    def is_retired(self):
        return self.retired_on is not None

    @property
    def bureau(self):
        node = self
        while node.parent_id is not None:
            node = node.parent
        return node

    def compute_label(self):
        if self.level == self.Level.BUREAU:
            return self.name
        return f"{self.bureau.prefix}{PREFIX_SEPARATOR}{self.name}"


class LevelManager(models.Manager):
    def __init__(self, level):
        super().__init__()
        self.level = level

    def get_queryset(self):
        return super().get_queryset().filter(level=self.level)


class OfLevel:
    """For the proxies below: saving one sets its level."""

    LEVEL = None

    def save(self, *args, **kwargs):
        self.level = self.LEVEL
        super().save(*args, **kwargs)


class Bureau(OfLevel, Organization):
    LEVEL = Organization.Level.BUREAU
    objects = LevelManager(LEVEL)

    class Meta:
        proxy = True
        verbose_name = "局"
        verbose_name_plural = "局"


class Department(OfLevel, Organization):
    LEVEL = Organization.Level.DEPARTMENT
    objects = LevelManager(LEVEL)

    class Meta:
        proxy = True
        verbose_name = "部"
        verbose_name_plural = "部"


class Section(OfLevel, Organization):
    LEVEL = Organization.Level.SECTION
    objects = LevelManager(LEVEL)

    class Meta:
        proxy = True
        verbose_name = "課"
        verbose_name_plural = "課"


def _as_organization():
    def forward(sender, signal, **kwargs):
        signal.send(sender=Organization, **kwargs)

    return forward


def record_proxy_history():
    """Saving a Bureau, Department or Section (the admin's forms) sends the save signals for the
    proxy, which the history of Organization does not listen to: forward them, so that renaming,
    retiring and moving are recorded like any other change."""
    for proxy in (Bureau, Department, Section):
        for signal in (
            models.signals.post_save,
            models.signals.pre_delete,
            models.signals.post_delete,
        ):
            signal.connect(
                _as_organization(),
                sender=proxy,
                weak=False,
                dispatch_uid=f"organization-history-{proxy.__name__}-{id(signal)}",
            )


class JobCategory(models.Model):
    name = models.CharField("対象職種", max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField("表示順", unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "対象職種"
        verbose_name_plural = "対象職種"
        ordering = ["sort_order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(name__regex=r"\S"), name="jobcategory_name_not_blank"
            ),
        ]

    def __str__(self):
        return self.name

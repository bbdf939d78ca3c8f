"""資料2: the verification report's recommendations (提言), the city's policies (取組方針) and
concrete actions (具体的な取組内容), and per period the actions' implementation status
(実施状況) with its classification (区分 A–D)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core import sqltext
from core.marks import (
    action_letter,
    circled,
    circled_sql,
    policy_letter,
    policy_letter_sql,
    with_repost_mark,
)
from reporting.models import WorkflowEntry, text_within_limit

CLASSIFICATION_INTRO = "それぞれの取組の実施・検討の時期について、次の４つの区分で表す。"


class Classification(models.TextChoices):
    """区分, worded exactly as the legend of 資料2."""

    A = "A", "Ａ：既に取り組んでいる項目"
    B = "B", "Ｂ：すぐに取り組むべき項目"
    C = "C", "Ｃ：速やかに検討すべき項目"
    D = "D", "Ｄ：中期的・段階的に検討する項目"

    @property
    def mark(self):
        """The full-width letter printed in the 区分 column: Ａ."""
        return self.label[0]


class VerificationReport(models.Model):
    title = models.CharField("検証報告書", max_length=200, unique=True)
    document_title = models.CharField(
        "資料名", max_length=200, help_text="例: 今後の取組方針について"
    )
    note = models.TextField("注記", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "検証報告書"
        verbose_name_plural = "検証報告書"
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=Q(title__regex=r"\S"), name="report_title_not_blank"),
        ]

    def __str__(self):
        return self.title


def chapter_mark(number):
    return f"({number})"


def chapter_mark_sql(number):
    return f"'(' || {number} || ')'"


def action_reference(chapter, policy, action):
    """An action's reference from the numbers of its chapter, policy and its own: (1)イ(ｳ)
    (the list's rows have the numbers without the instances)."""
    return f"{chapter_mark(chapter)}{policy_letter(policy)}{action_letter(action)}"


def policy_label(chapter, number, text):
    """A policy as its choice lists name it, from its chapter's number, its own and its text:
    (1)イ 支援の…"""
    return f"{chapter_mark(chapter)}{policy_letter(number)} {text.strip()[:30]}"


def policy_label_sql(chapter, number, text):
    """policy_label() in SQL, of SQL expressions."""
    return (
        f"{chapter_mark_sql(chapter)} || {policy_letter_sql(number)}"
        f" || ' ' || left({sqltext.strip(text)}, 30)"
    )


def chapter_label(number, title):
    """A chapter as its choice list names it: (1) 児童相談所の…"""
    return f"{chapter_mark(number)} {title}"


def chapter_label_sql(number, title):
    """chapter_label() in SQL, of SQL expressions."""
    return f"{chapter_mark_sql(number)} || ' ' || {title}"


def recommendation_label(chapter, number, text):
    """A 提言 as its choice list names it, from its chapter's number: (1)① …"""
    return f"{chapter_mark(chapter)}{circled(number)} {text}"


def recommendation_label_sql(chapter, number, text):
    """recommendation_label() in SQL, of SQL expressions."""
    return f"{chapter_mark_sql(chapter)} || {circled_sql(number)} || ' ' || {text}"


class Chapter(models.Model):
    report = models.ForeignKey(
        VerificationReport,
        verbose_name="検証報告書",
        on_delete=models.PROTECT,
        related_name="chapters",
    )
    number = models.PositiveSmallIntegerField("番号")
    title = models.CharField("項目", max_length=200)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "項目"
        verbose_name_plural = "項目"
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="chapter_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="chapter_number_positive"),
            models.CheckConstraint(condition=Q(title__regex=r"\S"), name="chapter_title_not_blank"),
        ]

    def __str__(self):
        return chapter_label(self.number, self.title)

    @property
    def mark(self):
        return chapter_mark(self.number)


class Recommendation(models.Model):
    """検証報告書における提言 ①②… within a chapter."""

    chapter = models.ForeignKey(
        Chapter, verbose_name="項目", on_delete=models.PROTECT, related_name="recommendations"
    )
    number = models.PositiveSmallIntegerField("番号")
    text = models.TextField("提言")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "提言"
        verbose_name_plural = "提言"
        ordering = ["chapter__number", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["chapter", "number"], name="recommendation_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="recommendation_number_positive"
            ),
            models.CheckConstraint(
                condition=Q(text__regex=r"\S"), name="recommendation_text_not_blank"
            ),
        ]

    def __str__(self):
        return recommendation_label(self.chapter.number, self.number, self.text)

    @property
    def mark(self):
        return circled(self.number)


class Policy(models.Model):
    """取組方針 ア イ ウ… within a chapter, answering one or several 提言 (該当提言)."""

    chapter = models.ForeignKey(
        Chapter, verbose_name="項目", on_delete=models.PROTECT, related_name="policies"
    )
    number = models.PositiveSmallIntegerField("番号", help_text="ア=1, イ=2, …")
    text = models.TextField("取組方針")
    recommendations = models.ManyToManyField(
        Recommendation, verbose_name="該当提言", related_name="policies"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "取組方針"
        verbose_name_plural = "取組方針"
        ordering = ["chapter__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["chapter", "number"], name="policy_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="policy_number_positive"),
            models.CheckConstraint(condition=Q(text__regex=r"\S"), name="policy_text_not_blank"),
        ]

    def __str__(self):
        return policy_label(self.chapter.number, self.number, self.text)

    @property
    def mark(self):
        return policy_letter(self.number)


class ActionQuerySet(models.QuerySet):
    def with_related(self):
        return self.select_related(
            "policy__chapter", "repost_of__policy__chapter"
        ).prefetch_related("departments", "policy__recommendations")


class Action(models.Model):
    """具体的な取組内容 (ｱ)(ｲ)… within a policy. A 【再掲】 action is a second place for an
    existing action: it points at the original and has no text or status of its own."""

    policy = models.ForeignKey(
        Policy, verbose_name="取組方針", on_delete=models.PROTECT, related_name="actions"
    )
    number = models.PositiveSmallIntegerField("番号", help_text="(ｱ)=1, (ｲ)=2, …")
    text = models.TextField("具体的な取組内容（想定を含む）", blank=True)
    departments = models.ManyToManyField(
        "departments.Organization", verbose_name="担当部", related_name="actions"
    )
    department_note = models.CharField(
        "担当部の注記", max_length=100, blank=True, help_text="例: （■■区の独自取組例）"
    )
    repost_of = models.ForeignKey(
        "self",
        verbose_name="再掲元",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reposts",
        help_text="【再掲】の取組は再掲元の内容と実施状況をそのまま表示します。",
    )
    history = HistoricalRecords()

    objects = ActionQuerySet.as_manager()

    class Meta:
        verbose_name = "具体的な取組（資料2）"
        verbose_name_plural = "具体的な取組（資料2）"
        ordering = ["policy__chapter__number", "policy__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="action_unique_number"),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="action_number_positive",
            ),
            # An original has its own text; a 【再掲】 has none, so the two can never drift apart.
            models.CheckConstraint(
                condition=(
                    Q(repost_of__isnull=True, text__regex=r"\S")
                    | Q(repost_of__isnull=False, text="")
                ),
                name="action_text_xor_repost",
            ),
            models.CheckConstraint(
                condition=~Q(repost_of=models.F("id")), name="action_not_repost_of_itself"
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.source.text.strip()[:30]}"

    @property
    def mark(self):
        return action_letter(self.number)

    @property
    def reference(self):
        """(1)イ(ｳ)"""
        return action_reference(self.policy.chapter.number, self.policy.number, self.number)

    @property
    def source(self):
        """The action that holds the text and status: itself, or the original of a 【再掲】."""
        return self.repost_of or self

    @property
    def source_pk(self):
        """The id of `source`, known without a query: what a reader looks the status up by."""
        return self.repost_of_id or self.pk

    @property
    def is_repost(self):
        return self.repost_of_id is not None

    @property
    def shown_text(self):
        """具体的な取組内容 as every page and document shows it where this action stands: a
        【再掲】 shows its original's with 【再掲】 right after it."""
        text = self.source.text
        return with_repost_mark(text) if self.is_repost else text

    def clean(self):
        if self.repost_of_id:
            if self.repost_of_id == self.pk:
                raise ValidationError({"repost_of": "自分自身を再掲元にはできません。"})
            if self.repost_of.repost_of_id:
                raise ValidationError(
                    {"repost_of": "再掲元には【再掲】でない元の取組を指定してください。"}
                )
            if self.text.strip():
                raise ValidationError(
                    {"text": "【再掲】の取組には内容を入力せず、再掲元で編集してください。"}
                )
        elif not self.text.strip():
            raise ValidationError({"text": "具体的な取組内容を入力してください。"})


class ActionReport(WorkflowEntry):
    """One period's 実施状況 of one (original) action."""

    action = models.ForeignKey(
        Action, verbose_name="具体的な取組", on_delete=models.PROTECT, related_name="reports"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "実施状況報告（資料2）"
        verbose_name_plural = "実施状況報告（資料2）"
        ordering = [
            "period__results_until",
            "action__policy__chapter__number",
            "action__policy__number",
            "action__number",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "action"], name="actionreport_one_per_period"
            ),
        ]

    def __str__(self):
        return f"{self.period}／{self.action.reference}"

    def responsible_organizations(self):
        return self.action.departments.all()

    @property
    def reference(self):
        return self.action.reference

    def clean(self):
        if self.action_id and self.action.repost_of_id:
            raise ValidationError(
                {"action": "【再掲】の取組ではなく再掲元の取組に報告してください。"}
            )


class ImplementationStatus(models.Model):
    """One 実施状況 paragraph with its own 区分. An action the document classifies without
    describing progress has one paragraph with empty text."""

    report = models.ForeignKey(
        ActionReport, verbose_name="報告", on_delete=models.CASCADE, related_name="statuses"
    )
    position = models.PositiveSmallIntegerField("順番")
    text = models.TextField("実施状況", blank=True)
    classification = models.CharField("区分", max_length=1, choices=Classification.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "実施状況"
        verbose_name_plural = "実施状況"
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "position"],
                name="status_unique_position",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.CheckConstraint(
                condition=Q(classification__in=list(Classification.values)),
                name="status_classification_a_to_d",
            ),
            text_within_limit("text", "status_text_length"),
        ]

    def __str__(self):
        return f"{Classification(self.classification).mark} {self.text.strip()[:30]}"

"""What the public may see: each action's latest approved 実施状況 and nothing else — no drafts,
no returned or submitted entries, no comments, no user names."""

from dataclasses import dataclass

from recommendations.models import Action, ActionReport, Chapter, Classification
from reporting.models import EntryState


@dataclass
class PublicAction:
    chapter: object
    policy: object
    action: object
    original: object
    report: object  # the latest approved report, or None

    @property
    def statuses(self):
        return list(self.report.statuses.all()) if self.report else []

    @property
    def is_repost(self):
        return self.original.pk != self.action.pk


def latest_approved_reports():
    """action id → its most recent approved report (one query, plus one for the paragraphs)."""
    reports = (
        ActionReport.objects.filter(state=EntryState.APPROVED)
        .select_related("period")
        .prefetch_related("statuses")
        .order_by("action_id", "-period__results_until")
        .distinct("action_id")
    )
    return {report.action_id: report for report in reports}


def public_summary():
    chapters = list(
        Chapter.objects.prefetch_related("recommendations", "policies__recommendations")
    )
    actions = Action.objects.select_related("policy__chapter", "repost_of").prefetch_related(
        "departments", "repost_of__departments"
    )
    reports = latest_approved_reports()
    by_chapter = {chapter.pk: [] for chapter in chapters}
    for action in actions:
        original = action.repost_of or action
        by_chapter[action.policy.chapter_id].append(
            PublicAction(
                action.policy.chapter, action.policy, action, original, reports.get(original.pk)
            )
        )
    return [(chapter, by_chapter[chapter.pk]) for chapter in chapters]


OPEN_DATA_FIELDS = [
    ("chapter", "項目"),
    ("recommendations", "該当提言"),
    ("policy", "取組方針"),
    ("action", "具体的な取組"),
    ("action_text", "具体的な取組内容（想定を含む）"),
    ("repost_of", "再掲元"),
    ("period", "報告期間"),
    ("position", "実施状況の番号"),
    ("classification", "区分"),
    ("classification_label", "区分の説明"),
    ("status", "実施状況"),
    ("departments", "担当部"),
]


def open_data_rows():
    """One row per 実施状況 paragraph (or per action without an approved one)."""
    for chapter, items in public_summary():
        for item in items:
            base = {
                "chapter": str(chapter),
                "recommendations": "、".join(
                    f"{r.mark}{r.text}" for r in item.policy.recommendations.all()
                ),
                "policy": f"{item.policy.mark}　{item.policy.text.strip()}",
                "action": item.action.reference,
                "action_text": item.original.text.strip(),
                "repost_of": item.original.reference if item.is_repost else "",
                "period": item.report.period.name if item.report else "",
                "departments": "、".join(d.label for d in item.action.departments.all()),
            }
            statuses = item.statuses or [None]
            for status in statuses:
                yield {
                    **base,
                    "position": status.position if status else "",
                    "classification": Classification(status.classification).mark if status else "",
                    "classification_label": status.get_classification_display() if status else "",
                    "status": status.text.strip() if status else "",
                }

"""What the public may see: each action's latest approved 実施状況 and nothing else — no drafts,
no returned or submitted entries, no comments, no user names."""

from dataclasses import dataclass

from django.core.paginator import Paginator

from recommendations.models import Action, ActionReport, Chapter, Classification
from recommendations.selectors import shown
from reporting.models import EntryState

# More than the seed's largest chapter (18 actions): a chapter of today's size is one page.
ACTIONS_PER_PAGE = 20


@dataclass
class PublicAction:
    policy: object
    action: object
    report: object  # the latest approved report of the original action, or None

    @property
    def statuses(self):
        return list(self.report.statuses.all()) if self.report else []


def _public_actions(actions):
    """Each action with the latest approved report of its original (three queries in all)."""
    actions = list(
        actions.select_related("policy__chapter", "repost_of").prefetch_related(
            "departments", "policy__recommendations"
        )
    )
    originals = {a.source_pk for a in actions}
    reports = (
        ActionReport.objects.filter(state=EntryState.APPROVED, action_id__in=originals)
        .select_related("period")
        .prefetch_related("statuses")
        .order_by("action_id", "-period__results_until")
        .distinct("action_id")
    )
    latest = {report.action_id: report for report in reports}
    return [PublicAction(a.policy, a, shown(a, latest)) for a in actions]


def public_chapter(number=None, page=None):
    """The chapters for the index, and one chapter (the first unless asked) with one page of its
    actions (the page's items are PublicActions): a chapter grows with the years and the city,
    a page does not."""
    chapters = list(Chapter.objects.order_by("number"))
    chapter = next(
        (c for c in chapters if str(c.number) == str(number)), chapters[0] if chapters else None
    )
    if chapter is None:
        return chapters, None, [], None
    recommendations = list(chapter.recommendations.all())
    actions = Paginator(Action.objects.filter(policy__chapter=chapter), ACTIONS_PER_PAGE)
    shown = actions.get_page(page)
    shown.object_list = _public_actions(shown.object_list)
    return chapters, chapter, recommendations, shown


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
    """One row per 実施状況 paragraph (or per action without an approved one), every chapter."""
    for item in _public_actions(Action.objects.all()):
        chapter, policy = item.policy.chapter, item.policy
        base = {
            "chapter": str(chapter),
            "recommendations": "、".join(f"{r.mark}{r.text}" for r in policy.recommendations.all()),
            "policy": f"{policy.mark}　{policy.text.strip()}",
            "action": item.action.reference,
            "action_text": item.action.source.text.strip(),
            "repost_of": item.action.source.reference if item.action.is_repost else "",
            "period": item.report.period.name if item.report else "",
            "departments": "、".join(d.label for d in item.action.departments.all()),
        }
        for status in item.statuses or [None]:
            yield {
                **base,
                "position": status.position if status else "",
                "classification": Classification(status.classification).mark if status else "",
                "classification_label": status.get_classification_display() if status else "",
                "status": status.text.strip() if status else "",
            }

"""Writes on 資料2 実施状況 reports."""

from dataclasses import dataclass

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from recommendations.models import Action, ActionReport, Classification, ImplementationStatus
from reporting.models import EntryState
from reporting.services import WorkflowError, lock, record, state_after_edit

ERROR_NO_STATUS = (
    "実施状況を１つ以上入力してください（区分だけの場合も、区分を選んで１行作成してください）。"
)
ERROR_UNDER_WAY_NEEDS_TEXT = (
    "区分Ａ（既に取り組んでいる項目）の実施状況には内容を記入してください。"
)
ERROR_LOCKED = "承認済みの報告の区分は変更できません。"


@dataclass
class StatusInput:
    """One 実施状況 paragraph as submitted: `pk` of an existing paragraph, or None for a new one."""

    text: str
    classification: str
    pk: int | None = None

    @property
    def mark(self):
        return Classification(self.classification).mark


def check_ready_to_submit(paragraphs):
    if not paragraphs:
        raise WorkflowError(ERROR_NO_STATUS)
    if any(p.classification == "A" and not p.text.strip() for p in paragraphs):
        raise WorkflowError(ERROR_UNDER_WAY_NEEDS_TEXT)


@transaction.atomic
def save_statuses(*, report, user, version, paragraphs, submit=False):
    """Replace the report's 実施状況 with `paragraphs` (in their new order) as a draft, or submit.

    Paragraphs are updated in place, added and deleted one by one so that history shows exactly
    what changed, including each 区分."""
    report = lock(report, version=version)
    if submit:
        check_ready_to_submit(paragraphs)
    state = state_after_edit(report, submit=submit)
    _write_paragraphs(report, paragraphs, user)
    return record(report, user=user, state=state)


def _write_paragraphs(report, paragraphs, user):
    existing = {s.pk: s for s in report.statuses.all()}
    kept = {p.pk for p in paragraphs if p.pk is not None}
    if not kept <= set(existing):
        raise WorkflowError("実施状況の行が見つかりません。画面を読み込み直してください。")
    for pk in set(existing) - kept:
        status = existing[pk]
        status._history_user = user
        status.delete()
    for position, paragraph in enumerate(paragraphs, start=1):
        status = existing.get(paragraph.pk) or ImplementationStatus(report=report)
        values = (position, paragraph.text, paragraph.classification)
        if status.pk and (status.position, status.text, status.classification) == values:
            continue
        status.position, status.text, status.classification = values
        status._history_user = user
        status.full_clean(exclude=["report"], validate_constraints=False)
        status.save()


@transaction.atomic
def set_classification(*, reports, user, classification):
    """The HQ sets one 区分 on every paragraph of the selected reports (all or none)."""
    locked = list(
        ActionReport.objects.select_for_update(of=("self",))
        .filter(pk__in=[r.pk for r in reports])
        .order_by("pk")
    )
    approved = [r for r in locked if r.state == EntryState.APPROVED]
    if approved:
        raise WorkflowError(ERROR_LOCKED, entries=approved)
    for report in locked:
        paragraphs = [
            StatusInput(pk=s.pk, text=s.text, classification=classification)
            for s in report.statuses.all()
        ] or [StatusInput(text="", classification=classification)]
        _write_paragraphs(report, paragraphs, user)
        record(report, user=user, state=state_after_edit(report, submit=False))
    return locked


@transaction.atomic
def create_reports_for_period(*, period, previous=None, user=None):
    """Give every original action a report in `period`, pre-filled with the 実施状況 of
    `previous` so sections edit rather than retype. Returns how many reports were created."""
    existing = set(ActionReport.objects.filter(period=period).values_list("action_id", flat=True))
    reports = [
        ActionReport(period=period, action=action, state=EntryState.NOT_STARTED, updated_by=user)
        for action in Action.objects.filter(repost_of__isnull=True).exclude(pk__in=existing)
    ]
    bulk_create_with_history(reports, ActionReport, default_user=user)
    if previous is not None:
        by_action = {r.action_id: r for r in reports}
        statuses = [
            ImplementationStatus(
                report=by_action[s.report.action_id],
                position=s.position,
                text=s.text,
                classification=s.classification,
            )
            for s in ImplementationStatus.objects.filter(
                report__period=previous, report__action_id__in=by_action
            ).select_related("report")
        ]
        bulk_create_with_history(statuses, ImplementationStatus, default_user=user)
    return len(reports)

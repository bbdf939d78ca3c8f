"""Multi-step writes on 資料2 data."""

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from recommendations.models import Action, ActionReport, ImplementationStatus
from reporting.models import EntryState


@transaction.atomic
def create_reports_for_period(*, period, previous=None):
    """Give every original action a report in `period`, pre-filled with the 実施状況 of
    `previous` so sections edit rather than retype. Returns how many reports were created."""
    existing = set(ActionReport.objects.filter(period=period).values_list("action_id", flat=True))
    actions = Action.objects.filter(repost_of__isnull=True).exclude(pk__in=existing)
    previous_statuses = {}
    if previous is not None:
        for status in ImplementationStatus.objects.filter(report__period=previous).select_related(
            "report"
        ):
            previous_statuses.setdefault(status.report.action_id, []).append(status)
    created = 0
    for action in actions:
        report = ActionReport(period=period, action=action, state=EntryState.NOT_STARTED)
        report.save()
        bulk_create_with_history(
            [
                ImplementationStatus(
                    report=report, position=s.position, text=s.text, classification=s.classification
                )
                for s in previous_statuses.get(action.pk, [])
            ],
            ImplementationStatus,
        )
        created += 1
    return created

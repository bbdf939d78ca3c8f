"""Writes on 資料3 progress entries."""

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from initiatives.models import Initiative, ProgressEntry
from reporting.models import EntryState
from reporting.services import lock, record, state_after_edit


@transaction.atomic
def save_progress(*, entry, user, version, results, plans, submit=False):
    """Save a section's texts as a draft, or submit them for the HQ's review.

    A 【再掲】 row shows its original's results and keeps no results of its own."""
    entry = lock(entry, version=version)
    state = state_after_edit(entry, submit=submit)
    if not entry.initiative.repost_of_id:
        entry.results = results
    entry.plans = plans
    return record(entry, user=user, state=state)


@transaction.atomic
def create_entries_for_period(*, period, previous=None, user=None):
    """Give every initiative an entry in `period`, pre-filled with its `previous` texts."""
    existing = set(
        ProgressEntry.objects.filter(period=period).values_list("initiative_id", flat=True)
    )
    before = {}
    if previous is not None:
        before = {e.initiative_id: e for e in ProgressEntry.objects.filter(period=previous)}
    entries = [
        ProgressEntry(
            period=period,
            initiative=initiative,
            results=before[initiative.pk].results if initiative.pk in before else "",
            plans=before[initiative.pk].plans if initiative.pk in before else "",
            state=EntryState.NOT_STARTED,
            updated_by=user,
        )
        for initiative in Initiative.objects.exclude(pk__in=existing)
    ]
    bulk_create_with_history(entries, ProgressEntry, default_user=user)
    return len(entries)

"""Workflow writes shared by both documents: saving with a version check, submitting, returning,
approving, and opening and closing periods. Each runs in one transaction; errors are
`WorkflowError`s carrying a message for the user (the constants below)."""

from django.db import transaction

from cycle.mail import entry_recorded
from reporting.models import EntryState, ReportingPeriod

ERROR_STALE = (
    "保存できませんでした。あなたが編集している間に、ほかの利用者がこの報告を更新しました。"
    "保存済みの内容とあなたの入力を見比べて、もう一度保存してください。"
)
ERROR_NOT_SUBMITTED = "提出済みの報告だけを承認できます。"
ERROR_CANNOT_RETURN = "提出済みまたは承認済みの報告だけを差戻しできます。"
ERROR_CANNOT_SUBMIT = "この報告は提出済みまたは承認済みのため、提出できません。"
ERROR_COMMENT_REQUIRED = "差戻しの理由（コメント）を入力してください。"
ERROR_PERIOD_CLOSED = "締切済みの期間の報告は変更できません。"
ERROR_NOTHING_SELECTED = "対象の行を選んでください。"


class WorkflowError(Exception):
    def __init__(self, message, *, entries=()):
        super().__init__(message)
        self.message = message
        self.entries = list(entries)


class StaleEntry(WorkflowError):
    """The form was made from an older version; `current` is what is saved now."""

    def __init__(self, current):
        super().__init__(ERROR_STALE)
        self.current = current


def lock(entry, *, version=None):
    """Re-read the entry under a row lock; refuse if the caller saw an older version."""
    locked = type(entry).objects.select_for_update(of=("self",)).get(pk=entry.pk)
    if version is not None and int(version) != locked.version:
        raise StaleEntry(current=locked)
    return locked


def record(entry, *, user, state=None, return_comment=None):
    """Save the entry's workflow fields as one new version, with `user` in its history."""
    before = entry.state
    if state is not None:
        entry.state = state
    if return_comment is not None:
        entry.return_comment = return_comment
    entry.version += 1
    entry.updated_by = user
    entry._history_user = user
    entry.save()
    # The conversation and the mail (sent after commit) hear of every workflow write.
    entry_recorded(entry, before=before, user=user, comment=return_comment)
    return entry


def state_after_edit(entry, *, submit):
    if submit:
        if entry.state not in entry.EDITABLE_BY_SECTION:
            raise WorkflowError(ERROR_CANNOT_SUBMIT, entries=[entry])
        return EntryState.SUBMITTED
    if entry.state == EntryState.NOT_STARTED:
        return EntryState.DRAFT
    return entry.state


def _lock_all(entries):
    if not entries:
        raise WorkflowError(ERROR_NOTHING_SELECTED)
    model = type(entries[0])
    return list(
        model.objects.select_for_update(of=("self",))
        .filter(pk__in=[e.pk for e in entries])
        .order_by("pk")
    )


def _refuse_unless(entries, allowed_states, message):
    wrong = [e for e in entries if e.state not in allowed_states]
    if wrong:
        raise WorkflowError(message, entries=wrong)


@transaction.atomic
def approve(*, entries, user, version=None):
    """Approve submitted entries: all of them, or none if any is not submitted."""
    if version is not None and len(entries) == 1:
        lock(entries[0], version=version)
    locked = _lock_all(entries)
    _refuse_unless(locked, [EntryState.SUBMITTED], ERROR_NOT_SUBMITTED)
    for entry in locked:
        record(entry, user=user, state=EntryState.APPROVED, return_comment="")
    return locked


@transaction.atomic
def return_to_section(*, entries, user, comment, version=None):
    """Send entries back to their section with the HQ's comment (approved ones are unlocked)."""
    comment = (comment or "").strip()
    if not comment:
        raise WorkflowError(ERROR_COMMENT_REQUIRED)
    if version is not None and len(entries) == 1:
        lock(entries[0], version=version)
    locked = _lock_all(entries)
    _refuse_unless(locked, [EntryState.SUBMITTED, EntryState.APPROVED], ERROR_CANNOT_RETURN)
    for entry in locked:
        record(entry, user=user, state=EntryState.RETURNED, return_comment=comment)
    return locked


@transaction.atomic
def open_period(*, user, code, name, results_until, plans_from, deadline=None):
    """Open a new current period; every row gets an entry pre-filled from the previous one."""
    from initiatives.services import create_entries_for_period
    from recommendations.services import create_reports_for_period

    previous = ReportingPeriod.objects.select_for_update().filter(is_current=True).first()
    if previous is not None:
        previous.is_current = False
        previous._history_user = user
        previous.save(update_fields=["is_current"])
    period = ReportingPeriod(
        code=code,
        name=name,
        results_until=results_until,
        plans_from=plans_from,
        deadline=deadline,
        is_current=True,
    )
    period._history_user = user
    period.full_clean()
    period.save()
    create_entries_for_period(period=period, previous=previous, user=user)
    create_reports_for_period(period=period, previous=previous, user=user)
    return period


@transaction.atomic
def close_period(*, period, user):
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    period.is_closed = True
    period._history_user = user
    period.save(update_fields=["is_closed"])
    return period

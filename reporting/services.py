"""The one writer of entries (資料3 取組状況, 資料2 実施状況報告 and its paragraphs), and the
opening and closing of periods.

Every change to an entry — the edit and review pages, bulk actions, the document import, the
flat import and the admin — goes through `write` (one entry) or `write_many` (many, all or none).
For each entry it:

1. locks the row and compares the version the user saw (StaleEntry when it moved);
2. cleans the document's values (only line breaks are normalised; a 【再掲】 row keeps none of
   its original's text), refuses a text over the length limit and finds what differs;
3. works out the state the action leads to (a first write makes 未着手 a 下書き, a submission
   提出済 …) and asks the permission rules (reporting/rules.py) about it;
4. checks a submission against the document's readiness rule;
5. writes the fields, the state and a new version with the user in the history — or nothing at
   all (no version, no history row) when nothing changed.

Errors are `WorkflowError`s carrying a message for the user (the constants below)."""

from dataclasses import dataclass, field, is_dataclass

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from flatfiles.resources import ValuesUpdateManager
from reporting import access
from reporting.models import MAX_TEXT_LENGTH, EntryState, ReportingPeriod
from reporting.rules import denial_reason
from reporting.workflow import Batch, document_for, documents, recorded

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
ERROR_NOT_WITHDRAWABLE = "取下げできるのは、推進本部がまだ確認していない提出済みの報告だけです。"
ERROR_TOO_LONG = (
    f"{MAX_TEXT_LENGTH}文字を超える文章は保存できません。"
    f"{MAX_TEXT_LENGTH}文字以内に短くしてから、もう一度保存してください。"
)
ERROR_CHANGED_SINCE = (
    "画面を表示した後にほかの利用者が変更したため、変更していません。"
    "画面を読み込み直して確かめてください。"
)

# What a caller asks for. An explicit `state` (the admin, the flat import) is turned into one of
# these by what it means for the entry's current state.
SAVE, SUBMIT, APPROVE, RETURN, SET_STATE = "save", "submit", "approve", "return", "set_state"
# The section takes its submission back to 下書き before the HQ acts on it (the cycle app).
WITHDRAW = "withdraw"
COMMENT_LABEL = "差戻しコメント"
STATE_LABEL = "状態"


class WorkflowError(Exception):
    def __init__(self, message, *, entries=(), fields=None):
        super().__init__(message)
        self.message = message
        self.entries = list(entries)
        # {form field name: message} for a form to show by its fields (readiness).
        self.fields = fields or {}


class StaleEntry(WorkflowError):
    """The form was made from an older version; `current` is what is saved now."""

    def __init__(self, current):
        super().__init__(ERROR_STALE, entries=[current])
        self.current = current


class Refused(WorkflowError):
    """The permission rules refuse the change; the message says why (承認済, 締切済, 担当外…)."""


@dataclass
class Change:
    """One entry as a caller wants it. `version`: the version the user saw (None: the caller
    holds the lock and checked it). `values`: the document's values it gives (the others stay).
    `comment`: the return comment (RETURN, or as the admin and the flat import give it)."""

    entry: object
    version: int | None = None
    values: dict = field(default_factory=dict)
    action: str = SAVE
    state: str | None = None
    comment: str | None = None


@dataclass
class Planned:
    entry: object
    values: dict
    changes: list  # labels of the fields that change
    state: str
    comment: str

    @property
    def writes(self):
        return bool(self.changes) or self.state != self.entry.state


@dataclass
class WriteResult:
    written: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    stale: list = field(default_factory=list)  # skipped (skip_stale) because they moved
    skipped: list = field(default_factory=list)  # (entry, message) left alone by the caller's rule


# -- Working out one change ----------


def _action(entry, change):
    if change.state is None or change.state == entry.state:
        return change.action if change.state is None else SAVE
    return {
        EntryState.SUBMITTED: SUBMIT,
        EntryState.APPROVED: APPROVE,
        EntryState.RETURNED: RETURN,
    }.get(change.state, SET_STATE)


def _refuse_unless(user, action, entry):
    if not access.may(user, action, entry):
        raise Refused(denial_reason(user, entry), entries=[entry])


def _too_long(value):
    if isinstance(value, str):
        return len(value) > MAX_TEXT_LENGTH
    if is_dataclass(value):
        value = vars(value)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return any(_too_long(v) for v in value)
    return False


def plan(entry, change, user):
    """What `change` does to the (locked) `entry`, after every check; raises WorkflowError."""
    if change.version is not None and int(change.version) != entry.version:
        raise StaleEntry(current=entry)
    document = document_for(entry)
    values = document.clean(entry, change.values or {})
    if _too_long(values) or _too_long(change.comment):
        # The forms say this first; the writer says it too, for every other caller (the
        # database would refuse it with an error no user could read).
        raise WorkflowError(ERROR_TOO_LONG, entries=[entry])
    changes = document.changes(entry, values)
    state, comment = entry.state, entry.return_comment
    action = _action(entry, change)
    if action == SAVE:
        if changes and state == EntryState.NOT_STARTED:
            state = EntryState.DRAFT
    elif action == SUBMIT:
        if entry.state not in entry.EDITABLE_BY_SECTION:
            raise WorkflowError(ERROR_CANNOT_SUBMIT, entries=[entry])
        state = EntryState.SUBMITTED
    elif action == APPROVE:
        if entry.state != EntryState.SUBMITTED:
            raise WorkflowError(ERROR_NOT_SUBMITTED, entries=[entry])
        state, comment = EntryState.APPROVED, ""
    elif action == RETURN:
        comment = (change.comment if change.comment is not None else comment).strip()
        if not comment:
            raise WorkflowError(ERROR_COMMENT_REQUIRED, entries=[entry])
        if entry.state not in (EntryState.SUBMITTED, EntryState.APPROVED):
            raise WorkflowError(ERROR_CANNOT_RETURN, entries=[entry])
        state = EntryState.RETURNED
    elif action == WITHDRAW:
        if entry.state != EntryState.SUBMITTED:
            raise WorkflowError(ERROR_NOT_WITHDRAWABLE, entries=[entry])
        state = EntryState.DRAFT
    else:
        state = change.state
    if action in (SAVE, SUBMIT, SET_STATE) and change.comment is not None:
        comment = change.comment
        if comment != entry.return_comment:
            changes = [*changes, COMMENT_LABEL]

    if not changes and state == entry.state and comment == entry.return_comment:
        return Planned(entry, values, [], state, comment)
    if changes and changes != [COMMENT_LABEL]:
        _refuse_unless(user, "change", entry)
    if action == SUBMIT:
        _refuse_unless(user, "submit", entry)
        missing = document.readiness(entry, values)
        if missing:
            raise WorkflowError(
                " ".join(dict.fromkeys(missing.values())), entries=[entry], fields=missing
            )
    elif action == WITHDRAW:
        _refuse_unless(user, "withdraw", entry)
    elif action in (APPROVE, RETURN, SET_STATE) or COMMENT_LABEL in changes:
        _refuse_unless(user, "review", entry)
    return Planned(entry, values, changes, state, comment)


# -- Writing ----------


def _lock(changes):
    """Lock the entries of `changes` (in pk order, one query per model) and put the locked rows
    in their place. Unsaved entries (imports into a period that lacks them) stay as they are."""
    by_model = {}
    for change in changes:
        if change.entry.pk is not None:
            by_model.setdefault(type(change.entry), set()).add(change.entry.pk)
    locked = {}
    for model, pks in by_model.items():
        document = document_for(model)
        rows = (
            model.objects.select_for_update(of=("self",))
            .filter(pk__in=pks)
            .select_related("period", "updated_by")
            .prefetch_related(*document.prefetch)
            .order_by("pk")
        )
        locked.update({(model, row.pk): row for row in rows})
    for change in changes:
        if change.entry.pk is not None:
            change.entry = locked[(type(change.entry), change.entry.pk)]


def _refusal(errors):
    """One WorkflowError for all refused entries: the entries are named by message."""
    if len(errors) == 1:
        return errors[0]
    by_message = {}
    for error in errors:
        by_message.setdefault(error.message, []).extend(error.entries)
    if len(by_message) == 1:
        ((message, entries),) = by_message.items()
        return WorkflowError(message, entries=entries)
    parts = [
        f"{message}（対象: {'、'.join(e.reference for e in entries)}）"
        for message, entries in by_message.items()
    ]
    return WorkflowError(" ".join(parts))


@transaction.atomic
def write_many(*, changes, user, reason=None, skip_stale=False):
    """Apply `changes` as one write: every entry is checked first, and if any is refused
    nothing is written (entries that moved since the user saw them are skipped instead when
    `skip_stale`). Entries and their rows are written together with their history."""
    changes = list(changes)
    if not changes:
        raise WorkflowError(ERROR_NOTHING_SELECTED)
    _lock(changes)
    result, planned, errors = WriteResult(), [], []
    for change in changes:
        try:
            planned.append(plan(change.entry, change, user))
        except StaleEntry as stale:
            if not skip_stale:
                errors.append(stale)
            result.stale.append(stale.current)
        except WorkflowError as error:
            errors.append(error)
    if errors:
        raise _refusal(errors)
    _write(planned, user, reason, result)
    return result


def write(*, entry, user, version, values=None, action=SAVE, state=None, comment=None, reason=None):
    """Apply one change (see write_many); returns the entry as now stored."""
    change = Change(entry, version, values or {}, action, state, comment)
    write_many(changes=[change], user=user, reason=reason)
    return change.entry


def _write(planned, user, reason, result):
    now = timezone.now()
    batch = Batch()
    new, changed, moved = {}, {}, []
    for item in planned:
        entry = item.entry
        if not item.writes and entry.pk is not None:
            result.unchanged.append(entry)
            continue
        if entry.pk is None:
            new.setdefault(type(entry), []).append(item)
        else:
            changed.setdefault(type(entry), []).append(item)
        moved.append((entry, entry.state, item))
        entry.state, entry.return_comment = item.state, item.comment
        entry.updated_by, entry.updated_at = user, now
        result.written.append(entry)
    history = {"default_user": user, "default_change_reason": reason}
    for model, items in new.items():
        for item in items:
            document_for(model).write(item.entry, item.values, batch, user)
        # Before the batch: the document's own rows (資料2 paragraphs) point at them.
        bulk_create_with_history([i.entry for i in items], model, **history)
    for model, items in changed.items():
        document = document_for(model)
        for item in items:
            if item.changes:
                document.write(item.entry, item.values, batch, user)
            item.entry.version += 1
        fields = [f.name for f in model._meta.concrete_fields if not f.primary_key]
        _update_with_history([i.entry for i in items], model, fields, history)
    _flush(batch, user, history)
    for entry, before, item in moved:
        # The conversation and the mail (sent after commit) hear of every workflow write.
        recorded(entry, before=before, user=user, comment=item.comment)


def _update_with_history(objs, model, fields, history):
    manager = ValuesUpdateManager()
    manager.model = model
    bulk_update_with_history(objs, model, fields, manager=manager, **history)


def _flush(batch, user, history):
    for obj in batch.deleted:
        obj._history_user = user
        obj._change_reason = history["default_change_reason"]
        obj.delete()
    created = {}
    for obj in batch.created:
        created.setdefault(type(obj), []).append(obj)
    for model, objs in created.items():
        bulk_create_with_history(objs, model, **history)
    for model, objs in batch.updated.items():
        _update_with_history(objs, model, batch.update_fields[model], history)


# -- The pages' and bulk actions' review ----------


def approve(*, entries, user, version=None, versions=None):
    """Approve submitted entries: all of them, or none if any is not submitted. `version`: the
    version one entry's page showed; `versions` ({pk: version}): the list's, for a bulk action,
    which skips (and names) rows changed since."""
    return _review(entries, user, APPROVE, None, version, versions)


def return_to_section(*, entries, user, comment, version=None, versions=None):
    """Send entries back to their section with the HQ's comment (approved ones are unlocked)."""
    if not (comment or "").strip():
        raise WorkflowError(ERROR_COMMENT_REQUIRED)
    return _review(entries, user, RETURN, comment, version, versions)


def _review(entries, user, action, comment, version, versions):
    if version is not None:
        changes = [Change(entries[0], version, action=action, comment=comment)]
        return write_many(changes=changes, user=user)
    changes = [
        Change(entry, seen_version(versions, entry), action=action, comment=comment)
        for entry in entries
    ]
    return write_many(changes=changes, user=user, skip_stale=versions is not None)


def seen_version(versions, entry):
    """The version a list showed for `entry`; 0 (never a version) when it sent none, so that the
    row counts as changed since."""
    if versions is None:
        return None
    return versions.get(entry.pk, 0)


# -- Periods ----------


@transaction.atomic
def open_period(*, user, code, name, results_until, plans_from, deadline=None):
    """Open a new current period; every row gets an entry pre-filled from the previous one."""
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
    for document in documents():
        document.create_entries(period=period, previous=previous, user=user)
    return period


@transaction.atomic
def close_period(*, period, user):
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    period.is_closed = True
    period._history_user = user
    period.save(update_fields=["is_closed"])
    return period

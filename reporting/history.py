"""Readable change history of entries: who changed what, when, field by field."""

from dataclasses import dataclass, field

from reporting.models import EntryState

STATE_LABELS = dict(EntryState.choices)


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    is_text: bool = False


@dataclass
class HistoryEvent:
    when: object
    user: object
    action: str
    changes: list = field(default_factory=list)


def record_events(records, fields, *, title, created_action, text_fields=(), choices=None):
    """Events for the historical records of one object, oldest first. `choices` maps a field
    name to the labels of its values (状態, 区分)."""
    choices = {"state": STATE_LABELS, **(choices or {})}

    def value(name, record):
        raw = getattr(record, name)
        if raw in ("", None):
            return ""
        return choices.get(name, {}).get(raw, str(raw))

    events = []
    previous = None
    for record in records:
        if record.history_type == "+":
            changes = [
                FieldChange(label, "", value(name, record), name in text_fields)
                for name, label in fields
                if value(name, record)
            ]
            events.append(
                HistoryEvent(record.history_date, record.history_user, created_action, changes)
            )
        elif record.history_type == "-":
            events.append(HistoryEvent(record.history_date, record.history_user, f"{title}を削除"))
        else:
            changes = [
                FieldChange(label, value(name, previous), value(name, record), name in text_fields)
                for name, label in fields
                if previous is not None and getattr(previous, name) != getattr(record, name)
            ]
            if changes:
                events.append(
                    HistoryEvent(
                        record.history_date, record.history_user, f"{title}を変更", changes
                    )
                )
        previous = record
    return events

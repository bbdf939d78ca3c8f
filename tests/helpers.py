"""Finding the personas' rows and building the POSTs a browser would send."""

import threading

import psycopg
from django.db import connection

from initiatives.models import Initiative, ProgressEntry
from recommendations.models import Action, ActionReport, ImplementationStatus


def action(chapter, policy, number):
    """A 資料2 action by its numbers: action(1, 1, 2) is (1)ア(ｲ)."""
    return Action.objects.get(policy__chapter__number=chapter, policy__number=policy, number=number)


def initiative(category, number, subclass=None):
    """A 資料3 initiative by its category, number and sub-class name."""
    return Initiative.objects.get(category__number=category, subclass__name=subclass, number=number)


def entry(period, initiative):
    return ProgressEntry.objects.get(period=period, initiative=initiative)


def current_entry(section_label, *, exclude_section=None, period_code="R5H1"):
    """A 資料3 entry of the given section in a period (not also answered by `exclude_section`)."""
    entries = ProgressEntry.objects.filter(
        period__code=period_code, initiative__sections__label=section_label
    ).order_by("initiative__category__number", "initiative__number")
    if exclude_section:
        entries = entries.exclude(initiative__sections__label=exclude_section)
    return entries.first()


def current_report(department_label, *, exclude_department=None, period_code="R5H1"):
    reports = ActionReport.objects.filter(
        period__code=period_code, action__departments__label=department_label
    ).order_by("action__policy__chapter__number", "action__policy__number", "action__number")
    if exclude_department:
        reports = reports.exclude(action__departments__label=exclude_department)
    return reports.first()


def set_state(entry, state):
    type(entry).objects.filter(pk=entry.pk).update(state=state)
    entry.refresh_from_db()
    return entry


def progress_post(
    entry, *, results="更新した取組結果", plans="更新した取組内容", submit=False, version=None
):
    data = {
        "results": results,
        "plans": plans,
        "version": entry.version if version is None else version,
    }
    data["submit" if submit else "save"] = ""
    return data


def statuses_post(report, paragraphs=None, *, submit=False, version=None):
    """The edit form of a 資料2 report: existing paragraphs kept as they are unless
    `paragraphs` ([(pk or None, text, classification), …]) is given."""
    existing = list(report.statuses.order_by("position"))
    if paragraphs is None:
        paragraphs = [(s.pk, s.text, s.classification) for s in existing]
    kept = [p for p in paragraphs if p[0] is not None]
    new = [p for p in paragraphs if p[0] is None]
    data = {
        "version": report.version if version is None else version,
        "statuses-INITIAL_FORMS": len(existing),
        "statuses-MIN_NUM_FORMS": 0,
        "statuses-MAX_NUM_FORMS": 30,
    }
    kept_pks = {p[0] for p in kept}
    deleted = [s for s in existing if s.pk not in kept_pks]
    # Initial forms come first in a formset, deleted ones included (marked DELETE).
    ordered = [(s.pk, s.text, s.classification, True) for s in deleted]
    ordered = [(p[0], p[1], p[2], False) for p in kept] + ordered
    data["statuses-TOTAL_FORMS"] = len(ordered) + len(new)
    for index, (pk, text, classification, delete) in enumerate(ordered):
        data[f"statuses-{index}-pk"] = pk
        data[f"statuses-{index}-text"] = text
        data[f"statuses-{index}-classification"] = classification
        data[f"statuses-{index}-ORDER"] = index + 1
        if delete:
            data[f"statuses-{index}-DELETE"] = "on"
    for offset, (_, text, classification) in enumerate(new):
        index = len(ordered) + offset
        data[f"statuses-{index}-pk"] = ""
        data[f"statuses-{index}-text"] = text
        data[f"statuses-{index}-classification"] = classification
        data[f"statuses-{index}-ORDER"] = index + 1
    data["submit" if submit else "save"] = ""
    return data


def bulk_post(action, entries, **fields):
    """A list's bulk form: the selected rows with the versions the list showed."""
    data = {"action": action, "selected": [e.pk for e in entries], **fields}
    data.update({f"version-{e.pk}": e.version for e in entries})
    return data


def snapshot(entry):
    """Everything a write could change about an entry, to prove a refused POST changed nothing."""
    model = type(entry)
    fresh = model.objects.get(pk=entry.pk)
    # Every column (texts, state, version, return comment, who and when), so a column added later
    # is compared too.
    state = {
        "row": model.objects.filter(pk=entry.pk).values().get(),
        "history": fresh.history.count(),
    }
    if not isinstance(fresh, ProgressEntry):
        state["statuses"] = list(fresh.statuses.order_by("position").values())
        state["status_history"] = ImplementationStatus.history.filter(report_id=fresh.pk).count()
    return state


def another_connection(**options):
    """A connection to the test database of its own, as another request's or writer's."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        **options,
    )


def commit_while_another_waits(first, other, sql, params):
    """With `first` holding an uncommitted write: runs `sql` on `other` (another connection) and
    commits it, checking that it waits for `first`, and that it is done once `first` commits."""
    waiting = threading.Thread(target=lambda: (other.execute(sql, params), other.commit()))
    waiting.start()
    waiting.join(timeout=1)
    assert waiting.is_alive()  # held by the first writer
    first.commit()
    waiting.join(timeout=10)
    assert not waiting.is_alive()


def report_row_version(report):
    """The version PostgreSQL gives the report's row (xmin): it changes whenever the row is
    written, even with the same values."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xmin::text FROM recommendations_actionreport WHERE id = %s", [report.pk]
        )
        return cursor.fetchone()[0]


def lockable_from_another_connection(table, pk):
    """Whether a page's request (another connection) could lock the row right now."""
    with another_connection(autocommit=True) as other:
        try:
            other.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk])
        except psycopg.errors.LockNotAvailable:
            return False
        return True

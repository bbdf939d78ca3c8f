"""資料3's part of the workflow (registered in apps.py): what a section writes on a progress
entry, what a submission needs, and a new period's entries. The writing itself is
reporting.services.write, the one writer of entries."""

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from initiatives.models import Initiative, ProgressEntry
from initiatives.selectors import get_progress_entry_for_user
from reporting.models import EntryState
from reporting.workflow import Document, normalise_text

FIELDS = ("results", "plans")
ERROR_RESULTS_REQUIRED = "{label}を入力してください（該当がない場合は「なし」と入力してください）。"


def labels(entry):
    """The fields' names as the period's document heads them (９月までの取組…)."""
    return {"results": entry.period.results_label, "plans": entry.period.plans_label}


def written_fields(initiative):
    """The 【再掲】 rule of the writing side, in one place for the pages, the imports, the
    export's fingerprints and the writer: a 【再掲】 row shows its original's results and keeps
    none of its own, so only its plans are written."""
    return ("plans",) if initiative.repost_of_id else FIELDS


def values(entry):
    return {name: getattr(entry, name) for name in FIELDS}


def clean(entry, given):
    """The texts given, line breaks normalised; a 【再掲】 row takes no results."""
    fields = written_fields(entry.initiative)
    return {name: normalise_text(given[name]) for name in fields if name in given}


def changes(entry, cleaned):
    names = labels(entry)
    return [
        names[name] for name in FIELDS if name in cleaned and cleaned[name] != getattr(entry, name)
    ]


def write(entry, cleaned, batch, user):
    for name, value in cleaned.items():
        setattr(entry, name, value)


def readiness(entry, cleaned):
    """Both texts are needed (「なし」 where there is nothing); a 【再掲】 row needs its plans."""
    texts = {**values(entry), **cleaned}
    needed = written_fields(entry.initiative)
    names = labels(entry)
    return {
        name: ERROR_RESULTS_REQUIRED.format(label=names[name])
        for name in needed
        if not texts[name].strip()
    }


def save_progress(*, entry, user, version, results=None, plans=None, submit=False):
    """The edit page's write of a 資料3 row, as code elsewhere calls it: through the one writer
    (reporting.services.write)."""
    from reporting import services  # the writer imports what the document apps register

    given = {"results": results, "plans": plans}
    return services.write(
        entry=entry,
        user=user,
        version=version,
        values={name: value for name, value in given.items() if value is not None},
        action=services.SUBMIT if submit else services.SAVE,
    )


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


DOCUMENT = Document(
    model=ProgressEntry,
    label="資料3",
    values=values,
    clean=clean,
    changes=changes,
    write=write,
    readiness=readiness,
    create_entries=create_entries_for_period,
    slug="shiryo3",
    detail_url="initiatives:detail",
    organizations="initiative__sections",
    get_for_user=get_progress_entry_for_user,
    related=("initiative__category", "initiative__subclass", "initiative__job_category"),
    title_suffix=lambda entry: f"（{entry.initiative.job_category}）",
    prefetch=("initiative__sections",),
    order=1,
    entry_fields=FIELDS,
)

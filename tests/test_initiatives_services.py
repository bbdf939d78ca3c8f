"""initiatives.services.save_progress, the 資料3 edit page's save as other code calls it: the texts
given are written through the one writer, the others kept; a submission is a submission."""

import pytest

from initiatives.services import save_progress
from reporting import services
from reporting.models import EntryState
from tests.helpers import current_entry, set_state, snapshot

pytestmark = pytest.mark.django_db


def test_both_texts_given_are_saved_as_a_draft(hogo):
    entry = set_state(current_entry("保）保護課"), EntryState.NOT_STARTED)
    saved = save_progress(
        entry=entry, user=hogo, version=entry.version, results="九月まで", plans="十月から"
    )
    saved.refresh_from_db()
    assert (saved.results, saved.plans, saved.state) == ("九月まで", "十月から", EntryState.DRAFT)
    assert (saved.version, saved.updated_by) == (entry.version + 1, hogo)


@pytest.mark.parametrize("given", ["results", "plans"])
def test_a_text_not_given_is_kept_as_it_was(hogo, given):
    entry = current_entry("保）保護課")
    kept = "plans" if given == "results" else "results"
    saved = save_progress(entry=entry, user=hogo, version=entry.version, **{given: "新しい文"})
    saved.refresh_from_db()
    assert getattr(saved, given) == "新しい文"
    assert getattr(saved, kept) == getattr(entry, kept)


@pytest.mark.parametrize(("submit", "state"), [(True, "submitted"), (False, "draft")])
def test_it_submits_only_when_asked(hogo, submit, state):
    entry = set_state(current_entry("保）保護課"), EntryState.DRAFT)
    saved = save_progress(
        entry=entry,
        user=hogo,
        version=entry.version,
        results="九月まで",
        plans="十月から",
        submit=submit,
    )
    saved.refresh_from_db()
    assert saved.state == state


def test_a_save_from_an_older_version_writes_nothing(hogo):
    entry = current_entry("保）保護課")
    before = snapshot(entry)
    with pytest.raises(services.StaleEntry):
        save_progress(entry=entry, user=hogo, version=entry.version - 1, plans="古い画面から")
    assert snapshot(entry) == before

"""recommendations.services: the 資料2 edit page's save as other code calls it, a submission
checked against the paragraphs already stored, and one write over several reports."""

import pytest

from recommendations.models import ImplementationStatus
from recommendations.services import (
    ERROR_CLASSIFICATION,
    ERROR_NO_STATUS,
    ERROR_UNKNOWN_PARAGRAPH,
    PARAGRAPHS,
    StatusInput,
    save_statuses,
    stored_paragraphs,
)
from reporting import services
from reporting.models import EntryState
from tests.helpers import current_report, set_state, snapshot

pytestmark = pytest.mark.django_db


def contents(report):
    return list(report.statuses.order_by("position").values_list("text", "classification"))


def test_the_paragraphs_given_are_saved_as_a_draft(jisou):
    report = set_state(current_report("子）児童相談所"), EntryState.NOT_STARTED)
    saved = save_statuses(
        report=report,
        user=jisou,
        version=report.version,
        paragraphs=[StatusInput("研修を行った", "A"), StatusInput("", "D")],
    )
    saved.refresh_from_db()
    assert contents(saved) == [("研修を行った", "A"), ("", "D")]
    assert (saved.state, saved.version, saved.updated_by) == (
        EntryState.DRAFT,
        report.version + 1,
        jisou,
    )


@pytest.mark.parametrize(("submit", "state"), [(True, "submitted"), (False, "draft")])
def test_it_submits_only_when_asked(jisou, submit, state):
    report = set_state(current_report("子）児童相談所"), EntryState.DRAFT)
    saved = save_statuses(
        report=report,
        user=jisou,
        version=report.version,
        paragraphs=[StatusInput("研修を行った", "A")],
        submit=submit,
    )
    saved.refresh_from_db()
    assert saved.state == state


def test_a_save_from_an_older_version_writes_nothing(jisou):
    report = current_report("子）児童相談所")
    before = snapshot(report)
    with pytest.raises(services.StaleEntry):
        save_statuses(
            report=report,
            user=jisou,
            version=report.version - 1,
            paragraphs=[StatusInput("古い画面から", "B")],
        )
    assert snapshot(report) == before


def test_a_paragraph_of_another_report_is_refused_and_nothing_is_written(jisou):
    report, other = (
        type(current_report("子）児童相談所"))
        .objects.filter(period__code="R5H1", statuses__isnull=False)
        .distinct()
        .order_by("pk")[:2]
    )
    foreign = other.statuses.first()
    before, before_other = snapshot(report), snapshot(other)
    with pytest.raises(services.WorkflowError) as refused:
        services.write(
            entry=report,
            user=jisou,
            version=report.version,
            values={PARAGRAPHS: [StatusInput("書き換え", "A", foreign.pk)]},
        )
    assert (refused.value.message, refused.value.entries) == (ERROR_UNKNOWN_PARAGRAPH, [report])
    assert (snapshot(report), snapshot(other)) == (before, before_other)


@pytest.mark.parametrize("classification", ["E", ""])
def test_a_classification_outside_a_to_d_is_refused_and_nothing_is_written(jisou, classification):
    report = current_report("子）児童相談所")
    before = snapshot(report)
    with pytest.raises(services.WorkflowError) as refused:
        services.write(
            entry=report,
            user=jisou,
            version=report.version,
            values={PARAGRAPHS: [StatusInput("区分の違う段落", classification)]},
        )
    assert (refused.value.message, refused.value.entries) == (ERROR_CLASSIFICATION, [report])
    assert snapshot(report) == before


def test_saving_the_paragraphs_as_they_are_writes_nothing(jisou):
    report = set_state(current_report("子）児童相談所"), EntryState.NOT_STARTED)
    before = snapshot(report)
    stored = [StatusInput(s.text, s.classification, s.pk) for s in stored_paragraphs(report)]
    save_statuses(report=report, user=jisou, version=report.version, paragraphs=stored)
    # Not even 未着手 → 下書き: nothing was changed.
    assert snapshot(report) == before


def test_a_submission_without_new_paragraphs_is_checked_against_the_stored_ones(honbu):
    ready, empty = (
        type(current_report("子）児童相談所"))
        .objects.filter(period__code="R5H1")
        .order_by("pk")[:2]
    )
    ImplementationStatus.objects.filter(report=ready).update(text="実施した", classification="A")
    ImplementationStatus.objects.filter(report=empty).delete()
    for report in (ready, empty):
        set_state(report, EntryState.DRAFT)
    before = snapshot(empty)

    submitted = services.write(
        entry=ready, user=honbu, version=ready.version, action=services.SUBMIT
    )
    assert submitted.state == EntryState.SUBMITTED
    assert contents(submitted) == [("実施した", "A")] * len(stored_paragraphs(submitted))
    with pytest.raises(services.WorkflowError) as refused:
        services.write(entry=empty, user=honbu, version=empty.version, action=services.SUBMIT)
    assert refused.value.message == ERROR_NO_STATUS
    assert snapshot(empty) == before


def test_one_write_removing_a_paragraph_from_each_of_two_reports_removes_both(honbu):
    from django.db.models import Count

    reports = list(
        type(current_report("子）児童相談所"))
        .objects.filter(period__code="R5H1")
        .annotate(n=Count("statuses"))
        .filter(n__gt=1)
        .order_by("pk")[:2]
    )
    assert len(reports) == 2
    changes = [
        services.Change(report, report.version, {PARAGRAPHS: stored_paragraphs(report)[:1]})
        for report in reports
    ]
    expected = [contents(report)[:1] for report in reports]
    services.write_many(changes=changes, user=honbu)
    assert [contents(report) for report in reports] == expected

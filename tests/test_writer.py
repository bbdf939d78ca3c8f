"""reporting.services.write, the one writer of entries: nothing written when nothing changed,
the documents' own text kept, states moved as the workflow says, and the bulk variants."""

import pytest
from django.db.models import Count
from django.urls import reverse

from initiatives.services import ERROR_RESULTS_REQUIRED
from recommendations.models import ImplementationStatus
from recommendations.services import PARAGRAPHS, SEVERAL_PARAGRAPHS, StatusInput
from reporting import services
from reporting.models import MAX_TEXT_LENGTH, EntryState
from reporting.workflow import documents
from tests.helpers import (
    bulk_post,
    current_entry,
    current_report,
    lockable_from_another_connection,
    progress_post,
    set_state,
    snapshot,
    statuses_post,
)

pytestmark = pytest.mark.django_db

WORKFLOW_ONLY = {"state", "version", "updated_at", "updated_by"}
INDENTED = "　令和５年４月から、全区に相談員を配置した。\n　引き続き研修を行う。"


def indented_report():
    report = current_report("子）児童相談所")
    ImplementationStatus.objects.filter(report=report).update(text=INDENTED, classification="A")
    report.refresh_from_db()
    return report


def test_an_untouched_shiryo2_submit_keeps_the_indentation_and_records_no_text_change(
    client, jisou
):
    report = indented_report()
    history_before = ImplementationStatus.history.filter(report_id=report.pk).count()
    client.force_login(jisou)
    data = statuses_post(report, submit=True)
    # Browsers send CRLF line breaks.
    for key in [k for k in data if k.endswith("-text")]:
        data[key] = data[key].replace("\n", "\r\n")
    response = client.post(reverse("recommendations:edit", args=[report.pk]), data)
    assert response.status_code == 302
    assert set(report.statuses.values_list("text", flat=True)) == {INDENTED}
    assert ImplementationStatus.history.filter(report_id=report.pk).count() == history_before
    report.refresh_from_db()
    assert report.state == EntryState.SUBMITTED
    latest, previous = report.history.all()[:2]
    assert set(latest.diff_against(previous).changed_fields) <= WORKFLOW_ONLY


def test_an_untouched_shiryo3_submit_keeps_the_indentation(client, hogo):
    entry = current_entry("保）保護課")
    values = {"results": INDENTED, "plans": INDENTED}
    entry = services.write(entry=entry, user=hogo, version=entry.version, values=values)
    client.force_login(hogo)
    data = progress_post(entry, results=INDENTED, plans=INDENTED.replace("\n", "\r\n"), submit=True)
    client.post(reverse("initiatives:edit", args=[entry.pk]), data)
    entry.refresh_from_db()
    assert (entry.results, entry.plans, entry.state) == (INDENTED, INDENTED, EntryState.SUBMITTED)
    latest, previous = entry.history.all()[:2]
    assert "results" not in latest.diff_against(previous).changed_fields
    assert "plans" not in latest.diff_against(previous).changed_fields


def test_saving_unchanged_text_writes_nothing_at_all(client, hogo):
    entry = current_entry("保）保護課")
    before = snapshot(entry)
    client.force_login(hogo)
    data = progress_post(entry, results=entry.results, plans=entry.plans)
    assert client.post(reverse("initiatives:edit", args=[entry.pk]), data).status_code == 302
    assert snapshot(entry) == before


def test_a_first_write_makes_not_started_a_draft(hogo):
    entry = set_state(current_entry("保）保護課"), EntryState.NOT_STARTED)
    services.write(entry=entry, user=hogo, version=entry.version, values={"plans": "書いた"})
    entry.refresh_from_db()
    assert (entry.state, entry.plans, entry.updated_by) == (EntryState.DRAFT, "書いた", hogo)


def test_a_submission_is_checked_by_the_documents_readiness_rule(hogo):
    entry = current_entry("保）保護課")
    before = snapshot(entry)
    with pytest.raises(services.WorkflowError) as refused:
        services.write(
            entry=entry,
            user=hogo,
            version=entry.version,
            values={"plans": "  "},
            action=services.SUBMIT,
        )
    label = entry.period.plans_label
    assert refused.value.fields == {"plans": ERROR_RESULTS_REQUIRED.format(label=label)}
    assert (refused.value.message, refused.value.entries) == (
        ERROR_RESULTS_REQUIRED.format(label=label),
        [entry],
    )
    assert snapshot(entry) == before


def test_a_submission_missing_both_texts_names_both_in_one_message(hogo):
    entry = current_entry("保）保護課")
    before = snapshot(entry)
    with pytest.raises(services.WorkflowError) as refused:
        services.write(
            entry=entry,
            user=hogo,
            version=entry.version,
            values={"results": "", "plans": " "},
            action=services.SUBMIT,
        )
    labels = (entry.period.results_label, entry.period.plans_label)
    missing = [ERROR_RESULTS_REQUIRED.format(label=label) for label in labels]
    assert refused.value.message == " ".join(missing)
    assert snapshot(entry) == before


def test_a_refusal_names_its_real_reason(hogo):
    entry = set_state(current_entry("保）保護課"), EntryState.APPROVED)
    before = snapshot(entry)
    with pytest.raises(services.Refused, match="承認済み"):
        services.write(entry=entry, user=hogo, version=entry.version, values={"plans": "x"})
    assert snapshot(entry) == before


def test_a_refusal_for_the_users_own_row_names_the_row_and_its_reason(hogo):
    """The reason depends on who asks: the section's own row, submitted, waits for the HQ."""
    entry = set_state(current_entry("保）保護課"), EntryState.SUBMITTED)
    before = snapshot(entry)
    with pytest.raises(services.Refused) as refused:
        services.write(entry=entry, user=hogo, version=entry.version, values={"plans": "x"})
    assert refused.value.message == "提出済みの報告は推進本部の確認中のため変更できません。"
    assert refused.value.entries == [entry]
    assert snapshot(entry) == before


def test_submitting_a_row_already_submitted_is_refused_naming_it(hogo):
    entry = set_state(current_entry("保）保護課"), EntryState.SUBMITTED)
    before = snapshot(entry)
    with pytest.raises(services.WorkflowError) as refused:
        services.write(entry=entry, user=hogo, version=entry.version, action=services.SUBMIT)
    assert (refused.value.message, refused.value.entries) == (services.ERROR_CANNOT_SUBMIT, [entry])
    assert snapshot(entry) == before


def test_a_return_comment_over_the_limit_is_refused_naming_the_row(honbu):
    entry = set_state(current_entry("保）保護課"), EntryState.SUBMITTED)
    before = snapshot(entry)
    with pytest.raises(services.WorkflowError) as refused:
        services.return_to_section(
            entries=[entry], user=honbu, comment="あ" * (MAX_TEXT_LENGTH + 1)
        )
    assert (refused.value.message, refused.value.entries) == (services.ERROR_TOO_LONG, [entry])
    assert snapshot(entry) == before


def test_a_move_back_to_draft_given_as_a_state_needs_the_review_rule(hogo, honbu):
    """As the admin and the flat import give it: a section may not take back its submission
    that way, the HQ may, and the comment given with it is kept."""
    entry = set_state(current_entry("保）保護課"), EntryState.SUBMITTED)
    before = snapshot(entry)
    with pytest.raises(services.Refused):
        services.write(entry=entry, user=hogo, version=entry.version, state=EntryState.DRAFT)
    assert snapshot(entry) == before
    services.write(
        entry=entry, user=honbu, version=entry.version, state=EntryState.DRAFT, comment="直して"
    )
    entry.refresh_from_db()
    assert (entry.state, entry.return_comment) == (EntryState.DRAFT, "直して")


def test_an_approval_clears_the_return_comment(honbu):
    entry = set_state(current_entry("保）保護課"), EntryState.SUBMITTED)
    type(entry).objects.filter(pk=entry.pk).update(return_comment="前回の差戻し理由")
    entry.refresh_from_db()
    services.approve(entries=[entry], user=honbu, version=entry.version)
    entry.refresh_from_db()
    assert (entry.state, entry.return_comment) == (EntryState.APPROVED, "")


def test_a_return_given_as_a_state_keeps_the_comment_it_has_and_needs_one(honbu):
    """As the admin gives it: no new comment keeps the row's own; a row without one is refused."""
    with_comment, without = [
        set_state(e, EntryState.SUBMITTED)
        for e in type(current_entry("保）保護課"))
        .objects.filter(period__code="R5H1")
        .order_by("pk")[:2]
    ]
    type(with_comment).objects.filter(pk=with_comment.pk).update(return_comment="以前の理由")
    with_comment.refresh_from_db()
    services.write(
        entry=with_comment, user=honbu, version=with_comment.version, state=EntryState.RETURNED
    )
    with_comment.refresh_from_db()
    assert (with_comment.state, with_comment.return_comment) == (EntryState.RETURNED, "以前の理由")
    before = snapshot(without)
    with pytest.raises(services.WorkflowError) as refused:
        services.write(
            entry=without, user=honbu, version=without.version, state=EntryState.RETURNED
        )
    assert (refused.value.message, refused.value.entries) == (
        services.ERROR_COMMENT_REQUIRED,
        [without],
    )
    assert snapshot(without) == before


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (services.RETURN, services.ERROR_CANNOT_RETURN),
        (services.WITHDRAW, services.ERROR_NOT_WITHDRAWABLE),
    ],
    ids=["return", "withdraw"],
)
def test_returning_or_withdrawing_a_draft_is_refused_naming_it(honbu, action, message):
    entry = set_state(current_entry("保）保護課"), EntryState.DRAFT)
    before = snapshot(entry)
    with pytest.raises(services.WorkflowError) as refused:
        services.write(
            entry=entry, user=honbu, version=entry.version, action=action, comment="理由"
        )
    assert (refused.value.message, refused.value.entries) == (message, [entry])
    assert snapshot(entry) == before


def test_a_stale_version_writes_nothing(hogo):
    entry = current_entry("保）保護課")
    before = snapshot(entry)
    with pytest.raises(services.StaleEntry):
        services.write(entry=entry, user=hogo, version=entry.version - 1, values={"plans": "x"})
    assert snapshot(entry) == before


def test_both_documents_are_registered_with_the_workflow():
    assert [d.label for d in documents()] == ["資料3", "資料2"]


def test_a_bulk_approval_skips_and_names_a_row_changed_after_the_list_was_shown(
    client, honbu, hogo
):
    from initiatives.models import ProgressEntry

    entries = [
        set_state(e, EntryState.SUBMITTED)
        for e in ProgressEntry.objects.filter(period__code="R5H1").order_by("pk")[:2]
    ]
    seen = bulk_post("approve", entries)  # the list as the HQ loaded it
    changed = entries[1]
    # The HQ's colleague edits the second row meanwhile.
    services.write(entry=changed, user=honbu, version=changed.version, values={"plans": "後から"})
    after_edit = snapshot(changed)
    client.force_login(honbu)
    response = client.post(reverse("initiatives:bulk"), seen, follow=True)
    page = response.content.decode()
    assert services.ERROR_CHANGED_SINCE in page and changed.reference in page
    assert snapshot(changed) == after_edit
    entries[0].refresh_from_db()
    assert entries[0].state == EntryState.APPROVED


def test_setting_a_classification_leaves_actions_with_several_paragraphs_to_their_edit_page(
    client, honbu
):
    single = current_report("子）児童相談所")
    several = (
        type(single)
        .objects.filter(period__code="R5H1")
        .exclude(pk=single.pk)
        .annotate(n=Count("statuses"))
        .filter(n__gt=1)
        .first()
    )
    before = snapshot(several)
    client.force_login(honbu)
    response = client.post(
        reverse("recommendations:bulk"),
        bulk_post("classify", [single, several], classification="D"),
        follow=True,
    )
    page = response.content.decode()
    assert SEVERAL_PARAGRAPHS in page and several.reference in page
    assert snapshot(several) == before
    assert set(single.statuses.values_list("classification", flat=True)) == {"D"}


def test_paragraphs_are_matched_by_the_pk_they_replace(jisou):
    report = current_report("子）児童相談所")
    first = report.statuses.order_by("position").first()
    given = [StatusInput("新しい段落", "B"), StatusInput(first.text, "C", first.pk)]
    services.write(entry=report, user=jisou, version=report.version, values={PARAGRAPHS: given})
    rows = list(report.statuses.order_by("position").values_list("pk", "text", "classification"))
    assert rows[1] == (first.pk, first.text, "C")
    assert rows[0][1:] == ("新しい段落", "B")


def test_a_write_holds_every_row_it_writes_from_its_first_check(honbu, monkeypatch):
    """Two saves of one row queue up instead of both passing the version check: the writer locks
    the rows before it compares the versions the users saw."""
    # Rows this test's transaction has not written yet (a write would lock them anyway).
    entries = [current_entry("保）保護課"), current_entry("子）地域連携課")]
    table = entries[0]._meta.db_table
    assert all(lockable_from_another_connection(table, entry.pk) for entry in entries)
    seen = []
    check = services.plan

    def checking(entry, change, user):
        seen.append((entry.pk, lockable_from_another_connection(table, entry.pk)))
        return check(entry, change, user)

    monkeypatch.setattr(services, "plan", checking)
    changes = [
        services.Change(entry, entry.version, {"plans": f"{entry.plans}（追記）"})
        for entry in entries
    ]
    result = services.write_many(changes=changes, user=honbu)

    assert sorted(seen) == sorted((entry.pk, False) for entry in entries)
    assert sorted(entry.pk for entry in result.written) == sorted(entry.pk for entry in entries)


# -- Several rows at once: refusals named, versions the list showed ----------


def current_entries(n):
    from initiatives.models import ProgressEntry

    return list(ProgressEntry.objects.filter(period__code="R5H1").order_by("pk")[:n])


def test_rows_refused_for_one_reason_are_named_together_and_nothing_is_written(honbu):
    entries = current_entries(3)
    for entry in entries[1:]:
        set_state(entry, EntryState.SUBMITTED)
    set_state(entries[0], EntryState.DRAFT)
    set_state(entries[2], EntryState.RETURNED)
    before = [snapshot(entry) for entry in entries]
    with pytest.raises(services.WorkflowError) as refused:
        services.approve(entries=entries, user=honbu)
    assert refused.value.message == services.ERROR_NOT_SUBMITTED
    assert refused.value.entries == [entries[0], entries[2]]
    assert [snapshot(entry) for entry in entries] == before


def test_rows_refused_for_different_reasons_are_named_under_each_reason(honbu):
    entries = current_entries(4)
    for entry in entries:
        set_state(entry, EntryState.SUBMITTED)
    draft, returned, _submitted, moved = entries
    set_state(draft, EntryState.DRAFT)
    set_state(returned, EntryState.RETURNED)
    before = [snapshot(entry) for entry in entries]
    changes = [
        services.Change(e, e.version - (e is moved), action=services.APPROVE) for e in entries
    ]
    with pytest.raises(services.WorkflowError) as refused:
        services.write_many(changes=changes, user=honbu)
    assert refused.value.message == (
        f"{services.ERROR_NOT_SUBMITTED}（対象: {draft.reference}、{returned.reference}） "
        f"{services.ERROR_STALE}（対象: {moved.reference}）"
    )
    assert [snapshot(entry) for entry in entries] == before


def test_every_row_that_moved_since_it_was_read_is_named(hogo):
    entries = current_entries(2)
    before = [snapshot(entry) for entry in entries]
    changes = [services.Change(e, e.version - 1, {"plans": "古い画面から"}) for e in entries]
    with pytest.raises(services.WorkflowError) as refused:
        services.write_many(changes=changes, user=hogo)
    assert (refused.value.message, refused.value.entries) == (services.ERROR_STALE, entries)
    assert [snapshot(entry) for entry in entries] == before


@pytest.mark.parametrize("comment", [None, "", "　 "])
def test_a_return_needs_a_new_comment_even_on_a_row_returned_before(honbu, comment):
    entry = set_state(current_entry("保）保護課"), EntryState.SUBMITTED)
    type(entry).objects.filter(pk=entry.pk).update(return_comment="前回の差戻しの理由")
    before = snapshot(entry)
    with pytest.raises(services.WorkflowError) as refused:
        services.return_to_section(entries=[entry], user=honbu, comment=comment)
    assert (refused.value.message, refused.value.entries) == (services.ERROR_COMMENT_REQUIRED, [])
    assert snapshot(entry) == before


def test_a_bulk_return_skips_a_row_changed_after_the_list_was_shown(honbu):
    entries = [set_state(e, EntryState.SUBMITTED) for e in current_entries(2)]
    seen = {entry.pk: entry.version for entry in entries}
    moved = entries[1]
    services.write(entry=moved, user=honbu, version=moved.version, values={"plans": "後から"})
    after_edit = snapshot(moved)
    result = services.return_to_section(
        entries=entries, user=honbu, comment="根拠を追記", versions=seen
    )
    assert [e.pk for e in result.stale] == [moved.pk]
    assert snapshot(moved) == after_edit
    entries[0].refresh_from_db()
    assert (entries[0].state, entries[0].return_comment) == (EntryState.RETURNED, "根拠を追記")


def test_a_selected_row_the_list_showed_no_version_for_counts_as_changed_since(honbu):
    entries = [set_state(e, EntryState.SUBMITTED) for e in current_entries(2)]
    unseen = entries[1]
    assert unseen.version == 1  # the first version, so no default version may stand for it
    before = snapshot(unseen)
    result = services.approve(
        entries=entries, user=honbu, versions={entries[0].pk: entries[0].version}
    )
    assert [e.pk for e in result.stale] == [unseen.pk]
    assert [e.pk for e in result.written] == [entries[0].pk]
    assert snapshot(unseen) == before


def test_a_write_records_its_reason_in_the_history_of_the_row_and_of_its_paragraphs(honbu):
    report = current_report("子）児童相談所")
    first = report.statuses.order_by("position").first()
    given = [StatusInput(f"{first.text}（修正）", first.classification, first.pk)]
    services.write(
        entry=report,
        user=honbu,
        version=report.version,
        values={PARAGRAPHS: given},
        reason="管理画面での修正",
    )
    assert report.history.first().history_change_reason == "管理画面での修正"
    assert first.history.first().history_change_reason == "管理画面での修正"


def test_a_text_over_the_limit_is_refused_in_japanese_and_nothing_is_written(hogo, jisou):
    too_long = "あ" * (MAX_TEXT_LENGTH + 1)
    entry = current_entry("保）保護課")
    report = current_report("子）児童相談所")
    before = snapshot(entry), snapshot(report)
    with pytest.raises(services.WorkflowError, match=services.ERROR_TOO_LONG):
        services.write(entry=entry, user=hogo, version=entry.version, values={"plans": too_long})
    paragraphs = [StatusInput(too_long, "B")]
    with pytest.raises(services.WorkflowError, match=services.ERROR_TOO_LONG):
        services.write(
            entry=report, user=jisou, version=report.version, values={PARAGRAPHS: paragraphs}
        )
    assert (snapshot(entry), snapshot(report)) == before


def test_a_text_at_the_limit_is_written(hogo):
    entry = current_entry("保）保護課")
    services.write(
        entry=entry, user=hogo, version=entry.version, values={"plans": "あ" * MAX_TEXT_LENGTH}
    )
    entry.refresh_from_db()
    assert len(entry.plans) == MAX_TEXT_LENGTH

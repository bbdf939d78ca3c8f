"""The admin's flat import writes entries and paragraphs through the one writer: a row changed
by someone else after the file was made is refused, states move as on the pages, and a
submission needs what the page's does."""

import pytest

from initiatives.models import ProgressEntry
from recommendations.models import ActionReport, ImplementationStatus
from recommendations.resources import find_action
from recommendations.services import StatusInput
from reporting import services
from reporting.models import EntryState
from tests.helpers import set_state, snapshot
from tests.test_flat_import_changes import PLANS, edited, entry_of, messages_of, set_cell
from tests.test_flat_import_export import (
    confirm,
    database_snapshot,
    find_row,
    page_errors,
    totals,
    upload,
)

pytestmark = pytest.mark.django_db


def test_a_paragraph_file_made_before_a_sections_save_is_refused_at_confirm(
    client, admin_user, jisou
):
    client.force_login(admin_user)
    where = {"報告期間": "R5H1", "具体的な取組": "(1)ア(ｱ)", "順番": "1"}
    content = edited(client, ImplementationStatus, set_cell(**where, column="区分", value="Ｄ"))
    response = upload(client, ImplementationStatus, content)
    assert totals(response)["update"] == 1
    # Meanwhile the section saves the report on its page.
    report = ActionReport.objects.get(period__code="R5H1", action=find_action("(1)ア(ｱ)"))
    paragraphs = [StatusInput("課が書いた", s.classification, s.pk) for s in report.statuses.all()]
    services.write(
        entry=report, user=admin_user, version=report.version, values={"paragraphs": paragraphs}
    )
    before = database_snapshot()
    response = confirm(client, ImplementationStatus, response)
    message = messages_of(response)[0]
    assert "何も保存していません" in message
    assert "ファイルを作った後にこの行が変更されています" in message
    assert database_snapshot() == before


def test_a_flat_import_makes_a_not_started_entry_a_draft(client, admin_user):
    entry = set_state(entry_of("1-④"), EntryState.NOT_STARTED)
    client.force_login(admin_user)
    where = {"報告期間": "R5H1", "取組": "1-④"}
    content = edited(client, ProgressEntry, set_cell(**where, column=PLANS, value="取込みで書いた"))
    response = upload(client, ProgressEntry, content)
    confirm(client, ProgressEntry, response)
    entry.refresh_from_db()
    assert (entry.plans, entry.state) == ("取込みで書いた", EntryState.DRAFT)


def test_a_flat_import_cannot_submit_an_entry_without_its_texts(client, admin_user):
    entry = set_state(entry_of("1-④"), EntryState.DRAFT)
    client.force_login(admin_user)

    def edit(rows):
        row = find_row(rows, **{"報告期間": "R5H1", "取組": "1-④"})
        row[PLANS] = ""
        row["状態"] = "提出済"

    before = snapshot(entry)
    response = upload(client, ProgressEntry, edited(client, ProgressEntry, edit))
    assert any("を入力してください" in line for line in page_errors(response))
    assert snapshot(entry) == before


def new_row_in(period_code, plans, state):
    def edit(rows):
        row = find_row(rows, **{"報告期間": "R5H1", "取組": "1-④"})
        row.update({"報告期間": period_code, PLANS: plans, "状態": state, "版": ""})

    return edit


def test_a_new_entry_is_submitted_only_with_what_a_submission_needs(
    client, admin_user, empty_period
):
    client.force_login(admin_user)
    content = edited(client, ProgressEntry, new_row_in(empty_period.code, "", "提出済"))
    response = upload(client, ProgressEntry, content)
    assert any("を入力してください" in line for line in page_errors(response))
    assert not ProgressEntry.objects.filter(period=empty_period).exists()


def test_a_new_entry_is_created_by_the_writer_in_the_state_it_moved_to(
    client, admin_user, empty_period
):
    client.force_login(admin_user)
    content = edited(client, ProgressEntry, new_row_in(empty_period.code, "新しい計画", "提出済"))
    confirm(client, ProgressEntry, upload(client, ProgressEntry, content))
    entry = ProgressEntry.objects.get(period=empty_period)
    assert (entry.plans, entry.state, entry.version) == ("新しい計画", EntryState.SUBMITTED, 1)
    assert entry.history.first().history_user == admin_user

"""Each 資料2 report keeps the 区分 of its paragraphs (`classifications`: the distinct letters in
order, 'AC'; '' without paragraphs), kept by PostgreSQL whatever writes the paragraphs: the
pages, the bulk action, both imports, the admin, raw SQL. The dashboard counts from it, so after
every kind of write it must equal the letters read from the paragraphs themselves."""

import importlib

import pytest
from django.db import connection
from django.urls import reverse

from documents.exports import export_shiryo2
from documents.imports import import_shiryo2
from recommendations import services as recommendation_services
from recommendations.models import ActionReport, ImplementationStatus
from recommendations.services import PARAGRAPHS, StatusInput, set_classification
from reporting import services
from tests.documents import find_row, to_bytes
from tests.helpers import (
    action,
    another_connection,
    commit_while_another_waits,
    report_row_version,
    statuses_post,
)
from tests.test_flat_import_changes import edited
from tests.test_flat_import_export import confirm, totals, upload
from tests.test_flat_import_export import find_row as find_csv_row

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("recommendations.migrations.0007_report_classifications")


def kept():
    """{report pk: letters} as PostgreSQL keeps them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, classifications FROM recommendations_actionreport")
        return dict(cursor.fetchall())


def computed():
    """{report pk: letters} read from the paragraphs, one by one."""
    letters = {pk: set() for pk in ActionReport.objects.values_list("pk", flat=True)}
    for report_id, classification in ImplementationStatus.objects.values_list(
        "report_id", "classification"
    ):
        letters[report_id].add(classification)
    return {pk: "".join(sorted(found)) for pk, found in letters.items()}


def assert_kept():
    assert kept() == computed()


def report_with(count):
    """A report of the current period with exactly `count` paragraphs."""
    for report in ActionReport.objects.filter(period__code="R5H1").order_by("pk"):
        if report.statuses.count() == count:
            return report
    raise AssertionError(count)


def write(report, user, paragraphs):
    report = ActionReport.objects.get(pk=report.pk)
    services.write(entry=report, user=user, version=report.version, values={PARAGRAPHS: paragraphs})


def stored(report):
    return recommendation_services.stored_paragraphs(report)


def letters_of(report):
    return kept()[report.pk]


def test_the_seeded_reports_keep_their_paragraphs_letters(period):
    assert_kept()
    assert {"", "A", "B", "C", "D"} <= set(kept().values()) | {""}
    assert any(len(letters) > 1 for letters in kept().values())


def test_the_migration_fills_the_letters_of_the_reports_already_there(period):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE recommendations_actionreport SET classifications = ''")
        cursor.execute(MIGRATION.FORWARD[1])
    assert_kept()


def test_a_paragraph_added_on_the_page_adds_its_letter(client, period, admin_user):
    report = report_with(1)
    (only,) = stored(report)
    other = "D" if only.classification != "D" else "A"
    client.force_login(admin_user)
    data = statuses_post(
        report, [(only.pk, only.text, only.classification), (None, "追加した段落", other)]
    )
    response = client.post(reverse("recommendations:edit", args=[report.pk]), data)
    assert response.status_code == 302
    assert letters_of(report) == "".join(sorted({only.classification, other}))
    assert_kept()


def test_a_changed_classification_replaces_the_letter(period, admin_user):
    report = report_with(1)
    (only,) = stored(report)
    new = "C" if only.classification != "C" else "B"
    write(report, admin_user, [StatusInput(only.text, new, only.pk)])
    assert letters_of(report) == new
    assert_kept()


def test_a_deleted_paragraph_takes_its_letter_away(period, admin_user):
    report = report_with(2)
    first, second = stored(report)
    ImplementationStatus.objects.filter(pk=second.pk).update(classification="D")
    ImplementationStatus.objects.filter(pk=first.pk).update(classification="A")
    assert letters_of(report) == "AD"
    write(report, admin_user, [StatusInput("残した段落", "A", first.pk)])
    assert letters_of(report) == "A"
    assert_kept()


def test_a_report_without_paragraphs_keeps_no_letter(period):
    report = report_with(1)
    ImplementationStatus.objects.filter(report=report).delete()
    assert letters_of(report) == ""
    assert_kept()


def test_a_paragraph_moved_to_another_report_moves_its_letter(period):
    source, target = report_with(2), report_with(1)
    first, second = stored(source)
    ImplementationStatus.objects.filter(pk=first.pk).update(classification="A")
    ImplementationStatus.objects.filter(pk=second.pk).update(classification="D")
    ImplementationStatus.objects.filter(report=target).update(classification="B")
    ImplementationStatus.objects.filter(pk=second.pk).update(report=target, position=99)
    assert (letters_of(source), letters_of(target)) == ("A", "BD")
    assert_kept()


def test_a_deleted_report_leaves_the_others_letters_as_they_were(period):
    before = kept()
    report = report_with(2)
    del before[report.pk]
    report.delete()  # its paragraphs with it
    assert kept() == before
    assert_kept()


def test_the_bulk_classification_sets_the_letter_of_every_report_chosen(period, honbu):
    reports = [r for r in ActionReport.objects.filter(period=period) if r.statuses.count() <= 1]
    set_classification(reports=reports, user=honbu, classification="C")
    assert {letters_of(r) for r in reports} == {"C"}
    assert_kept()


def test_a_document_import_keeps_the_letters(period, admin_user):
    workbook = export_shiryo2(period)
    ws = workbook["(1)"]
    target = action(1, 1, 2)  # two paragraphs
    start = find_row(ws, 1, "該当提言")
    row = next(
        number
        for number, values in enumerate(ws.iter_rows(min_row=start, values_only=True), start)
        if values[2] and values[2].startswith(f"{target.mark}\n{target.source.text}")
    )
    ws.cell(row, 5).value = "Ｄ"
    ws.cell(row + 1, 5).value = "Ｃ"
    result = import_shiryo2(file=to_bytes(workbook), period=period, user=admin_user)
    assert result.ok
    assert letters_of(ActionReport.objects.get(period=period, action=target)) == "CD"
    assert_kept()


def test_a_flat_import_of_many_paragraphs_keeps_the_letters(client, period, admin_user):
    reports = [
        r
        for r in ActionReport.objects.filter(period=period).select_related("action").order_by("pk")
        if r.statuses.exclude(classification="D").filter(position=1).exists()
    ][:3]
    client.force_login(admin_user)

    def edit(rows):
        for report in reports:
            where = {"報告期間": "R5H1", "具体的な取組": report.action.reference, "順番": "1"}
            find_csv_row(rows, **where)["区分"] = "Ｄ"

    response = upload(client, ImplementationStatus, edited(client, ImplementationStatus, edit))
    assert totals(response)["update"] == len(reports) == 3
    confirm(client, ImplementationStatus, response)
    assert all("D" in letters_of(report) for report in reports)
    assert_kept()


def test_raw_sql_writing_many_paragraphs_at_once_keeps_the_letters(period):
    statuses = list(ImplementationStatus.objects.filter(report__period=period).order_by("pk"))
    letters = ["ABCD"[i % 4] for i in range(len(statuses))]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE recommendations_implementationstatus s SET classification = c.letter"
            " FROM unnest(%s::bigint[], %s::text[]) AS c(id, letter) WHERE s.id = c.id",
            [[s.pk for s in statuses], letters],
        )
    assert_kept()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO recommendations_implementationstatus"
            " (report_id, position, text, classification)"
            " SELECT id, 100, '', 'B' FROM recommendations_actionreport WHERE period_id = %s",
            [period.pk],
        )
    assert_kept()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM recommendations_implementationstatus WHERE position = 1")
    assert_kept()


def test_a_truncate_of_the_paragraphs_leaves_no_letter(period):
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE recommendations_implementationstatus")
    assert set(kept().values()) == {""}
    assert_kept()


def test_a_change_of_text_alone_does_not_write_the_report(period):
    report = report_with(1)

    before = report_row_version(report)
    ImplementationStatus.objects.filter(report=report).update(text="文章だけ直した")
    assert report_row_version(report) == before
    ImplementationStatus.objects.filter(report=report).update(classification="D")
    assert report_row_version(report) != before


def test_the_letters_kept_leave_the_reports_version_and_history_alone(period):
    report = report_with(1)
    history = report.history.count()
    ImplementationStatus.objects.filter(report=report).update(classification="D")
    fresh = ActionReport.objects.get(pk=report.pk)
    assert (fresh.version, fresh.updated_at, fresh.history.count()) == (
        report.version,
        report.updated_at,
        history,
    )
    assert letters_of(report) == "D"


def test_the_model_does_not_declare_the_column_so_no_save_writes_it_back(period, admin_user):
    fields = ActionReport._meta.concrete_fields + ActionReport.history.model._meta.concrete_fields
    assert "classifications" not in {f.column for f in fields}
    # A report read before its paragraphs changed, saved after: the letters stay right.
    report = report_with(1)
    stale = ActionReport.objects.get(pk=report.pk)
    ImplementationStatus.objects.filter(report=report).update(classification="D")
    stale.save()
    write(report, admin_user, [StatusInput(p.text, p.classification, p.pk) for p in stored(stale)])
    assert letters_of(report) == "D"
    assert_kept()


def test_a_new_period_copies_the_letters_with_the_paragraphs(period, empty_period, admin_user):
    recommendation_services.create_reports_for_period(
        period=empty_period, previous=period, user=admin_user
    )
    copied = {r.action_id: letters_of(r) for r in ActionReport.objects.filter(period=empty_period)}
    assert copied == {
        r.action_id: letters_of(r) for r in ActionReport.objects.filter(period=period)
    }
    assert_kept()


def test_two_writers_of_one_reports_paragraphs_at_once_leave_its_letters_right(period):
    """Writers that do not lock the report first (raw SQL; the one writer does): the second
    waits for the first (on the data revision's row, whose trigger fires before the letters')
    and counts its paragraphs too. Committed, so put back at the end."""
    report = report_with(2)
    first, second = stored(report)
    sql = "UPDATE recommendations_implementationstatus SET classification = %s WHERE id = %s"
    with another_connection() as one, another_connection() as other:
        try:
            one.execute(sql, ["D", first.pk])  # not committed yet
            commit_while_another_waits(one, other, sql, ["C", second.pk])
            (letters,) = one.execute(
                "SELECT classifications FROM recommendations_actionreport WHERE id = %s",
                [report.pk],
            ).fetchone()
            assert letters == "CD"
        finally:
            one.rollback()
            for paragraph in (first, second):
                one.execute(sql, [paragraph.classification, paragraph.pk])
            one.commit()
    assert_kept()

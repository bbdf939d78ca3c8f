"""Each 資料2 report keeps its place in the document (`document_order`: its action's chapter,
policy and own numbers in one key), kept by PostgreSQL whatever writes the reports or renumbers
the chapters, policies and actions: the services, the admin, raw SQL, several writers at once.
The list sorts by it and shows the numbers read from it, so after every kind of write it must
equal the key computed from the numbers themselves, and the list must show the rows in the
order of those numbers."""

import importlib
import threading

import pytest
from django.db import connection
from django.urls import reverse

from documents.exports import export_shiryo2
from documents.imports import import_shiryo2
from recommendations import services as recommendation_services
from recommendations.models import Action, ActionReport, Chapter, Policy
from recommendations.services import PARAGRAPHS, StatusInput
from reporting import services
from reporting.models import ReportingPeriod
from reporting.views import PAGE_SIZE
from tests.documents import to_bytes
from tests.helpers import action, another_connection, commit_while_another_waits, report_row_version

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("recommendations.migrations.0008_report_document_order")


def key(chapter, policy, number):
    return (chapter << 32) | (policy << 16) | number


def kept():
    """{report pk: key} as PostgreSQL keeps them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, document_order FROM recommendations_actionreport")
        return dict(cursor.fetchall())


def computed():
    """{report pk: key} from the numbers of each report's action, policy and chapter."""
    return {
        pk: key(chapter, policy, number)
        for pk, chapter, policy, number in ActionReport.objects.values_list(
            "pk", "action__policy__chapter__number", "action__policy__number", "action__number"
        )
    }


def assert_kept():
    assert kept() == computed()


def keys_of(action):
    return {kept()[pk] for pk in action.reports.values_list("pk", flat=True)}


def list_rows(client, **query):
    """(pk, reference shown) of every row of the 資料2 list, page by page."""
    shown, number = [], 1
    while True:
        response = client.get(reverse("recommendations:list"), {**query, "page": number})
        page = response.context["page"]
        shown += [
            (row.pk, f"{row.chapter_number}-{row.policy_number}-{row.action_number}")
            for row in page.object_list
        ]
        if not page.has_next():
            return shown
        number += 1


def in_document_order(period_code=None):
    """(pk, reference) of the reports as the list showed them before it kept a key: sorted by
    the joined numbers, the newest period first, then the key."""
    reports = ActionReport.objects.order_by(
        "action__policy__chapter__number",
        "action__policy__number",
        "action__number",
        "-period__results_until",
        "pk",
    )
    if period_code:
        reports = reports.filter(period__code=period_code)
    return [
        (pk, f"{chapter}-{policy}-{number}")
        for pk, chapter, policy, number in reports.values_list(
            "pk", "action__policy__chapter__number", "action__policy__number", "action__number"
        )
    ]


def test_the_seeded_reports_keep_the_numbers_of_their_place(period):
    assert len(kept()) > PAGE_SIZE
    assert_kept()


def test_the_migration_fills_the_key_of_the_reports_already_there(period):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE recommendations_actionreport DISABLE TRIGGER USER")
        cursor.execute("UPDATE recommendations_actionreport SET document_order = 0")
        cursor.execute("ALTER TABLE recommendations_actionreport ENABLE TRIGGER USER")
        cursor.execute(MIGRATION.FORWARD[1])
    assert_kept()


def test_the_list_shows_a_period_and_every_period_in_the_order_of_the_numbers(client, honbu):
    client.force_login(honbu)
    assert list_rows(client) == in_document_order("R5H1")
    assert list_rows(client, period="XXX") == in_document_order()


def test_a_renumbered_action_moves_its_reports_in_every_period(client, honbu, period):
    moved = action(1, 1, 1)
    last = Action.objects.filter(policy=moved.policy).order_by("-number").first().number
    moved.number = last + 1
    moved.save()
    assert len(moved.reports.all()) > 1  # every period's
    assert keys_of(moved) == {key(1, 1, last + 1)}
    assert_kept()
    client.force_login(honbu)
    assert list_rows(client) == in_document_order("R5H1")


def test_an_action_moved_to_another_policy_takes_that_policys_place(period):
    moved = action(1, 1, 1)
    target = Policy.objects.get(chapter__number=2, number=1)
    Action.objects.filter(pk=moved.pk).update(policy=target, number=99)
    assert keys_of(moved) == {key(2, 1, 99)}
    assert_kept()


def test_a_renumbered_policy_moves_the_reports_of_every_action_under_it(period):
    policy = Policy.objects.get(chapter__number=1, number=1)
    policy.number = 30
    policy.save()
    for under in policy.actions.all():
        assert keys_of(under) <= {key(1, 30, under.number)}
    assert_kept()


def test_a_policy_moved_to_another_chapter_moves_its_reports(period):
    policy = Policy.objects.get(chapter__number=1, number=1)
    Policy.objects.filter(pk=policy.pk).update(chapter=Chapter.objects.get(number=3), number=40)
    assert_kept()
    assert min(kept().values()) >= key(1, 2, 0)  # none left at (1)ア


def test_a_renumbered_chapter_moves_every_report_under_it(client, honbu, period):
    chapter = Chapter.objects.get(number=1)
    chapter.number = 50
    chapter.save()
    assert_kept()
    client.force_login(honbu)
    shown = list_rows(client)
    assert shown == in_document_order("R5H1")
    assert shown[-1][1].startswith("50-")


def test_numbers_swapped_by_raw_sql_in_one_statement_keep_every_key(period):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE recommendations_action SET number = number + 1000")
        cursor.execute(
            "UPDATE recommendations_policy SET number = 100 - number WHERE chapter_id IN"
            " (SELECT id FROM recommendations_chapter WHERE number <= 2)"
        )
        cursor.execute("UPDATE recommendations_chapter SET number = number + 10")
    assert_kept()


def test_a_change_that_leaves_the_numbers_alone_writes_no_report(period):
    report = ActionReport.objects.filter(period=period).order_by("pk").first()

    before = report_row_version(report)
    Action.objects.filter(pk=report.action_id).update(text="文章だけ直した")
    Policy.objects.filter(actions=report.action_id).update(text="方針だけ直した")
    Chapter.objects.update(title="項目名だけ直した")
    assert report_row_version(report) == before


def test_renumbering_leaves_the_reports_version_and_history_alone(period):
    report = ActionReport.objects.filter(period=period).order_by("pk").first()
    history = report.history.count()
    Action.objects.filter(pk=report.action_id).update(number=77)
    fresh = ActionReport.objects.get(pk=report.pk)
    assert (fresh.version, fresh.updated_at, fresh.history.count()) == (
        report.version,
        report.updated_at,
        history,
    )
    assert kept()[report.pk] & 0xFFFF == 77


def test_a_new_periods_reports_take_their_place(period, empty_period, admin_user):
    recommendation_services.create_reports_for_period(
        period=empty_period, previous=period, user=admin_user
    )
    copied = {r.action_id: kept()[r.pk] for r in ActionReport.objects.filter(period=empty_period)}
    assert copied == {r.action_id: kept()[r.pk] for r in ActionReport.objects.filter(period=period)}
    assert_kept()


def test_reports_written_by_raw_sql_take_their_place(period, empty_period):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO recommendations_actionreport (period_id, action_id, state, version,"
            " return_comment, updated_at) SELECT %s, action_id, state, 1, '', now()"
            " FROM recommendations_actionreport WHERE period_id = %s AND action_id <> %s",
            [empty_period.pk, period.pk, action(2, 1, 1).pk],
        )
        # A report moved to another action takes that action's place.
        cursor.execute(
            "UPDATE recommendations_actionreport SET action_id = %s"
            " WHERE period_id = %s AND action_id = %s",
            [action(2, 1, 1).pk, empty_period.pk, action(1, 1, 1).pk],
        )
    assert ActionReport.objects.filter(period=empty_period).count() > PAGE_SIZE
    assert_kept()


def test_a_key_written_by_hand_is_put_right(period):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE recommendations_actionreport SET document_order = 0")
    assert_kept()


def test_saves_imports_and_deletes_leave_the_keys_right(period, admin_user):
    report = ActionReport.objects.filter(period=period).order_by("pk").first()
    services.write(
        entry=report,
        user=admin_user,
        version=report.version,
        values={PARAGRAPHS: [StatusInput("保存した段落", "B", None)]},
    )
    assert import_shiryo2(file=to_bytes(export_shiryo2(period)), period=period, user=admin_user).ok
    ActionReport.objects.filter(pk=report.pk).delete()
    assert_kept()


def test_the_model_does_not_declare_the_column_so_no_save_writes_it_back(period):
    fields = ActionReport._meta.concrete_fields + ActionReport.history.model._meta.concrete_fields
    assert "document_order" not in {f.column for f in fields}
    report = ActionReport.objects.filter(period=period).order_by("pk").first()
    stale = ActionReport.objects.get(pk=report.pk)  # read before its action is renumbered
    Action.objects.filter(pk=report.action_id).update(number=88)
    stale.save()
    assert kept()[report.pk] & 0xFFFF == 88
    assert_kept()


@pytest.mark.django_db(transaction=True)
def test_a_report_added_while_its_chapter_is_renumbered_takes_the_new_number(
    seeded_transactional_db,
):
    """Writers each on their own connection, as two requests: the report added second waits for
    the renumbering (on the data revision's row) and reads its number once committed."""
    chapter = Chapter.objects.get(number=1)
    target = action(1, 1, 1)
    current = ReportingPeriod.objects.get(code="R5H1")
    new_period = ReportingPeriod.objects.create(
        code="R9H9",
        name="追加した期間",
        results_until=current.results_until,
        plans_from=current.plans_from,
    ).pk
    with another_connection() as one, another_connection() as other:
        one.execute("UPDATE recommendations_chapter SET number = 60 WHERE id = %s", [chapter.pk])
        commit_while_another_waits(  # held by the renumbering
            one,
            other,
            "INSERT INTO recommendations_actionreport (period_id, action_id, state,"
            " version, return_comment, updated_at) VALUES (%s, %s, 'not_started', 1, '', now())",
            [new_period, target.pk],
        )
    added = ActionReport.objects.get(period_id=new_period, action=target)
    assert kept()[added.pk] == key(60, 1, 1)
    assert_kept()


@pytest.mark.django_db(transaction=True)
def test_a_save_holding_a_report_and_a_renumbering_of_its_action_both_finish(
    seeded_transactional_db,
):
    """A save locks its report first and writes next; a renumbering of the report's action
    locks the reports it will rewrite before it takes the data revision's row: the two
    queue in one order rather than wait for each other (a lock cycle PostgreSQL would break
    by failing one of them)."""
    report = ActionReport.objects.filter(period__code="R5H1").order_by("pk").first()
    errors = []

    def run(conn, *statements):
        try:
            for sql, params in statements:
                conn.execute(sql, params)
            conn.commit()
        except Exception as error:  # (reported by the assertion below)
            errors.append(error)

    with another_connection() as saving, another_connection() as renumbering:
        saving.execute(
            "SELECT 1 FROM recommendations_actionreport WHERE id = %s FOR UPDATE", [report.pk]
        )
        renumber = threading.Thread(
            target=run,
            args=(
                renumbering,
                (
                    "UPDATE recommendations_action SET number = 90 WHERE id = %s",
                    [report.action_id],
                ),
            ),
        )
        renumber.start()
        renumber.join(timeout=1)
        assert renumber.is_alive()  # waits for the report the save holds
        run(
            saving,
            (
                "UPDATE recommendations_actionreport SET version = version + 1 WHERE id = %s",
                [report.pk],
            ),
        )
        renumber.join(timeout=10)
        assert not renumber.is_alive()
    assert errors == []
    assert kept()[report.pk] == key(*computed_numbers(report.pk))
    assert_kept()


def computed_numbers(pk):
    return ActionReport.objects.values_list(
        "action__policy__chapter__number", "action__policy__number", "action__number"
    ).get(pk=pk)

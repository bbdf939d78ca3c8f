"""The filters' choice lists are kept in portal_filterchoices (core/migrations/0005), written
after each migrate and again by the statement itself whenever a table they come from changes, as
that transaction commits (until then, that transaction reads them as written anew): a list read
is always the list its tables give at that moment."""

import re
import threading
import time

import pytest
from django.db import connection

from departments.models import Organization
from initiatives.filters import ProgressEntryFilter
from recommendations.filters import ActionReportFilter
from recommendations.models import Action, Chapter, Policy, VerificationReport
from reporting import choices
from tests.helpers import another_connection

FILTERSETS = (ActionReportFilter, ProgressEntryFilter)


def kept_and_fresh(filterset):
    """(the lists as kept, as the statement writes them now), each {name: (pairs, options)}."""
    sql = choices.statement(filterset.choice_sources)
    with connection.cursor() as cursor:
        cursor.execute("SELECT lists FROM portal_filterchoices WHERE key = %s", [choices.key(sql)])
        kept = cursor.fetchone()
        cursor.execute(sql)
        fresh = cursor.fetchone()
    assert kept is not None, f"{filterset.__name__}'s lists are not kept"
    return kept[0], fresh[0]


def assert_kept_lists_are_fresh():
    for filterset in FILTERSETS:
        kept, fresh = kept_and_fresh(filterset)
        assert kept == fresh, filterset.__name__


@pytest.mark.django_db
def test_every_filtersets_lists_are_kept_and_no_other():
    assert_kept_lists_are_fresh()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM portal_filterchoices")
        assert cursor.fetchone()[0] == len(FILTERSETS)


@pytest.mark.django_db
def test_every_table_the_lists_read_writes_them_again():
    statements = " ".join(choices.statement(f.choice_sources) for f in FILTERSETS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'portal_filterchoices'"
        )
        read = {t for (t,) in cursor.fetchall() if re.search(rf"\b{t}\b", statements)}
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname = 'portal_filter_choices'"
        )
        triggered = {t for (t,) in cursor.fetchall()}
    assert len(read) >= 10 and read <= triggered


def change_master_data():
    """A change of each kind to the tables the lists come from, through the ORM and in SQL."""
    chapter = Chapter.objects.order_by("number").first()
    Policy.objects.filter(pk=Policy.objects.order_by("pk").first().pk).update(text="　新しい方針")
    Policy.objects.create(chapter=chapter, number=99, text="追加した取組方針")
    VerificationReport.objects.update(title="改めた報告書")
    unlinked = Organization.objects.filter(actions__isnull=True).order_by("pk").first()
    Action.objects.order_by("pk").first().departments.add(unlinked)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE departments_organization SET label = label || '＊' WHERE id = %s", [unlinked.pk]
        )
        cursor.execute("UPDATE initiatives_category SET title = title || '<&>'")
        links = "initiatives_initiative_sections"
        cursor.execute(f"DELETE FROM {links} WHERE id = (SELECT min(id) FROM {links})")
        cursor.execute("UPDATE departments_jobcategory SET sort_order = 100 - sort_order")


def commit_time():
    """What a commit does before it ends: the deferred triggers run (the tests' transactions
    are rolled back, never committed)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def stale_keys():
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM portal_filterchoices WHERE stale")
        return {key for (key,) in cursor.fetchall()}


@pytest.mark.django_db
def test_a_change_of_the_tables_writes_the_kept_lists_again_as_it_commits():
    before = [kept_and_fresh(f)[0] for f in FILTERSETS]
    change_master_data()
    assert len(stale_keys()) == len(FILTERSETS)
    assert "追加した取組方針" in ActionReportFilter.load_choices()["policy"].options
    commit_time()
    assert not stale_keys()
    assert_kept_lists_are_fresh()
    assert [kept_and_fresh(f)[0] for f in FILTERSETS] != before
    assert "追加した取組方針" in ActionReportFilter.load_choices()["policy"].options


@pytest.mark.django_db
def test_a_transaction_marks_the_lists_once_however_many_statements_it_writes():
    """An import that writes master rows one by one costs the lists one mark and one write."""
    versions = []
    with connection.cursor() as cursor:
        for number in range(90, 95):
            cursor.execute(
                "INSERT INTO recommendations_policy (chapter_id, number, text)"
                " SELECT min(id), %s, '一件ずつ' FROM recommendations_chapter",
                [number],
            )
            cursor.execute("SELECT array_agg(ctid ORDER BY key)::text FROM portal_filterchoices")
            versions.append(cursor.fetchone()[0])
    assert len(set(versions)) == 1  # marked by the first statement only
    commit_time()
    assert_kept_lists_are_fresh()


@pytest.mark.django_db
def test_lists_not_kept_are_read_as_written_now():
    change_master_data()
    kept = {f: f.load_choices() for f in FILTERSETS}
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_filterchoices")
    for filterset in FILTERSETS:
        for name, written in filterset.load_choices().items():
            assert (written.pairs, written.options) == (
                kept[filterset][name].pairs,
                kept[filterset][name].options,
            )


def waiting_for_a_lock(writer):
    """Whether some backend comes to wait for a lock while `writer` runs."""
    with another_connection(autocommit=True) as watcher:
        for _ in range(200):
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).fetchone()[0]
            if waiting or not writer.is_alive():
                return bool(waiting)
            time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_leave_the_lists_of_both_changes(seeded_transactional_db):
    """The second writer's statement waits for the first to commit, then writes the lists
    with both changes (written from what it read before, they would lack the first's)."""
    first, second = Policy.objects.order_by("pk")[:2]
    with another_connection() as one:
        one.execute(
            "UPDATE recommendations_policy SET text = '一番目の変更' WHERE id = %s", [first.pk]
        )

        def write_second():
            with another_connection(autocommit=True) as two:
                two.execute(
                    "UPDATE recommendations_policy SET text = '二番目の変更' WHERE id = %s",
                    [second.pk],
                )

        writer = threading.Thread(target=write_second)
        writer.start()
        assert waiting_for_a_lock(writer)
        one.commit()
    writer.join(10)
    assert not writer.is_alive()
    assert_kept_lists_are_fresh()
    options = ActionReportFilter.load_choices()["policy"].options
    assert "一番目の変更" in options and "二番目の変更" in options

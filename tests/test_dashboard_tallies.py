"""The dashboard's counts kept by PostgreSQL (dashboard migration 0001): entries per period,
document, organisation and state (the tracker), per period, category, job category and state
(the matrix for everyone), and 資料2's original actions per chapter, department and in all with
each 区分 (for everyone). Whatever writes the entries, the reports, their paragraphs or the
master data — the pages, the bulk actions, the imports, a new period, the admin, raw SQL — the
counts kept must equal the counts read from the rows themselves, one by one."""

import importlib
from collections import Counter

import pytest
from django.db import connection

from dashboard.selectors import MATRIX_SQL, MATRIX_TALLY_SQL, Dashboard
from departments.models import Organization
from documents.exports import export_shiryo3
from documents.imports import import_shiryo3
from initiatives.models import Category, Initiative, ProgressEntry
from initiatives.services import save_progress
from recommendations import services as recommendation_services
from recommendations.models import Action, ActionReport, ImplementationStatus, Policy
from recommendations.services import set_classification
from reporting import services
from reporting.models import EntryState, ReportingPeriod
from tests.documents import to_bytes
from tests.helpers import another_connection, commit_while_another_waits

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("dashboard.migrations.0001_tallies")
STATES = list(EntryState.values)
TALLIES = {
    "tracker": (
        "dashboard_trackertally",
        3,
        f"period_id, document, organization_id, {', '.join(STATES)}",
    ),
    "matrix": ("dashboard_matrixtally", 4, "*"),
    "classifications": (
        "dashboard_classificationtally",
        3,
        "period_id, kind, key_id, actions, a, b, c, d",
    ),
}


def kept():
    """Each tally as {key: counts}, without the rows whose counts all fell to 0."""
    found = {}
    with connection.cursor() as cursor:
        for name, (table, width, columns) in TALLIES.items():
            cursor.execute(f"SELECT {columns} FROM {table}")
            rows = {tuple(r[:width]): tuple(r[width:]) for r in cursor.fetchall()}
            found[name] = {k: v for k, v in rows.items() if any(v)}
    return found


def copied_organizations():
    """The tracker's copies of its organisations' order and names, as they differ from them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.organization_id, t.sort_order, t.label, o.sort_order, o.label"
            " FROM dashboard_trackertally t JOIN departments_organization o"
            " ON o.id = t.organization_id WHERE (t.sort_order, t.label) <> (o.sort_order, o.label)"
            " UNION ALL"
            " SELECT t.key_id, t.sort_order, t.label, o.sort_order, o.label"
            " FROM dashboard_classificationtally t JOIN departments_organization o"
            " ON o.id = t.key_id WHERE t.kind = 'department'"
            " AND (t.sort_order, t.label) IS DISTINCT FROM (o.sort_order, o.label)"
        )
        return cursor.fetchall()


def computed():
    """The same counts read from the rows, in Python."""
    tracker, matrix = Counter(), Counter()
    sections, departments = {}, {}
    for initiative_id, organization_id in Initiative.sections.through.objects.values_list(
        "initiative_id", "organization_id"
    ):
        sections.setdefault(initiative_id, []).append(organization_id)
    for action_id, organization_id in Action.departments.through.objects.values_list(
        "action_id", "organization_id"
    ):
        departments.setdefault(action_id, []).append(organization_id)
    cells = {
        i: (c, j) for i, c, j in Initiative.objects.values_list("pk", "category", "job_category")
    }
    for period, initiative, state in ProgressEntry.objects.values_list(
        "period", "initiative", "state"
    ):
        for org in sections.get(initiative, []):
            tracker[(period, "資料3", org, state)] += 1
        matrix[(period, *cells[initiative], state)] += 1
    reports = list(ActionReport.objects.values_list("pk", "period", "action", "state"))
    for _, period, action, state in reports:
        for org in departments.get(action, []):
            tracker[(period, "資料2", org, state)] += 1

    actions = list(Action.objects.values_list("pk", "repost_of", "policy__chapter"))
    sources = {repost_of or pk for pk, repost_of, _ in actions}
    counted = {("chapter", chapter, repost_of or pk) for pk, repost_of, chapter in actions}
    counted |= {("department", org, a) for a in sources for org in departments.get(a, [])} | {
        ("total", 0, a) for a in sources
    }
    letters = {pk: set() for pk, *_ in reports}
    for report, letter in ImplementationStatus.objects.values_list("report", "classification"):
        letters[report].add(letter)
    by_action = {}
    for pk, period, action, _ in reports:
        by_action.setdefault(action, []).append((period, letters[pk]))
    # Every period has a row for each chapter, department and the total (period 0 too).
    periods = [0, *ReportingPeriod.objects.values_list("pk", flat=True)]
    classifications = {}
    for kind, key, action in counted:
        for period in periods:
            classifications.setdefault((period, kind, key), [0, 0, 0, 0, 0])[0] += 1
        for period, found in by_action.get(action, []):
            row = classifications[(period, kind, key)]
            for i, letter in enumerate("ABCD", 1):
                row[i] += letter in found
    rows = {}
    for (period, document, org, state), count in tracker.items():
        rows.setdefault((period, document, org), [0] * len(STATES))[STATES.index(state)] += count
    return {
        "tracker": {k: tuple(v) for k, v in rows.items() if any(v)},
        "matrix": {k: (v,) for k, v in matrix.items() if v},
        "classifications": {k: tuple(v) for k, v in classifications.items() if any(v)},
    }


def assert_kept():
    found, expected = kept(), computed()
    for name in TALLIES:
        assert found[name] == expected[name], name
    assert copied_organizations() == []


def execute(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def entry_in(period, state=EntryState.NOT_STARTED):
    return ProgressEntry.objects.filter(period=period, state=state).order_by("pk").first()


def report_in(period):
    """A report of an original action listed again elsewhere (【再掲】), with departments."""
    return (
        ActionReport.objects.filter(period=period, action__reposts__isnull=False)
        .exclude(action__departments=None)
        .order_by("pk")
        .first()
    )


def test_the_seeded_data_is_counted(period):
    found = kept()
    assert all(found.values())
    assert_kept()


def test_the_migration_counts_the_rows_already_there(period):
    for table, *_ in TALLIES.values():
        execute(f"DELETE FROM {table}")
    execute(MIGRATION.FORWARD[-1])
    assert_kept()


def test_entries_saved_submitted_and_returned_through_the_one_writer_move_their_counts(
    period, honbu, admin_user
):
    entries = list(ProgressEntry.objects.filter(period=period).order_by("pk")[:5])
    for entry in entries:
        save_progress(
            entry=entry,
            user=admin_user,
            version=entry.version,
            results="実施した",
            plans="続ける",
            submit=True,
        )
    assert_kept()
    services.return_to_section(
        entries=list(ProgressEntry.objects.filter(pk__in=[e.pk for e in entries])),
        user=honbu,
        comment="やり直し",
    )
    assert_kept()


def test_a_report_written_through_the_one_writer_moves_its_state_and_letters(period, admin_user):
    report = report_in(period)
    paragraphs = recommendation_services.stored_paragraphs(report)
    recommendation_services.save_statuses(
        report=report,
        user=admin_user,
        version=report.version,
        paragraphs=[
            recommendation_services.StatusInput(p.text or "文", "D", p.pk) for p in paragraphs
        ],
        submit=True,
    )
    assert_kept()


def test_the_bulk_classification_moves_the_letters_of_every_report_chosen(period, honbu):
    reports = [r for r in ActionReport.objects.filter(period=period) if r.statuses.count() <= 1]
    set_classification(reports=reports, user=honbu, classification="B")
    assert_kept()


def test_a_document_import_moves_the_counts(period, admin_user):
    ProgressEntry.objects.filter(period=period).update(results="", plans="")
    execute("SELECT 1")  # the update above is itself counted (no state moved)
    result = import_shiryo3(file=to_bytes(export_shiryo3(period)), period=period, user=admin_user)
    assert result.ok
    assert_kept()


def test_a_new_period_counts_its_new_entries_and_reports(period, admin_user):
    services.open_period(
        user=admin_user,
        code="R5H2",
        name="令和５年度下半期",
        results_until=period.results_until.replace(month=3, year=period.results_until.year + 1),
        plans_from=period.plans_from.replace(year=period.plans_from.year + 1),
    )
    assert_kept()


def test_deleted_entries_reports_and_periods_take_their_counts_away(
    period, empty_period, admin_user
):
    recommendation_services.create_reports_for_period(period=empty_period, previous=period)
    ProgressEntry.objects.filter(period=period).order_by("pk").first().delete()
    report_in(period).delete()
    assert_kept()
    ActionReport.objects.filter(period=empty_period).delete()
    empty_period.delete()
    assert_kept()


def test_an_initiatives_sections_changed_move_its_entries(period):
    initiative = Initiative.objects.filter(entries__period=period).first()
    other = Organization.objects.exclude(initiatives=initiative).order_by("pk").first()
    initiative.sections.add(other)
    assert_kept()
    initiative.sections.remove(other)
    initiative.sections.set([other])
    assert_kept()


def test_an_initiatives_category_changed_moves_its_entries(period):
    initiative = Initiative.objects.filter(entries__period=period).first()
    initiative.category = Category.objects.exclude(pk=initiative.category_id).first()
    initiative.subclass, initiative.number = None, 99
    initiative.save()
    assert_kept()


def test_an_actions_departments_changed_move_its_reports(period):
    action = report_in(period).action
    other = Organization.objects.exclude(actions=action).order_by("pk").first()
    action.departments.add(other)
    assert_kept()
    action.departments.clear()
    assert_kept()


def test_a_repost_moved_or_made_an_original_moves_its_chapters(period):
    repost = Action.objects.filter(repost_of__isnull=False).order_by("pk").first()
    repost.policy = Policy.objects.exclude(chapter=repost.policy.chapter).first()
    repost.number = 99
    repost.save()
    assert_kept()
    # Made an original of its own (no reports yet: counted whatever the period).
    execute(
        "UPDATE recommendations_action SET repost_of_id = NULL, text = '独自の取組' WHERE id = %s",
        [repost.pk],
    )
    assert_kept()


def test_a_new_repost_and_a_policy_moved_to_another_chapter_move_the_chapters(period):
    original = report_in(period).action
    policy = Policy.objects.exclude(chapter=original.policy.chapter).order_by("pk").last()
    Action.objects.create(policy=policy, number=99, repost_of=original)
    assert_kept()
    policy.chapter, policy.number = original.policy.chapter, 99
    policy.save()
    assert_kept()


def test_the_admin_deleting_a_departments_link_moves_the_counts(client, period, admin_user):
    action = report_in(period).action
    client.force_login(admin_user)
    (department,) = action.departments.all()[:1]
    action.departments.remove(department)
    assert_kept()


def test_raw_sql_writing_many_rows_at_once_keeps_the_counts(period):
    execute(
        "UPDATE initiatives_progressentry SET state = CASE WHEN id %% 2 = 0 THEN 'draft'"
        " ELSE 'submitted' END WHERE period_id = %s",
        [period.pk],
    )
    execute("UPDATE recommendations_actionreport SET state = 'approved' WHERE id % 3 = 0")
    execute("UPDATE recommendations_implementationstatus SET classification = 'A' WHERE id % 2 = 0")
    execute("DELETE FROM initiatives_initiative_sections WHERE id % 4 = 0")
    execute(
        "INSERT INTO recommendations_action_departments (action_id, organization_id)"
        " SELECT a.id, o.id FROM recommendations_action a, departments_organization o"
        " WHERE a.id % 5 = 0 AND o.id % 7 = 0 ON CONFLICT DO NOTHING"
    )
    assert_kept()


def test_a_truncate_counts_everything_again(period):
    execute("TRUNCATE recommendations_action_departments")
    assert_kept()
    execute("TRUNCATE initiatives_initiative_sections")
    assert_kept()
    assert not kept()["tracker"]


def test_a_change_of_text_alone_writes_no_count(period):
    def versions():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT string_agg(xmin::text, ',' ORDER BY period_id, document, organization_id)"
                " FROM dashboard_trackertally"
            )
            return cursor.fetchone()[0]

    before = versions()
    ProgressEntry.objects.filter(period=period).update(results="文章だけ直した")
    ActionReport.objects.filter(period=period).update(version=99)
    assert versions() == before


def test_two_writers_at_once_lose_no_count(period):
    """Raw SQL writers of entries of the same sections: the second waits for the first (on the
    data revision's row, whose trigger fires before the tallies') and counts on top of it.
    Committed, so put back at the end."""
    by_section = {}
    for entry in ProgressEntry.objects.filter(period=period).prefetch_related(
        "initiative__sections"
    ):
        for section in entry.initiative.sections.all():
            by_section.setdefault(section.pk, []).append(entry)
    first, second = max(by_section.values(), key=len)[:2]
    sql = "UPDATE initiatives_progressentry SET state = %s WHERE id = %s"
    with another_connection() as one, another_connection() as other:
        try:
            one.execute(sql, ["draft", first.pk])  # not committed yet
            commit_while_another_waits(one, other, sql, ["submitted", second.pk])
            assert_kept()
        finally:
            one.rollback()
            for entry in (first, second):
                one.execute(sql, [entry.state, entry.pk])
            one.commit()
    assert_kept()


def test_the_dashboard_for_everyone_reads_what_the_live_count_reads(period, admin_user):
    """After writes of every kind, the kept counts give the dashboard the rows the live
    statements (still used for a scope) give for everyone."""
    execute(
        "UPDATE initiatives_progressentry SET state = 'returned' WHERE id %% 3 = 0"
        " AND period_id = %s",
        [period.pk],
    )
    execute("UPDATE recommendations_implementationstatus SET classification = 'C' WHERE id % 4 = 0")
    Action.objects.filter(repost_of__isnull=False).order_by("pk").first().departments.clear()
    dashboard = Dashboard(period, list(ReportingPeriod.objects.all()))
    live = dashboard._shiryo2_rows(dashboard._shiryo2_counted())
    assert _classification_rows(dashboard.shiryo2_counts()) == _classification_rows(live)
    chapters, departments, total, count = live
    first = (chapters, departments[:3], total, count)
    assert _classification_rows(dashboard.shiryo2_counts(3)) == _classification_rows(first)
    assert count == len(departments) > 3
    # The live matrix of a scope of every section counts every entry (each has a section).
    assert not ProgressEntry.objects.filter(initiative__sections=None).exists()
    everyone = Dashboard(period, [period], Organization.objects.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(MATRIX_SQL, everyone._params(period=period.pk))
        counted = sorted(cursor.fetchall(), key=repr)
        cursor.execute(MATRIX_TALLY_SQL, dashboard._params(period=period.pk))
        assert sorted(cursor.fetchall(), key=repr) == counted


def _classification_rows(counts):
    chapters, departments, total, count = counts
    return [count, *((r.label, r.total, r.counts) for r in [*chapters, *departments, total])]


def test_a_section_added_while_an_entry_is_written_loses_no_count(period):
    """A change of the master data and a write of an entry at once, from two connections: the
    second counts what the first committed (both wait on the data revision's row)."""
    entry = ProgressEntry.objects.filter(period=period).order_by("pk").first()
    section = Organization.objects.exclude(initiatives=entry.initiative).order_by("pk").first()
    through = Initiative.sections.through._meta.db_table
    update = "UPDATE initiatives_progressentry SET state = %s WHERE id = %s"
    with another_connection() as one, another_connection() as other:
        try:
            one.execute(update, ["draft", entry.pk])  # not committed yet
            commit_while_another_waits(
                one,
                other,
                f"INSERT INTO {through} (initiative_id, organization_id) VALUES (%s, %s)",
                [entry.initiative_id, section.pk],
            )
            assert_kept()
        finally:
            one.rollback()
            one.execute(update, [entry.state, entry.pk])
            one.execute(
                f"DELETE FROM {through} WHERE initiative_id = %s AND organization_id = %s",
                [entry.initiative_id, section.pk],
            )
            one.commit()
    assert_kept()


def test_an_organisation_renamed_or_moved_in_the_order_is_copied_for_the_tracker(period):
    organization = Organization.objects.filter(initiatives__entries__period=period).first()
    organization.name = "改名した課"
    organization.sort_order = 0
    organization.save()
    execute("UPDATE departments_organization SET sort_order = sort_order + 1")
    assert copied_organizations() == []
    assert_kept()

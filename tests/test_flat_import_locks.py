"""A flat import holds the rows it will write from its first read, as a page save does: a save
of the same row waits for the import instead of deadlocking with it."""

import pytest

from recommendations.models import ActionReport, ImplementationStatus
from recommendations.resources import ImplementationStatusResource, find_action
from tests.helpers import lockable_from_another_connection

pytestmark = pytest.mark.django_db


def test_a_paragraph_import_locks_the_reports_it_will_give_a_new_version(admin_user, monkeypatch):
    report = ActionReport.objects.get(period__code="R5H1", action=find_action("(1)ア(ｱ)"))
    table = ActionReport._meta.db_table
    assert lockable_from_another_connection(table, report.pk)
    resource = ImplementationStatusResource()
    dataset = resource.export(queryset=ImplementationStatus.objects.filter(report=report))
    column = dataset.headers.index("実施状況")
    dataset = type(dataset)(
        *[
            [f"{value}（追記）" if i == column else value for i, value in enumerate(row)]
            for row in dataset
        ],
        headers=dataset.headers,
    )
    while_importing = []
    check = ImplementationStatusResource.before_save_instance

    def checking(self, instance, row, **kwargs):
        while_importing.append(lockable_from_another_connection(table, report.pk))
        return check(self, instance, row, **kwargs)

    monkeypatch.setattr(ImplementationStatusResource, "before_save_instance", checking)
    result = resource.import_data(dataset, dry_run=False, user=admin_user, use_transactions=True)

    assert not result.has_errors() and not result.has_validation_errors()
    assert while_importing and not any(while_importing)
    report.refresh_from_db()
    assert all(s.text.endswith("（追記）") for s in report.statuses.all())


def changed(dataset, column, suffix):
    index = dataset.headers.index(column)
    return type(dataset)(
        *[[f"{v}{suffix}" if i == index else v for i, v in enumerate(row)] for row in dataset],
        headers=dataset.headers,
    )


def lockable_while_importing(resource_class, monkeypatch, table, pk):
    """Whether a page could lock row `pk` of `table` at each row of the import."""
    seen = []
    check = resource_class.before_save_instance

    def checking(self, instance, row, **kwargs):
        seen.append(lockable_from_another_connection(table, pk))
        return check(self, instance, row, **kwargs)

    monkeypatch.setattr(resource_class, "before_save_instance", checking)
    return seen


def test_a_paragraph_import_leaves_the_periods_it_does_not_name_alone(admin_user, monkeypatch):
    """It reads and locks the reports and paragraphs of the file's periods only: a page may save
    another period's row meanwhile, and the import costs no more as the periods pile up."""
    report = ActionReport.objects.get(period__code="R5H1", action=find_action("(1)ア(ｱ)"))
    past = ActionReport.objects.get(period__code="R2-05", action=report.action)
    resource = ImplementationStatusResource()
    dataset = resource.export(queryset=ImplementationStatus.objects.filter(report=report))
    seen = lockable_while_importing(
        ImplementationStatusResource, monkeypatch, ActionReport._meta.db_table, past.pk
    )
    result = resource.import_data(
        changed(dataset, "実施状況", "（今期）"),
        dry_run=False,
        user=admin_user,
        use_transactions=True,
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert seen and all(seen)
    assert all(s.text.endswith("（今期）") for s in report.statuses.all())


def test_an_entry_import_reads_the_periods_it_names_only(admin_user):
    from initiatives.models import ProgressEntry
    from initiatives.resources import ProgressEntryResource
    from reporting.models import ReportingPeriod

    entry = ProgressEntry.objects.filter(period__code="R5H1").order_by("pk").first()
    # 資料3 was seeded for one period: the same row in an earlier one.
    ProgressEntry.objects.create(
        period=ReportingPeriod.objects.get(code="R2-05"), initiative=entry.initiative
    )
    resource = ProgressEntryResource()
    dataset = resource.export(queryset=ProgressEntry.objects.filter(pk=entry.pk))
    resource.before_import(dataset, user=admin_user)
    stored = resource.stored_rows()
    assert set(stored.values_list("period__code", flat=True)) == {"R5H1"}
    assert entry in stored

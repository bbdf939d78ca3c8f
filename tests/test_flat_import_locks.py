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

"""The data revision behind the cached lists: every write to a table the lists show changes it,
whatever made the write, and no number ever stands for two states of the data."""

import pytest
from django.apps import apps
from django.db import connection, transaction

from core.models import (
    KEYED_BY_MEMBER,
    REVISED_APPS,
    REVISED_EXTRA_TABLES,
    DataRevision,
    ListRevision,
)
from departments.models import JobCategory
from initiatives.models import Category, Initiative, ProgressEntry

pytestmark = pytest.mark.django_db


def tables_the_lists_show():
    tables = set(REVISED_EXTRA_TABLES)
    for app in REVISED_APPS:
        for model in apps.get_app_config(app).get_models():
            if model._meta.proxy or model.__name__.startswith("Historical"):
                continue
            tables.add(model._meta.db_table)
            tables.update(
                f.remote_field.through._meta.db_table for f in model._meta.local_many_to_many
            )
    return tables


def tables_with_the_trigger(name="portal_data_revision"):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname = %s",
            [name],
        )
        return {name for (name,) in cursor.fetchall()}


def test_every_table_the_lists_show_has_the_revision_trigger():
    missing = tables_the_lists_show() - tables_with_the_trigger()
    assert missing == set()
    assert "initiatives_progressentry" in tables_the_lists_show()


def any_entry():
    return ProgressEntry.objects.filter(period__code="R5H1").order_by("pk").first()


WRITES = {
    "save": lambda: any_entry().save(),
    "update": lambda: ProgressEntry.objects.filter(pk=any_entry().pk).update(plans="別の内容"),
    "create": lambda: JobCategory.objects.create(name="新しい職種", sort_order=99),
    "many-to-many": lambda: Initiative.objects.first().sections.clear(),
    "raw SQL": lambda: connection.cursor().execute(
        "UPDATE initiatives_category SET title = title || '改'"
    ),
}


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_any_write_changes_the_revision(write):
    before = DataRevision.current()
    WRITES[write]()
    assert DataRevision.current() != before


def test_a_delete_changes_the_revision():
    job = JobCategory.objects.create(name="消す職種", sort_order=98)
    before = DataRevision.current()
    job.delete()
    assert DataRevision.current() != before


def test_reads_leave_the_revision_as_it_is():
    before = DataRevision.current()
    list(ProgressEntry.objects.select_related("initiative")[:10])
    Category.objects.count()
    assert DataRevision.current() == before


def test_a_number_lost_to_a_rollback_never_comes_back():
    before = DataRevision.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        ProgressEntry.objects.filter(pk=any_entry().pk).update(plans="取り消す内容")
        lost = DataRevision.current()
        raise RuntimeError
    assert DataRevision.current() == before
    ProgressEntry.objects.filter(pk=any_entry().pk).update(plans="残す内容")
    assert DataRevision.current() not in (before, lost)


def test_every_table_the_lists_show_also_keeps_the_list_revisions():
    """The master data's revision, or for the per-period rows the revisions per period and
    organisation (core.models.ListRevision)."""
    per_period = tables_with_the_trigger("portal_list_revision_update")
    assert per_period == {
        "initiatives_progressentry",
        "recommendations_actionreport",
        "recommendations_implementationstatus",
    }
    assert per_period <= tables_with_the_trigger("portal_list_revision_truncate")
    keyed = tables_the_lists_show() - set(KEYED_BY_MEMBER)
    missing = keyed - tables_with_the_trigger("portal_list_revision") - per_period
    assert missing == set()
    assert not set(KEYED_BY_MEMBER) & tables_with_the_trigger("portal_list_revision")


def test_a_save_changes_the_revisions_of_its_period_sections_and_category_only():
    entry = any_entry()
    sections = list(entry.initiative.sections.values_list("pk", flat=True))
    assert not Initiative.objects.filter(repost_of=entry.initiative_id).exists()
    before = dict(ListRevision.objects.values_list("key", "number"))
    ProgressEntry.objects.filter(pk=entry.pk).update(plans="別の内容")
    after = dict(ListRevision.objects.values_list("key", "number"))
    changed = {key for key, number in after.items() if before.get(key) != number}
    prefix = f"initiatives:{entry.period_id}:"
    assert changed == {prefix + "*", f"{prefix}category-{entry.initiative.category_id}"} | {
        f"{prefix}{pk}" for pk in sections
    }

"""The flat imports of the per-period tables (BatchedFlatResource): checked without a query per
row and written together at the end, yet with the same checks, messages and history as a save()
per row."""

import pytest
import tablib
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import ForeignKey
from django.test.utils import CaptureQueriesContext
from import_export.widgets import ManyToManyWidget

from flatfiles.resources import BatchedFlatResource
from initiatives.models import Initiative, ProgressEntry
from initiatives.resources import ProgressEntryResource, find_initiative
from recommendations.models import ActionReport, ImplementationStatus
from recommendations.resources import (
    ActionReportResource,
    ImplementationStatusResource,
    find_action,
)
from reporting.models import MAX_TEXT_LENGTH
from tests.test_flat_import_changes import edited, messages_of, refused, set_cell
from tests.test_flat_import_export import (
    confirm,
    csv_rows,
    export_bytes,
    import_one_change,
    totals,
    upload,
    write_csv,
)

pytestmark = pytest.mark.django_db

PLANS = "取組内容（10月以降の取組）"

# What each batched model's database constraints are, and how the import checks each without
# asking the database per row. A new constraint fails this list: check it in Python too (or
# leave the model to the per-row FlatResource), then add it here.
CHECKED_IN_PYTHON = {
    ImplementationStatus: {
        "status_unique_position": "the natural key: the loader, and no row named twice",
        "status_classification_a_to_d": "ClassificationWidget and clean_fields (choices)",
        "status_text_length": "text_limits",
    },
    ProgressEntry: {
        "progressentry_one_per_period": "the natural key: the loader, and no row named twice",
        "progressentry_results_length": "text_limits",
        "progressentry_plans_length": "text_limits",
    },
    ActionReport: {
        "actionreport_one_per_period": "the natural key: the loader, and no row named twice",
    },
}
BATCHED = {
    ImplementationStatus: ImplementationStatusResource,
    ProgressEntry: ProgressEntryResource,
    ActionReport: ActionReportResource,
}


@pytest.mark.parametrize("model", list(BATCHED), ids=lambda m: m.__name__)
def test_every_constraint_of_a_batched_model_is_checked_without_the_database(model):
    resource = BATCHED[model]()
    assert isinstance(resource, BatchedFlatResource)
    assert {c.name for c in model._meta.constraints} == set(CHECKED_IN_PYTHON[model])
    assert set(resource.text_limits.values()) <= {MAX_TEXT_LENGTH}
    for field in resource.get_import_fields():
        if field.readonly:
            continue
        # The shallow copy of each row shares its related rows: no column may write into one.
        assert "__" not in field.attribute, field.attribute
        # The library writes no many-to-many in bulk.
        assert not isinstance(field.widget, ManyToManyWidget), field.attribute
    # Every foreign key the rows point to is a column found by a widget, or set by the import.
    columns = {field.attribute for field in resource.get_import_fields()}
    for field in model._meta.concrete_fields:
        if isinstance(field, ForeignKey):
            assert field.name in columns | {"updated_by"}, field.name


def changed_dataset(resource, queryset, column, rows):
    """The export of the first `rows` rows, each with `column` changed."""
    exported = resource.export(queryset=queryset.order_by("pk")[:rows])
    index = exported.headers.index(column)
    dataset = tablib.Dataset(headers=exported.headers)
    for row in exported:
        row = list(row)
        row[index] = f"{row[index] or ''}（変更）"
        dataset.append(row)
    return dataset


def import_queries(resource_class, queryset, column, rows, username):
    dataset = changed_dataset(resource_class(), queryset, column, rows)
    user = get_user_model().objects.get(username=username)  # what it caches, read again
    with CaptureQueriesContext(connection) as queries:
        result = resource_class().import_data(
            dataset, dry_run=True, user=user, use_transactions=True
        )
    return len(queries), result


@pytest.mark.parametrize(
    "resource_class, model, column",
    [
        (ImplementationStatusResource, ImplementationStatus, "実施状況"),
        (ProgressEntryResource, ProgressEntry, PLANS),
        (ActionReportResource, ActionReport, "差戻しコメント"),
    ],
    ids=["ImplementationStatus", "ProgressEntry", "ActionReport"],
)
@pytest.mark.parametrize("username", ["admin", "honbu", "jisou"])
def test_import_queries_do_not_grow_with_the_rows(resource_class, model, column, username):
    """The checks (permissions of the HQ and of a section, versions, natural keys) read what
    was loaded for the whole file; the writes go in batches."""
    queryset = model._default_manager.all()
    few, _ = import_queries(resource_class, queryset, column, 3, username)
    many, result = import_queries(resource_class, queryset, column, 1000, username)
    assert result.total_rows == queryset.count() > 30
    assert many == few


def test_a_row_named_twice_is_refused(client, admin_user):
    client.force_login(admin_user)

    def edit(rows):
        rows.append({**rows[5], "実施状況": "同じ行をもう一度"})
        new = {**rows[0], "順番": "9", "実施状況": "新しい段落"}
        rows.extend([new, {**new, "実施状況": "同じ新しい段落"}])

    page = refused(client, ImplementationStatus, edited(client, ImplementationStatus, edit))
    count = ImplementationStatus.objects.count()
    assert (
        "「報告期間」「具体的な取組」「順番」が行番号 6 の行と同じです。"
        "同じ行は1回だけ書いてください。" in page
    )
    assert f"「報告期間」「具体的な取組」「順番」が行番号 {count + 2} の行と同じです。" in page

    def edit(rows):
        rows.append(dict(rows[1]))  # unchanged, still named twice

    page = refused(client, ProgressEntry, edited(client, ProgressEntry, edit))
    assert "「報告期間」「取組」が行番号 2 の行と同じです。" in page


def test_text_over_the_limit_is_refused(client, admin_user):
    client.force_login(admin_user)
    long = "あ" * (MAX_TEXT_LENGTH + 1)
    content = edited(
        client,
        ProgressEntry,
        set_cell(**{"報告期間": "R5H1", "取組": "1-④", "column": PLANS, "value": long}),
    )
    page = refused(client, ProgressEntry, content)
    assert (
        f"{PLANS}は{MAX_TEXT_LENGTH}文字以内で入力してください（現在{MAX_TEXT_LENGTH + 1}文字）。"
        in page
    )
    content = edited(
        client,
        ImplementationStatus,
        set_cell(
            **{"報告期間": "R5H1", "具体的な取組": "(1)ア(ｱ)", "順番": "1"},
            column="実施状況",
            value=long,
        ),
    )
    page = refused(client, ImplementationStatus, content)
    assert f"実施状況は{MAX_TEXT_LENGTH}文字以内で入力してください" in page


def test_every_change_is_in_the_history_with_the_importing_user(client, admin_user):
    client.force_login(admin_user)
    report = ActionReport.objects.get(period__code="R5H1", action=find_action("(1)ア(ｱ)"))
    other = ActionReport.objects.filter(period__code="R5H1").exclude(pk=report.pk).first()
    version, other_version = report.version, other.version
    first = report.statuses.get(position=1)
    rows = csv_rows(export_bytes(client, ImplementationStatus))
    headers = list(rows[0])
    mine = [row for row in rows if row["報告期間"] == "R5H1" and row["具体的な取組"] == "(1)ア(ｱ)"]
    theirs = next(
        row
        for row in rows
        if row["報告期間"] == "R5H1" and row["具体的な取組"] == other.action.reference
    )
    mine[0]["実施状況"] = "一つ目の変更"
    theirs["区分"] = "Ｄ" if theirs["区分"] != "Ｄ" else "Ａ"
    # A new paragraph of the same report.
    rows.append({**mine[0], "順番": str(len(mine) + 1), "実施状況": "新しい段落", "区分": "Ｂ"})

    response = upload(client, ImplementationStatus, write_csv(rows, headers))
    assert totals(response) == {"new": 1, "update": 2, "skip": len(rows) - 3}
    # The preview shows what changes.
    result = response.context["result"]
    diffs = [row.diff for row in result.valid_rows() if row.import_type == "update"]
    assert len(diffs) == 2 and all(any("<ins" in cell for cell in diff) for diff in diffs)
    confirm(client, ImplementationStatus, response)

    first.refresh_from_db()
    assert first.text == "一つ目の変更"
    record = first.history.first()
    assert (record.history_type, record.history_user, record.text) == (
        "~",
        admin_user,
        "一つ目の変更",
    )
    added = report.statuses.get(position=len(mine) + 1)
    record = added.history.get()
    assert (record.history_type, record.history_user, record.text) == (
        "+",
        admin_user,
        "新しい段落",
    )
    # Each report once: a new version, and one history record of it.
    for entry, before in ((report, version), (other, other_version)):
        entry.refresh_from_db()
        assert (entry.version, entry.updated_by) == (before + 1, admin_user)
        record = entry.history.first()
        assert (record.version, record.history_user) == (before + 1, admin_user)
        assert entry.history.filter(version=before + 1).count() == 1


def test_a_changed_entry_gets_a_new_version_a_new_time_and_its_history(client, admin_user):
    client.force_login(admin_user)
    entry = ProgressEntry.objects.get(period__code="R5H1", initiative=find_initiative("1-④"))
    report = ActionReport.objects.get(period__code="R5H1", action=find_action("(1)ア(ｱ)"))
    for model, obj, where, column in (
        (ProgressEntry, entry, {"報告期間": "R5H1", "取組": "1-④"}, PLANS),
        (ActionReport, report, {"報告期間": "R5H1", "具体的な取組": "(1)ア(ｱ)"}, "差戻しコメント"),
    ):
        before = model.objects.get(pk=obj.pk)
        content = edited(client, model, set_cell(**where, column=column, value="取り込みで変えた"))
        response = import_one_change(client, model, content)
        assert "を取り込みました：新規 0件、変更 1件" in messages_of(response)[0]
        after = model.objects.get(pk=obj.pk)
        assert (after.version, after.updated_by) == (before.version + 1, admin_user)
        assert after.updated_at > before.updated_at
        record = after.history.first()
        assert (record.history_user, record.version) == (admin_user, after.version)
        assert record.updated_at == after.updated_at


def test_a_new_entry_is_created_with_its_history(client, admin_user):
    client.force_login(admin_user)
    initiative = Initiative.objects.filter(repost_of=None).first()
    ProgressEntry.objects.filter(period__code="R5H1", initiative=initiative).delete()
    rows = csv_rows(export_bytes(client, ProgressEntry))
    headers = list(rows[0])
    rows.append(
        {
            **dict.fromkeys(headers, ""),
            "報告期間": "R5H1",
            "取組": initiative.reference,
            PLANS: "取り込みで作った",
            "状態": "下書き",
        }
    )
    response = upload(client, ProgressEntry, write_csv(rows, headers))
    assert totals(response) == {"new": 1, "skip": len(rows) - 1}
    confirm(client, ProgressEntry, response)
    entry = ProgressEntry.objects.get(period__code="R5H1", initiative=initiative)
    assert (entry.plans, entry.updated_by, entry.version) == ("取り込みで作った", admin_user, 1)
    record = entry.history.get()
    assert (record.history_type, record.history_user) == ("+", admin_user)

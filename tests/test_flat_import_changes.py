"""Importing changes through the admin: the dry run first, then the confirm; history with the
importing user, a new version; the pages' permission rules; any error imports nothing."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from departments.models import Organization
from flatfiles.safe_reader import NOT_XLSX
from initiatives.models import Initiative, ProgressEntry
from initiatives.resources import find_initiative
from recommendations.models import ActionReport, ImplementationStatus
from recommendations.resources import find_action
from tests.test_flat_import_export import (
    CSV_CP932,
    IMPORT_XLSX,
    XLSX,
    confirm,
    csv_rows,
    database_snapshot,
    export_bytes,
    find_row,
    import_one_change,
    page_errors,
    totals,
    upload,
    write_csv,
)

pytestmark = pytest.mark.django_db

PLANS = "取組内容（10月以降の取組）"


def entry_of(reference, period="R5H1"):
    return ProgressEntry.objects.get(period__code=period, initiative=find_initiative(reference))


def edited(client, model, edit):
    """The model's CSV export with `edit(rows)` applied."""
    rows = csv_rows(export_bytes(client, model))
    headers = list(rows[0])
    edit(rows)
    return write_csv(rows, headers)


def set_cell(**where_and_value):
    """edit(rows): in the row where the given columns match, set one column."""
    column, value = where_and_value.pop("column"), where_and_value.pop("value")

    def edit(rows):
        find_row(rows, **where_and_value)[column] = value

    return edit


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def staff_user(*, organizations=(), models=(ProgressEntry,)):
    """A staff user with the admin-level permissions on `models`, in no HQ group."""
    user = User.objects.create_user("import-staff", password="x", is_staff=True)
    for model in models:
        user.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label=model._meta.app_label,
                codename__in=[
                    f"{action}_{model._meta.model_name}" for action in ("view", "change", "add")
                ],
            )
        )
    user.organizations.add(*Organization.objects.filter(label__in=organizations))
    return user


def test_a_changed_text_is_saved_only_on_confirm_with_history_and_a_new_version(client, admin_user):
    client.force_login(admin_user)
    entry = entry_of("1-④")
    version, plans = entry.version, entry.plans
    content = edited(
        client,
        ProgressEntry,
        set_cell(
            **{"報告期間": "R5H1", "取組": "1-④", "column": PLANS, "value": "取り込みで変えた"}
        ),
    )

    response = upload(client, ProgressEntry, content)
    count = ProgressEntry.objects.count()
    assert totals(response) == {"update": 1, "skip": count - 1}
    assert (
        "取り込みの確認（まだ保存していません）：新規 0件、変更 1件、変更なし"
        in messages_of(response)[0]
    )
    entry.refresh_from_db()
    assert (entry.plans, entry.version) == (plans, version)  # the dry run wrote nothing

    response = confirm(client, ProgressEntry, response)
    assert response.status_code == 302
    assert "取組状況（資料3）を取り込みました：新規 0件、変更 1件" in messages_of(response)[0]
    entry.refresh_from_db()
    assert entry.plans == "取り込みで変えた"
    assert entry.version == version + 1
    assert entry.updated_by == admin_user
    record = entry.history.first()
    assert (record.history_user, record.plans) == (admin_user, "取り込みで変えた")
    assert ProgressEntry.history.filter(history_date__gte=record.history_date).count() == 1


def test_a_changed_xlsx_is_imported_too(client, admin_user):
    client.force_login(admin_user)
    book = load_workbook(io.BytesIO(export_bytes(client, ProgressEntry, XLSX)))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[headers.index("取組")].value == "1-④":
            row[headers.index(PLANS)].value = "エクセルで変えた"
    out = io.BytesIO()
    book.save(out)
    import_one_change(client, ProgressEntry, out.getvalue(), IMPORT_XLSX)
    assert entry_of("1-④").plans == "エクセルで変えた"


def test_a_cp932_file_with_changes_is_read(client, admin_user):
    client.force_login(admin_user)
    rows = csv_rows(export_bytes(client, ProgressEntry, CSV_CP932), "cp932")
    find_row(rows, **{"取組": "1-④"})[PLANS] = "シフトJISで変えた"
    response = upload(client, ProgressEntry, write_csv(rows, list(rows[0]), "cp932"))
    assert totals(response)["update"] == 1


def test_a_changed_paragraph_gives_its_report_a_new_version(client, admin_user):
    client.force_login(admin_user)
    report = ActionReport.objects.get(period__code="R5H1", action=find_action("(1)ア(ｱ)"))
    version = report.version
    content = edited(
        client,
        ImplementationStatus,
        set_cell(
            **{
                "報告期間": "R5H1",
                "具体的な取組": "(1)ア(ｱ)",
                "順番": "1",
                "column": "区分",
                "value": "Ｂ",
            }
        ),
    )
    import_one_change(client, ImplementationStatus, content)
    paragraph = report.statuses.get(position=1)
    assert paragraph.classification == "B"
    assert paragraph.history.first().history_user == admin_user
    report.refresh_from_db()
    assert (report.version, report.updated_by) == (version + 1, admin_user)


def test_many_to_many_changes_are_imported(client, admin_user):
    client.force_login(admin_user)
    content = edited(
        client,
        Initiative,
        set_cell(
            **{
                "取組内容の分類": "1",
                "取組番号": "④",
                "column": "担当課",
                "value": "保）保護課|区）健康・子ども課",
            }
        ),
    )
    import_one_change(client, Initiative, content)
    initiative = Initiative.objects.get(category__number=1, subclass=None, number=4)
    assert [s.label for s in initiative.sections.all()] == ["保）保護課", "区）健康・子ども課"]


# -- Bad input: the Japanese reason on the row, no confirm step, nothing written ----------


def refused(client, model, content, fmt=0):
    """Upload, expect errors and no confirm button; returns the page's text."""
    before = database_snapshot()
    response = upload(client, model, content, fmt)
    assert response.context.get("confirm_form") is None
    assert page_errors(response)
    assert "エラーがあるため取り込めません。何も保存していません。" in messages_of(response)[0]
    assert database_snapshot() == before
    return response.content.decode()


def test_unknown_section_label(client, admin_user):
    client.force_login(admin_user)

    def edit(rows):
        find_row(rows, **{"取組内容の分類": "1", "取組番号": "④"})["担当課"] = "保）存在しない課"
        # A good change in the same file is not imported either.
        find_row(rows, **{"取組内容の分類": "1", "取組番号": "⑤"})["担当課"] = "保）保護課"

    page = refused(client, Initiative, edited(client, Initiative, edit))
    assert "担当課「保）存在しない課」が見つかりません。" in page
    assert "行番号" in page


def test_unknown_references_are_named(client, admin_user):
    client.force_login(admin_user)

    def edit(rows):
        rows[0]["取組"] = "9-⑨"
        rows[1]["報告期間"] = "R9H9"

    page = refused(client, ProgressEntry, edited(client, ProgressEntry, edit))
    assert "取組「9-⑨」が見つかりません。" in page
    assert "報告期間「R9H9」が見つかりません。" in page


def test_classification_outside_a_to_d(client, admin_user):
    client.force_login(admin_user)
    content = edited(
        client,
        ImplementationStatus,
        set_cell(
            **{
                "報告期間": "R5H1",
                "具体的な取組": "(1)ア(ｱ)",
                "順番": "1",
                "column": "区分",
                "value": "E",
            }
        ),
    )
    assert "区分はＡ〜Ｄから選んでください。" in refused(client, ImplementationStatus, content)


def test_a_missing_required_column(client, admin_user):
    client.force_login(admin_user)
    rows = csv_rows(export_bytes(client, ProgressEntry))
    headers = [h for h in rows[0] if h != "取組"]
    for row in rows:
        del row["取組"]
    page = refused(client, ProgressEntry, write_csv(rows, headers))
    assert "列「取組」がありません。1行目の見出しを確かめてください。" in page


def test_a_row_with_a_required_cell_left_empty(client, admin_user):
    client.force_login(admin_user)
    content = edited(
        client, ImplementationStatus, lambda rows: rows[2].update({"区分": "", "順番": "１"})
    )
    assert "区分を入力してください。" in refused(client, ImplementationStatus, content)
    content = edited(client, ProgressEntry, lambda rows: rows[0].update({"取組": ""}))
    assert "取組を入力してください。" in refused(client, ProgressEntry, content)


def test_an_unreadable_file_is_refused_in_japanese(client, admin_user):
    client.force_login(admin_user)
    response = upload(client, ProgressEntry, b"\x00\x01not an excel file", IMPORT_XLSX)
    assert NOT_XLSX in response.content.decode()


def test_a_row_the_user_may_not_change_refuses_the_whole_import(client, admin_user):
    user = staff_user(organizations=["区）健康・子ども課"])
    client.force_login(user)
    mine = ProgressEntry.objects.filter(
        period__code="R5H1", initiative__sections__label="区）健康・子ども課"
    ).first()

    def edit(rows):
        find_row(rows, **{"報告期間": "R5H1", "取組": "1-④"})[PLANS] = "権限のない変更"
        find_row(rows, **{"報告期間": "R5H1", "取組": mine.reference})[PLANS] = "自分の課の変更"

    page = refused(client, ProgressEntry, edited(client, ProgressEntry, edit))
    assert "1-④: この行を変更する権限がありません。" in page
    assert entry_of(mine.reference).plans != "自分の課の変更"


def test_a_section_member_with_admin_access_may_import_their_own_rows(client):
    client.force_login(staff_user(organizations=["保）保護課"]))
    content = edited(
        client,
        ProgressEntry,
        set_cell(**{"報告期間": "R5H1", "取組": "1-④", "column": PLANS, "value": "保護課が変えた"}),
    )
    response = upload(client, ProgressEntry, content)
    assert page_errors(response) == []
    confirm(client, ProgressEntry, response)
    assert entry_of("1-④").plans == "保護課が変えた"


def test_section_staff_may_not_approve_through_an_import(client):
    client.force_login(staff_user(organizations=["保）保護課"]))
    content = edited(
        client,
        ProgressEntry,
        set_cell(**{"報告期間": "R5H1", "取組": "1-④", "column": "状態", "value": "承認済"}),
    )
    assert "1-④: 状態を「承認済」にする権限がありません。" in refused(
        client, ProgressEntry, content
    )


def test_errors_at_the_confirm_step_roll_everything_back(client, admin_user):
    """The data may change between the dry run and the confirm: the confirm runs the same
    checks, and any error undoes the whole import."""
    client.force_login(admin_user)

    def edit(rows):
        find_row(rows, **{"報告期間": "R5H1", "取組": "1-④"})[PLANS] = "先に確認した変更"
        find_row(rows, **{"報告期間": "R5H1", "取組": "1-②"})[PLANS] = "もう一つの変更"

    response = upload(client, ProgressEntry, edited(client, ProgressEntry, edit))
    assert totals(response)["update"] == 2
    # Meanwhile someone saves 1-② on its page.
    entry = entry_of("1-②")
    entry.version += 1
    entry.save()
    before = database_snapshot()

    response = confirm(client, ProgressEntry, response)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:initiatives_progressentry_import")
    message = messages_of(response)[0]
    assert "取り込みを中止しました。何も保存していません。" in message
    assert "1-②: ファイルを作った後にこの行が変更されています" in message
    assert database_snapshot() == before


def test_a_forged_confirm_is_checked_against_the_permissions_again(client, admin_user):
    client.force_login(admin_user)
    content = edited(
        client,
        ProgressEntry,
        set_cell(**{"報告期間": "R5H1", "取組": "1-④", "column": PLANS, "value": "横取り"}),
    )
    response = upload(client, ProgressEntry, content)
    client.force_login(staff_user())
    before = database_snapshot()
    response = confirm(client, ProgressEntry, response)
    assert "1-④: この行を変更する権限がありません。" in messages_of(response)[0]
    assert database_snapshot() == before


def test_import_and_export_need_the_models_permissions(client):
    client.force_login(staff_user(models=()))
    assert client.get(reverse("admin:initiatives_progressentry_import")).status_code == 403
    assert client.get(reverse("admin:accounts_user_export")).status_code == 403


def test_a_repost_row_takes_no_results_of_its_own(client, admin_user):
    client.force_login(admin_user)
    content = edited(
        client,
        ProgressEntry,
        set_cell(
            **{
                "報告期間": "R5H1",
                "取組": "3-研修体制の整備-⑥",
                "column": "取組結果（９月までの取組）",
                "value": "再掲の行に書いた結果",
            }
        ),
    )
    page = refused(client, ProgressEntry, content)
    assert "【再掲】の行は空欄にしてください（再掲元 1-⑨ の内容を表示します）。" in page


def test_empty_rows_and_spaces_around_headers_are_ignored(client, admin_user):
    client.force_login(admin_user)
    text = export_bytes(client, Initiative).decode("utf-8-sig")
    header, *lines = text.split("\r\n")
    header = ",".join(f" {name} " for name in header.split(","))
    content = "\r\n".join([header, lines[0], ",,,,,", "", *lines[1:]]).encode("utf-8-sig")
    response = upload(client, Initiative, content)
    assert page_errors(response) == []
    assert totals(response) == {"skip": Initiative.objects.count()}

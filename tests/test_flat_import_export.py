"""The admin's flat import/export: every model exports in CSV (UTF-8 BOM, CP932) and XLSX with
Japanese headers and visible names, and importing the export again changes nothing.

The helpers here drive the admin as a browser would and are shared by the other test_flat_ files.
"""

import csv
import io

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from departments.models import Bureau, Department, JobCategory, Section
from flatfiles.formats import EXPORT_FORMATS, IMPORT_FORMATS
from initiatives.models import Category, Initiative, ProgressEntry, Subclass
from operations.synthetic import multiply_seed
from recommendations.models import (
    Action,
    ActionReport,
    Chapter,
    ImplementationStatus,
    Policy,
    Recommendation,
    VerificationReport,
)
from reporting.models import ReportingPeriod

pytestmark = pytest.mark.django_db

CSV_BOM, CSV_CP932, XLSX = range(3)  # export formats, in the dropdown's order
IMPORT_CSV, IMPORT_XLSX = range(2)
EXTENSIONS = {CSV_BOM: "csv", CSV_CP932: "csv", XLSX: "xlsx"}

PROJECT_APPS = ("accounts", "departments", "reporting", "initiatives", "recommendations")


# -- Driving the admin ----------


def _url(model, view):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


def model_admin(model):
    return admin.site._registry[model]


def export_bytes(client, model, fmt=CSV_BOM, query=""):
    resource = model_admin(model).get_export_resource_classes(None)[0]
    prefix = resource.__name__.lower()
    data = {"format": str(fmt), "resource": "0"}
    data.update({f"{prefix}_{name}": "on" for name in resource().get_export_order()})
    url = _url(model, "export") + query
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment")
    return response.content


def upload(client, model, content, fmt=IMPORT_CSV, name=None):
    """The import page's first step: the dry run. Returns the response (context: result)."""
    name = name or ("import.xlsx" if fmt == IMPORT_XLSX else "import.csv")
    response = client.post(
        _url(model, "import"),
        {"format": str(fmt), "resource": "0", "import_file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200
    return response


def confirm(client, model, response):
    """The second step: what the confirm button posts."""
    form = response.context["confirm_form"]
    assert form is not None, page_errors(response)
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(_url(model, "process_import"), data)


def import_one_change(client, model, content, fmt=IMPORT_CSV):
    """Both steps for a file that changes one row: the dry run finds one change, the confirm
    writes it. Returns the confirm's response."""
    response = upload(client, model, content, fmt)
    assert totals(response)["update"] == 1
    return confirm(client, model, response)


def totals(response):
    result = response.context["result"]
    return {key: value for key, value in result.totals.items() if value}


def page_errors(response):
    result = response.context.get("result")
    lines = [str(e.error) for e in result.base_errors] if result else []
    if result:
        for _, errors in result.row_errors():
            lines.extend(str(error.error) for error in errors)
    form = response.context.get("form")
    if form is not None and form.errors:
        lines.extend(str(e) for errors in form.errors.values() for e in errors)
    return lines


# -- Reading files ----------


def csv_rows(content, encoding="utf-8-sig"):
    return list(csv.DictReader(io.StringIO(content.decode(encoding))))


def xlsx_sheet(content):
    return load_workbook(io.BytesIO(content)).worksheets[0]


def xlsx_rows(content):
    rows = list(xlsx_sheet(content).iter_rows(values_only=True))
    headers = rows[0]
    return [
        {h: ("" if v is None else v) for h, v in zip(headers, row, strict=False)}
        for row in rows[1:]
    ]


def rows_of(content, fmt):
    if fmt == XLSX:
        return xlsx_rows(content)
    return csv_rows(content, "cp932" if fmt == CSV_CP932 else "utf-8-sig")


def headers_of(content, fmt):
    if fmt == XLSX:
        return [c.value for c in next(xlsx_sheet(content).iter_rows(max_row=1))]
    text = content.decode("cp932" if fmt == CSV_CP932 else "utf-8-sig")
    return next(csv.reader(io.StringIO(text)))


def write_csv(rows, headers, encoding="utf-8-sig"):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def find_row(rows, **cells):
    """The one row whose columns (given as 列名=値, with _ for （, etc. avoided by dict) match."""
    matches = [row for row in rows if all(row.get(k) == v for k, v in cells.items())]
    assert len(matches) == 1, (cells, len(matches))
    return matches[0]


# -- Proving nothing changed ----------


def database_snapshot():
    """Every row and every history row of the project's models."""
    state = {}
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            state[model._meta.label] = list(model._default_manager.order_by("pk").values_list())
    return state


# -- What each model's export holds ----------

# model: (headers, a row's known cells)
EXPECTED = {
    Bureau: (["名称", "略称", "表示順"], {"名称": "保健福祉局", "略称": "保"}),
    Department: (
        ["上位組織", "名称", "表示名", "表示順"],
        {"上位組織": "子ども未来局", "名称": "児童相談所", "表示名": "子）児童相談所"},
    ),
    Section: (
        ["上位組織", "名称", "表示名", "表示順"],
        {"上位組織": "子）児童相談所", "名称": "地域連携課", "表示名": "子）地域連携課"},
    ),
    JobCategory: (["対象職種", "表示順"], {"対象職種": "保健師", "表示順": "4"}),
    User: (
        [
            "ユーザー名",
            "姓",
            "名",
            "メールアドレス",
            "職員番号",
            "所属（課・部）",
            "役割",
            "有効",
            "版",
        ],
        {"ユーザー名": "jisou", "所属（課・部）": "子）児童相談所|子）地域連携課", "有効": "はい"},
    ),
    ReportingPeriod: (
        [
            "コード",
            "名称",
            "取組結果の対象（〜まで）",
            "取組内容の対象（〜以降）",
            "提出期限",
            "会議名と日付",
            "現在の期間",
            "締切済",
        ],
        {
            "コード": "R2-05",
            "名称": "令和２年５月（対策推進本部会議）",
            "会議名と日付": "Ｒ2.5.13\u3000対策推進本部会議",
            "締切済": "はい",
        },
    ),
    Category: (["番号", "取組内容の分類"], {"番号": "3"}),
    Subclass: (["分類", "番号", "細分類"], {"分類": "3", "細分類": "研修体制の整備"}),
    Initiative: (
        ["取組内容の分類", "細分類", "取組番号", "対象職種", "担当課", "再掲元"],
        {"取組内容の分類": "3", "細分類": "研修体制の整備", "取組番号": "⑥", "再掲元": "1-⑨"},
    ),
    ProgressEntry: (
        [
            "報告期間",
            "取組",
            "対象職種",
            "担当課",
            "取組結果（９月までの取組）",
            "取組内容（10月以降の取組）",
            "状態",
            "差戻しコメント",
            "版",
            "更新者",
            "更新日時",
        ],
        {"報告期間": "R5H1", "取組": "1-②", "担当課": "総）職員育成担当課|子）地域連携課"},
    ),
    VerificationReport: (
        ["検証報告書", "資料名", "注記"],
        {"検証報告書": "検証報告書（令和元年死亡事例）", "資料名": "今後の取組方針について"},
    ),
    Chapter: (
        ["検証報告書", "番号", "項目"],
        {"検証報告書": "検証報告書（令和元年死亡事例）", "番号": "(1)"},
    ),
    Recommendation: (["項目", "番号", "提言"], {"項目": "(3)", "番号": "⑤"}),
    Policy: (
        ["項目", "番号", "取組方針", "該当提言"],
        {"項目": "(1)", "番号": "エ", "該当提言": "(1)④"},
    ),
    Action: (
        ["取組方針", "番号", "具体的な取組内容（想定を含む）", "担当部", "担当部の注記", "再掲元"],
        {
            "取組方針": "(3)エ",
            "番号": "(ｲ)",
            "再掲元": "(3)ウ(ｳ)",
            "具体的な取組内容（想定を含む）": "",
        },
    ),
    ActionReport: (
        ["報告期間", "具体的な取組", "状態", "差戻しコメント", "版", "更新者", "更新日時"],
        {"報告期間": "R2-05", "具体的な取組": "(1)ア(ｱ)", "状態": "承認済"},
    ),
    ImplementationStatus: (
        ["報告期間", "具体的な取組", "順番", "実施状況", "区分", "報告の版"],
        {
            "報告期間": "R2-05",
            "具体的な取組": "(6)ア(ｱ)",
            "順番": "1",
            "実施状況": "",
            "区分": "Ｃ",
        },
    ),
}
MODELS = list(EXPECTED)


def test_every_admin_of_the_project_offers_import_and_export():
    registered = {m for m in admin.site._registry if m._meta.app_label in PROJECT_APPS}
    assert registered == set(MODELS)
    for model in MODELS:
        model_admin_ = model_admin(model)
        assert [f().get_title() for f in model_admin_.get_export_formats()] == [
            "CSV（UTF-8 BOM付き）",
            "CSV（Shift_JIS／CP932）",
            "Excel（xlsx）",
        ]
        assert [f().get_title() for f in model_admin_.get_import_formats()] == [
            "CSV（UTF-8／Shift_JIS 自動判別）",
            "Excel（xlsx）",
        ]
    assert [f().get_title() for f in EXPORT_FORMATS] and IMPORT_FORMATS


def test_changelist_shows_the_import_and_export_buttons(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:initiatives_progressentry_changelist"))
    page = response.content.decode()
    assert reverse("admin:initiatives_progressentry_import") in page
    assert reverse("admin:initiatives_progressentry_export") in page


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_export_then_import_again_changes_nothing(client, admin_user, model):
    client.force_login(admin_user)
    content = export_bytes(client, model, CSV_BOM)
    headers, known = EXPECTED[model]
    assert headers_of(content, CSV_BOM) == headers
    rows = csv_rows(content)
    assert len(rows) == model._default_manager.count()
    find_row(rows, **known)

    before = database_snapshot()
    response = upload(client, model, content)
    assert page_errors(response) == []
    assert totals(response) == {"skip": len(rows)}
    assert response.context["confirm_form"] is not None  # the dry run offers to go on

    # Confirming the unchanged file writes nothing either (no history, no version).
    response = confirm(client, model, response)
    assert response.status_code == 302
    assert database_snapshot() == before


@pytest.mark.parametrize("fmt", [CSV_CP932, XLSX], ids=["cp932", "xlsx"])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_cp932_and_xlsx_round_trip(client, admin_user, model, fmt):
    client.force_login(admin_user)
    content = export_bytes(client, model, fmt)
    headers, known = EXPECTED[model]
    if fmt == CSV_CP932:
        # What CP932 can hold: 〜 (U+301C) comes back as ～ (U+FF5E); the import reads both.
        headers = [h.encode("cp932").decode("cp932") for h in headers]
    assert headers_of(content, fmt) == headers
    find_row(rows_of(content, fmt), **known)
    before = database_snapshot()
    response = upload(client, model, content, IMPORT_XLSX if fmt == XLSX else IMPORT_CSV)
    assert page_errors(response) == []
    assert totals(response) == {"skip": model._default_manager.count()}
    assert database_snapshot() == before


def test_csv_encodings(client, admin_user):
    client.force_login(admin_user)
    utf8 = export_bytes(client, ProgressEntry, CSV_BOM)
    assert utf8.startswith(b"\xef\xbb\xbf")
    assert utf8.decode("utf-8-sig").startswith("報告期間,取組,")
    sjis = export_bytes(client, ProgressEntry, CSV_CP932)
    assert not sjis.startswith(b"\xef\xbb\xbf")
    assert sjis.decode("cp932") == utf8.decode("utf-8-sig")
    with pytest.raises(UnicodeDecodeError):
        sjis.decode("utf-8")
    # UTF-8 without the BOM is read too.
    response = upload(client, ProgressEntry, utf8[3:])
    assert page_errors(response) == []
    assert totals(response) == {"skip": ProgressEntry.objects.count()}


def test_export_names_the_file_by_model_and_encoding(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:initiatives_category_export")
    data = {"format": str(CSV_CP932), "resource": "0", "categoryresource_number": "on"}
    response = client.post(url, data)
    assert response["Content-Type"] == "text/csv"
    assert "Category-" in response["Content-Disposition"]
    assert "-sjis.csv" in response["Content-Disposition"]
    assert response.content.decode("cp932").splitlines()[:2] == ["番号", "1"]


def test_export_follows_the_changelist_filter(client, admin_user):
    client.force_login(admin_user)
    period = ReportingPeriod.objects.get(code="R5H1")
    content = export_bytes(client, ActionReport, CSV_BOM, query=f"?period__id__exact={period.pk}")
    rows = csv_rows(content)
    assert rows and {row["報告期間"] for row in rows} == {"R5H1"}


def test_users_export_no_password_and_new_users_get_an_unusable_one(client, admin_user):
    client.force_login(admin_user)
    content = export_bytes(client, User, CSV_BOM)
    text = content.decode("utf-8-sig")
    assert "パスワード" not in text and "password" not in text.lower()
    assert admin_user.password not in text
    rows = csv_rows(content)
    headers = list(rows[0])
    rows.append(
        {
            **dict.fromkeys(headers, ""),
            "ユーザー名": "kenko",
            "姓": "健康",
            "所属（課・部）": "保）保護課|区）健康・子ども課",
            "役割": "推進本部",
            "有効": "はい",
        }
    )
    response = upload(client, User, write_csv(rows, headers))
    assert totals(response) == {"new": 1, "skip": len(rows) - 1}
    confirm(client, User, response)
    user = User.objects.get(username="kenko")
    assert not user.has_usable_password()
    assert sorted(user.organizations.values_list("label", flat=True)) == [
        "保）保護課",
        "区）健康・子ども課",
    ]
    assert list(user.groups.values_list("name", flat=True)) == ["推進本部"]
    assert not user.is_staff
    # Written by the accounts service: its history record, and the admin's log.
    record = user.history.get()
    assert (record.history_user, record.history_change_reason) == (
        admin_user,
        "管理画面の一括取込み",
    )
    log = LogEntry.objects.get(object_id=str(user.pk), content_type__model="user")
    assert (log.user, log.action_flag) == (admin_user, ADDITION)


def test_export_queries_do_not_grow_with_the_rows(admin_user, rf):
    """The admin's export reads related names in a few queries per page, never per row."""
    request = rf.get("/")
    request.user = admin_user

    def exports():
        sizes = {}
        for model in MODELS:
            model_admin_ = model_admin(model)
            resource = model_admin_.get_export_resource_classes(request)[0]()
            with CaptureQueriesContext(connection) as queries:
                dataset = resource.export(queryset=model_admin_.get_queryset(request))
            sizes[model.__name__] = (dataset.height, len(queries))
        return sizes

    before = exports()
    multiply_seed(3)
    after = exports()
    grown = {
        name: (before[name], after[name])
        for name in before
        if after[name][1] - before[name][1] > (after[name][0] - before[name][0]) // 20
    }
    assert grown == {}
    assert after["ImplementationStatus"][0] > before["ImplementationStatus"][0]

"""Issue "April's personnel changes": the personnel list (職員名簿) read and checked row by row,
then written all or nothing with history under the importing user."""

import datetime
import io

import openpyxl
import pytest

from accounts import personnel
from accounts.models import User
from accounts.personnel import import_personnel
from accounts.roles import Role, role_of
from departments.models import Organization
from flatfiles import safe_reader

HEADER = "職員番号,氏名,メールアドレス,所属,役割,異動日"


def csv_bytes(*lines, encoding="utf-8"):
    return "\r\n".join([HEADER, *lines]).encode(encoding)


def xlsx_bytes(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def org(label):
    return Organization.objects.get(label=label)


def users_state():
    """Everything an import could change, to prove a refused file changed nothing."""
    return {
        "users": list(
            User.objects.order_by("pk").values_list(
                "username",
                "employee_number",
                "last_name",
                "first_name",
                "email",
                "is_active",
                "is_superuser",
                "transferred_on",
            )
        ),
        "memberships": sorted(
            User.organizations.through.objects.values_list("user_id", "organization_id")
        ),
        "groups": sorted(User.groups.through.objects.values_list("user_id", "group_id")),
        "history": User.history.count(),
    }


@pytest.fixture
def staff(hogo):
    """hogo with a 職員番号 and a mail address, as the personnel list knows them."""
    hogo.employee_number = "10001"
    hogo.email = "hogo@city.example.jp"
    hogo.first_name = "花子"
    hogo.last_name = "保護"
    hogo.save()
    return hogo


def test_a_new_member_of_staff_is_created_with_section_role_and_history_under_the_importer(honbu):
    data = csv_bytes("20001,札幌 太郎,taro@city.example.jp,子）地域連携課,課長,2026-04-01")

    result = import_personnel(file=data, by=honbu)

    assert result.ok and result.written
    user = User.objects.get(employee_number="20001")
    assert (user.username, user.last_name, user.first_name) == ("20001", "札幌", "太郎")
    assert user.email == "taro@city.example.jp"
    assert [o.label for o in user.organizations.all()] == ["子）地域連携課"]
    assert role_of(user) == Role.HEAD
    assert user.transferred_on == datetime.date(2026, 4, 1)
    assert not user.has_usable_password()
    record = user.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        honbu,
        "職員名簿の取込み",
    )
    assert [o.organization.label for o in record.organizations.all()] == ["子）地域連携課"]


def test_the_preview_sorts_rows_into_new_moved_role_changed_unchanged_and_writes_nothing(
    honbu, staff, jisou
):
    jisou.employee_number = "10002"
    jisou.email = "jisou@city.example.jp"
    jisou.save()
    before = users_state()
    data = csv_bytes(
        "10001,保護 花子,hogo@city.example.jp,子）地域連携課,課の担当者,2026-04-01",
        "10002,児童相談所担当,jisou@city.example.jp,子）児童相談所、子）地域連携課,課長,",
        "20001,札幌 太郎,taro@city.example.jp,保）保護課,課の担当者,2026-04-01",
    )

    result = import_personnel(file=data, by=honbu, dry_run=True)

    assert result.ok and not result.written
    kinds = {row.employee_number: row.kinds for row in result.rows}
    assert kinds == {
        "10001": [personnel.MOVED],
        "10002": [personnel.ROLE_CHANGED],
        "20001": [personnel.NEW],
    }
    moved = next(row for row in result.rows if row.employee_number == "10001")
    assert moved.changes == ["所属: 保）保護課 → 子）地域連携課"]
    assert result.counts[personnel.NEW] == 1
    assert users_state() == before


def test_a_row_that_matches_the_database_is_unchanged_and_not_written(honbu, staff):
    before = users_state()
    data = csv_bytes("10001,保護 花子,hogo@city.example.jp,保）保護課,課の担当者,")

    result = import_personnel(file=data, by=honbu)

    assert [row.kinds for row in result.rows] == [[personnel.UNCHANGED]]
    assert users_state() == before


def test_a_move_changes_the_sections_and_records_the_importer(honbu, staff):
    data = csv_bytes("10001,保護 花子,hogo@city.example.jp,子）地域連携課,課の担当者,2026/4/1")

    import_personnel(file=data, by=honbu)

    staff.refresh_from_db()
    assert [o.label for o in staff.organizations.all()] == ["子）地域連携課"]
    assert staff.transferred_on == datetime.date(2026, 4, 1)
    record = staff.history.latest()
    assert record.history_user == honbu
    assert [o.organization.label for o in record.organizations.all()] == ["子）地域連携課"]
    assert [o.organization.label for o in record.prev_record.organizations.all()] == ["保）保護課"]


def test_staff_missing_from_the_list_stay_active_unless_the_option_is_ticked(honbu, staff, jisou):
    jisou.employee_number = "10002"
    jisou.save()
    data = csv_bytes("10001,保護 花子,hogo@city.example.jp,保）保護課,課の担当者,")

    import_personnel(file=data, by=honbu)
    jisou.refresh_from_db()
    assert jisou.is_active

    result = import_personnel(file=data, by=honbu, deactivate_missing=True)
    jisou.refresh_from_db()
    assert not jisou.is_active
    assert [(r.employee_number, r.kinds) for r in result.rows if r.row is None] == [
        ("10002", [personnel.DEACTIVATE])
    ]
    # Accounts without a 職員番号 (the administrator's, the HQ's own) are not on the list.
    assert User.objects.get(username="admin").is_active
    assert User.objects.get(username="honbu").is_active


def test_an_inactive_member_back_on_the_list_is_active_again(honbu, staff):
    User.objects.filter(pk=staff.pk).update(is_active=False)
    data = csv_bytes("10001,保護 花子,hogo@city.example.jp,保）保護課,課の担当者,")

    result = import_personnel(file=data, by=honbu)

    assert result.rows[0].kinds == [personnel.REACTIVATED]
    staff.refresh_from_db()
    assert staff.is_active


def test_cp932_csv_and_xlsx_are_read_like_utf8(honbu, staff):
    line = "10001,保護 花子,hogo@city.example.jp,子）地域連携課,課の担当者,令和8年4月1日"
    cp932 = import_personnel(file=csv_bytes(line, encoding="cp932"), by=honbu, dry_run=True)
    book = xlsx_bytes(
        [
            [
                10001,
                "保護　花子",
                "hogo@city.example.jp",
                "子)地域連携課",
                "課の担当者",
                datetime.datetime(2026, 4, 1),
            ]
        ]
    )
    xlsx = import_personnel(file=book, by=honbu, dry_run=True)

    for result in (cp932, xlsx):
        assert result.ok, result.errors
        assert result.rows[0].kinds == [personnel.MOVED]
        assert result.rows[0].values["transferred_on"] == datetime.date(2026, 4, 1)
        assert [o.label for o in result.rows[0].values["organizations"]] == ["子）地域連携課"]


def test_every_kind_of_bad_row_is_reported_with_its_row_and_nothing_is_written(
    honbu, staff, admin_user
):
    admin_user.employee_number = "99999"
    admin_user.save()
    jisou = User.objects.get(username="jisou")
    jisou.email = "jisou@city.example.jp"
    jisou.save()
    retired = org("区）健康・子ども課")
    retired.retired_on = datetime.date(2026, 3, 31)
    retired.save()
    before = users_state()
    data = csv_bytes(
        "20001,札幌 太郎,taro@city.example.jp,子）地域連携課,課の担当者,2026-04-01",  # good
        ",番号 なし,none@city.example.jp,保）保護課,課の担当者,",  # 3
        "A 1,番号 不正,bad@city.example.jp,保）保護課,課の担当者,",  # 4
        "20001,二重 番号,twice@city.example.jp,保）保護課,課の担当者,",  # 5
        "20002,,noname@city.example.jp,保）保護課,課の担当者,",  # 6
        "20003," + "長" * 151 + ",long@city.example.jp,保）保護課,課の担当者,",  # 7
        "20004,メール なし,,保）保護課,課の担当者,",  # 8
        "20005,メール 不正,not-an-address,保）保護課,課の担当者,",  # 9
        "20006,メール 二重,taro@city.example.jp,保）保護課,課の担当者,",  # 10
        "20007,メール 使用中,jisou@city.example.jp,保）保護課,課の担当者,",  # 11
        "20008,所属 なし,n8@city.example.jp,,課の担当者,",  # 12
        "20009,所属 不明,n9@city.example.jp,保）存在しない課,課の担当者,",  # 13
        "20010,所属 廃止,n10@city.example.jp,区）健康・子ども課,課の担当者,",  # 14
        "20011,役割 なし,n11@city.example.jp,保）保護課,,",  # 15
        "20012,役割 不明,n12@city.example.jp,保）保護課,部長,",  # 16
        "20013,役割 管理者,n13@city.example.jp,保）保護課,管理者,",  # 17
        "99999,管理者 本人,n14@city.example.jp,保）保護課,課の担当者,",  # 18
        "20015,日付 不正,n15@city.example.jp,保）保護課,課の担当者,来年の春",  # 19
        "hogo,名前 衝突,n16@city.example.jp,保）保護課,課の担当者,",  # 20
    )

    result = import_personnel(file=data, by=honbu)

    assert [(e.row, e.message) for e in result.errors] == [
        (3, "職員番号がありません。"),
        (4, "職員番号「A 1」は使えません（半角の英数字とハイフン、20文字まで）。"),
        (5, "職員番号「20001」が2回あります（1回目は2行目）。"),
        (6, "氏名がありません。"),
        (7, "氏名が長すぎます（151文字。150文字まで）。"),
        (8, "メールアドレスがありません。"),
        (9, "メールアドレス「not-an-address」の形が正しくありません。"),
        (10, "メールアドレス「taro@city.example.jp」が2回あります（1回目は2行目）。"),
        (
            11,
            "メールアドレス「jisou@city.example.jp」はほかの利用者（児童相談所担当）が使っています。",
        ),
        (12, "所属がありません（推進本部・管理者のほかは所属の課が必要です）。"),
        (
            13,
            "所属「保）存在しない課」という課・部がありません。"
            "ポータルの表示どおり（例: 保）保護課）に書いてください。",
        ),
        (14, "所属「区）健康・子ども課」は廃止された課・部です。新しい所属を書いてください。"),
        (15, "役割がありません。課の担当者・課長・推進本部・管理者 のいずれかを書いてください。"),
        (
            16,
            "役割「部長」は使えません。"
            "課の担当者・課長・推進本部・管理者 のいずれかを書いてください。",
        ),
        (17, "管理者の役割は管理者だけが設定できます。"),
        (18, "職員番号「99999」は管理者の利用者です。管理者だけが変更できます。"),
        (
            19,
            "異動日「来年の春」を日付として読めません（例: 2026-04-01、2026/4/1、令和8年4月1日）。",
        ),
        (
            20,
            "新しい利用者のユーザー名「hogo」（職員番号）は、職員番号のない別の利用者が使っています。"
            "その利用者に職員番号を登録してから取り込んでください。",
        ),
    ]
    assert str(result.errors[0]) == "3行目: 職員番号がありません。"
    assert not result.written
    assert users_state() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", personnel.EMPTY_FILE),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, safe_reader.OLD_XLS),
        (b"PK\x03\x04broken zip", safe_reader.NOT_XLSX),
        ("職員番号".encode("cp932") + b"\x81 \x85@", None),
        (
            "職員番号,氏名\r\n1,a".encode(),
            "見出しに「メールアドレス」「所属」「役割」「異動日」がありません。"
            "1行目に 職員番号・氏名・メールアドレス・所属・役割・異動日 の見出しを置いてください"
            "（このファイルの見出し: 「職員番号・氏名」）。",
        ),
        (HEADER.encode(), personnel.NO_ROWS),
        ((HEADER + ",氏名\r\n1,a,b,c,d,e,f").encode(), "見出し「氏名」が2列あります。"),
    ],
    ids=["empty", "xls", "broken-xlsx", "undecodable", "columns", "no-rows", "column-twice"],
)
def test_an_unreadable_file_is_refused_as_a_whole_with_a_japanese_message(honbu, data, message):
    before = users_state()

    result = import_personnel(file=data, by=honbu)

    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.row is None
    if message is None:  # the flat import's own message for an unknown encoding
        assert error.message.startswith("文字コードを判別できませんでした。")
    else:
        assert error.message == message
    assert users_state() == before


def test_section_staff_may_not_import_and_nothing_changes(hogo):
    from django.core.exceptions import PermissionDenied

    before = users_state()
    with pytest.raises(PermissionDenied):
        import_personnel(file=csv_bytes("20001,a b,a@city.example.jp,保）保護課,課長,"), by=hogo)
    assert users_state() == before


def test_an_administrator_may_import_administrators(admin_user):
    data = csv_bytes("20001,管理 次郎,kanri@city.example.jp,,管理者,")

    result = import_personnel(file=data, by=admin_user)

    assert result.ok, result.errors
    user = User.objects.get(employee_number="20001")
    assert user.is_superuser and user.is_staff


def _staff_lines(count, section="保）保護課"):
    return [
        f"{30000 + n},職員 {n},staff{n}@city.example.jp,{section},課の担当者,2026-04-01"
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [3, 60])
def test_the_import_costs_the_same_queries_for_a_few_rows_or_many(
    honbu, count, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30):
        result = import_personnel(file=csv_bytes(*_staff_lines(count)), by=honbu)
    assert result.written and result.counts[personnel.NEW] == count

    moved = csv_bytes(*_staff_lines(count, section="子）地域連携課"))
    with django_assert_max_num_queries(30):
        result = import_personnel(file=moved, by=honbu)
    assert result.counts[personnel.MOVED] == count
    user = User.objects.get(employee_number="30000")
    assert [o.label for o in user.organizations.all()] == ["子）地域連携課"]
    first, second = user.history.order_by("history_id")
    assert (first.history_type, second.history_type) == ("+", "~")
    assert [o.organization.label for o in first.organizations.all()] == ["保）保護課"]
    assert [o.organization.label for o in second.organizations.all()] == ["子）地域連携課"]


def test_deactivation_and_role_changes_are_recorded_under_the_importer(honbu, staff, jisou):
    jisou.employee_number = "10002"
    jisou.save()
    data = csv_bytes("10001,保護 花子,hogo@city.example.jp,保）保護課,推進本部,")

    import_personnel(file=data, by=honbu, deactivate_missing=True)

    staff.refresh_from_db()
    assert role_of(staff) == Role.HQ
    record = staff.history.latest()
    assert record.history_user == honbu
    assert [g.group.name for g in record.groups.all()] == ["推進本部"]
    jisou.refresh_from_db()
    assert not jisou.is_active
    assert (jisou.history.latest().history_user, jisou.history.latest().is_active) == (honbu, False)


def test_a_number_taken_between_the_check_and_the_write_refuses_everything(honbu, monkeypatch):
    from accounts import services

    before = users_state()
    real_check = services._check

    def check_then_someone_else_saves(by, changes, locked, memberships):
        real_check(by, changes, locked, memberships)
        User.objects.create(username="someone", employee_number="20001")

    monkeypatch.setattr(services, "_check", check_then_someone_else_saves)
    data = csv_bytes("20001,札幌 太郎,taro@city.example.jp,保）保護課,課長,")

    result = import_personnel(file=data, by=honbu)

    assert [e.message for e in result.errors] == [services.WRITTEN_MEANWHILE]
    assert not result.written
    assert users_state() == before


def test_a_formula_in_the_personnel_list_is_refused_with_its_cell_named(honbu):
    before = users_state()
    book = xlsx_bytes(
        [[10001, "保護　花子", "hogo@city.example.jp", "=1+1", "課の担当者", "2026-04-01"]]
    )

    result = import_personnel(file=book, by=honbu)

    assert [error.message for error in result.errors] == [
        safe_reader.FORMULA.format(sheet="Sheet", cell="D2")
    ]
    assert users_state() == before

"""Issue "April's personnel changes": the HQ moves a member of staff to another section in a real
browser, and that person then answers for the new section's rows."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from initiatives.models import ProgressEntry
from reporting.access import current_period
from tests.browser.test_accessibility import serious
from tests.browser.test_journeys import home_table

pytestmark = pytest.mark.browser

OLD_SECTION = "保）保護課"
NEW_SECTION = "子）地域連携課"


def references(section):
    entries = ProgressEntry.objects.filter(
        period=current_period(), initiative__sections__label=section
    ).distinct()
    return sorted(entry.reference for entry in entries)


def test_honbu_moves_hogo_to_another_section_and_hogo_then_sees_its_rows(
    seeded_transactional_db, login
):
    old_rows, new_rows = references(OLD_SECTION), references(NEW_SECTION)
    assert new_rows and set(new_rows) != set(old_rows), "the seed gives both sections rows"

    honbu = login("honbu")
    honbu.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="利用者管理"
    ).click()
    expect(honbu.get_by_role("heading", level=1, name="利用者管理")).to_be_visible()
    assert serious(honbu) == []
    honbu.get_by_role("link", name=re.compile(r"^異動\s*（保護課担当）$")).click()
    expect(honbu.get_by_role("heading", level=1)).to_have_text("利用者の異動：保護課担当")
    assert serious(honbu) == []
    honbu.get_by_role("checkbox", name=OLD_SECTION, exact=True).uncheck()
    honbu.get_by_role("checkbox", name=NEW_SECTION, exact=True).check()
    honbu.get_by_label("異動日").fill("2026-04-01")
    honbu.get_by_role("button", name="保存する").click()
    expect(honbu.get_by_role("status")).to_contain_text(
        f"利用者「保護課担当」の所属を {NEW_SECTION} にしました。"
    )
    hogo_row = honbu.get_by_role("row").filter(
        has=honbu.get_by_role("rowheader", name="保護課担当", exact=True)
    )
    expect(hogo_row).to_contain_text(NEW_SECTION)

    hogo = login("hogo")
    row_headers = home_table(hogo, "資料3").get_by_role("rowheader")
    expect(row_headers).to_have_count(len(new_rows))
    assert sorted(row_headers.all_inner_texts()) == new_rows
    record = User.objects.get(username="hogo").history.latest()
    assert record.history_user.username == "honbu"


def test_the_personnel_upload_and_preview_are_accessible(seeded_transactional_db, login, tmp_path):
    User.objects.filter(username="hogo").update(employee_number="10001")
    meibo = tmp_path / "meibo.csv"
    meibo.write_text(
        "職員番号,氏名,メールアドレス,所属,役割,異動日\n"
        f"10001,保護課担当,hogo@city.example.jp,{NEW_SECTION},課の担当者,2026-04-01\n"
        "20001,札幌 太郎,taro@city.example.jp,保）存在しない課,課長,\n",
        encoding="utf-8",
    )
    honbu = login("honbu")
    honbu.goto("/users/import/")
    assert serious(honbu) == []
    honbu.get_by_label("職員名簿のファイル").set_input_files(str(meibo))
    honbu.get_by_role("button", name="内容を確認する").click()

    expect(honbu.get_by_role("alert")).to_contain_text(
        "3行目: 所属「保）存在しない課」という課・部がありません。"
    )
    expect(honbu.get_by_role("button", name="取り込む")).to_have_count(0)
    assert serious(honbu) == []


def test_the_user_pages_are_accessible_and_fit_a_phone(seeded_transactional_db, login):
    hogo = User.objects.get(username="hogo")
    honbu = login("honbu")
    for width in (1366, 390):
        honbu.set_viewport_size({"width": width, "height": 900})
        for path in [
            "/users/",
            "/users/add/",
            f"/users/{hogo.pk}/",
            f"/users/{hogo.pk}/move/",
            f"/users/{hogo.pk}/active/",
            "/users/import/",
        ]:
            honbu.goto(path)
            assert serious(honbu) == [], path
            assert honbu.evaluate("document.documentElement.scrollWidth") <= width, (path, width)

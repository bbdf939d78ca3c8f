"""`python manage.py import_users FILE [--dry-run]`: the personnel list from a scheduled job."""

import pytest
from django.core.management import CommandError, call_command

from accounts.access import MANAGE_DENIED
from accounts.models import User
from tests.test_personnel_import import csv_bytes, users_state


@pytest.fixture
def meibo(tmp_path, hogo):
    User.objects.filter(pk=hogo.pk).update(employee_number="10001", email="hogo@city.example.jp")
    path = tmp_path / "meibo.csv"
    path.write_bytes(
        csv_bytes(
            "10001,保護課担当,hogo@city.example.jp,子）地域連携課,課の担当者,2026-04-01",
            "20001,札幌 太郎,taro@city.example.jp,保）保護課,課長,2026-04-01",
        )
    )
    return path


def test_a_dry_run_prints_what_would_change_and_writes_nothing(meibo, capsys):
    before = users_state()

    call_command("import_users", str(meibo), "--dry-run")

    out = capsys.readouterr().out
    assert "新規 1 件" in out and "異動（所属の変更） 1 件" in out
    assert "2行目 10001 保護課担当: 異動（所属の変更）（所属: 保）保護課 → 子）地域連携課）" in out
    assert "何も書き込んでいません" in out
    assert users_state() == before


def test_the_import_writes_with_history_under_the_named_user(meibo, honbu):
    call_command("import_users", str(meibo), "--user", "honbu")

    hogo = User.objects.get(employee_number="10001")
    assert [o.label for o in hogo.organizations.all()] == ["子）地域連携課"]
    assert hogo.history.latest().history_user == honbu
    assert User.objects.get(employee_number="20001").history.get().history_user == honbu


def test_a_file_with_errors_fails_and_writes_nothing(db, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes("20001,札幌 太郎,taro@city.example.jp,保）保護課,部長,"))
    before = users_state()

    with pytest.raises(CommandError, match="エラー 1 件"):
        call_command("import_users", str(path))

    assert "2行目: 役割「部長」は使えません。" in capsys.readouterr().err
    assert users_state() == before


def test_section_staff_named_as_the_user_are_refused(meibo):
    before = users_state()
    with pytest.raises(CommandError, match=MANAGE_DENIED):
        call_command("import_users", str(meibo), "--user", "jisou")
    assert users_state() == before

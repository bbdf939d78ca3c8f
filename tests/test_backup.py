"""A backup restored into a fresh database gives the same committee documents."""

import os
import subprocess
import sys

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from operations.backup import pg_environment

pytestmark = pytest.mark.django_db

RESTORED = "test_vp_restored"


def export(tmp_path, name, database_url):
    out = tmp_path / f"{name}.xlsx"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "vision_portal.settings.local",
    }
    for document in ("shiryo2", "shiryo3"):
        target = tmp_path / f"{name}-{document}.xlsx"
        subprocess.run(
            [sys.executable, "manage.py", f"export_{document}", str(target), "--period", "R5H1"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
        )
    return out


def cells(path):
    book = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book}


def test_restored_backup_exports_identical_documents(tmp_path):
    env, name = pg_environment(connection.settings_dict)
    subprocess.run(["dropdb", "--if-exists", RESTORED], env=env, check=True)
    dump = tmp_path / "backup.dump"
    # The seed of the test database is committed (loaded once per session), so pg_dump sees it.
    call_command("backup", str(dump))
    call_command("restore", str(dump), "--database", RESTORED)
    try:
        user, host = env.get("PGUSER", "postgres"), env.get("PGHOST", "127.0.0.1")
        base = f"postgres://{user}@{host}:{env.get('PGPORT', '5432')}"
        export(tmp_path, "original", f"{base}/{name}")
        export(tmp_path, "restored", f"{base}/{RESTORED}")
        for document in ("shiryo2", "shiryo3"):
            original = cells(tmp_path / f"original-{document}.xlsx")
            restored = cells(tmp_path / f"restored-{document}.xlsx")
            assert restored == original
            assert len(original) >= 5
    finally:
        subprocess.run(["dropdb", "--if-exists", RESTORED], env=env, check=True)


def test_restore_never_overwrites_an_existing_database(tmp_path):
    from django.core.management.base import CommandError

    _, name = pg_environment(connection.settings_dict)
    dump = tmp_path / "backup.dump"
    call_command("backup", str(dump))
    with pytest.raises(CommandError, match="作れません"):
        call_command("restore", str(dump), "--database", name)

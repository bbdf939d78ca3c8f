"""Every run starts from a clean database: rows that an earlier run committed outside its test
transactions (as a fault in the seed or in opening a period would) are gone in the next run.

The two inner tests run only inside the outer one, each in a pytest run of its own on a test
database of its own."""

import os
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from reporting.models import ReportingPeriod
from tests.cleandb import _maintenance

INNER = os.environ.get("VISION_PORTAL_INNER_RUN") == "1"
LEAK_DB = "test_vp_clean_check"
LEAKED_CODE = "LEAK"


def inner_run(test):
    env = {**os.environ, "VISION_PORTAL_INNER_RUN": "1", "TEST_DATABASE_NAME": LEAK_DB}
    env.pop("MUTANT_UNDER_TEST", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--keep-test-db", f"{__file__}::{test}"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


def leaked_rows():
    params = connection.get_connection_params()
    with psycopg.connect(
        host=params["host"], port=params["port"], user=params["user"], dbname=LEAK_DB
    ) as conn:
        return conn.execute(
            "select count(*) from reporting_reportingperiod where code = %s", [LEAKED_CODE]
        ).fetchone()[0]


@pytest.mark.skipif(INNER, reason="the outer test")
def test_rows_committed_by_one_run_are_gone_in_the_next():
    first = inner_run("test_inner_commits_a_row_outside_the_test_transaction")
    try:
        assert first.returncode == 0, first.stdout + first.stderr
        assert leaked_rows() == 1
        second = inner_run("test_inner_sees_no_row_of_an_earlier_run")
        assert second.returncode == 0, second.stdout + second.stderr
        assert "1 passed" in second.stdout
    finally:
        with _maintenance() as maintenance:
            maintenance.execute(f'drop database if exists "{LEAK_DB}" with (force)')


@pytest.mark.skipif(not INNER, reason="run by the outer test only")
@pytest.mark.django_db
def test_inner_commits_a_row_outside_the_test_transaction(period):
    params = connection.get_connection_params()
    with psycopg.connect(
        host=params["host"],
        port=params["port"],
        user=params["user"],
        dbname=params["dbname"],
        autocommit=True,
    ) as conn:
        # A copy of the period under another code, whatever columns the table has by now.
        columns = [
            name
            for (name,) in conn.execute(
                "select column_name from information_schema.columns "
                "where table_name = 'reporting_reportingperiod' "
                "and column_name not in ('id', 'code', 'name', 'is_current')"
            )
        ]
        copied = ", ".join(columns)
        conn.execute(
            f"insert into reporting_reportingperiod (code, name, is_current, {copied}) "
            f"select %s, 'leak', false, {copied} from reporting_reportingperiod where id = %s",
            [LEAKED_CODE, period.pk],
        )


@pytest.mark.skipif(not INNER, reason="run by the outer test only")
@pytest.mark.django_db
def test_inner_sees_no_row_of_an_earlier_run(period):
    assert not ReportingPeriod.objects.filter(code=LEAKED_CODE).exists()
    assert ReportingPeriod.objects.filter(code="R5H1").exists()

"""Shared fixtures. Each run starts from a clean copy of a template database that holds the
migrated schema, the seed and the personas (tests/cleandb.py); each test runs in a transaction
rolled back after it."""

import os
import traceback

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from reporting import choices
from reporting.models import ReportingPeriod
from tests import mutation
from tests.cleandb import (
    clean_test_database,
    drop_test_database,
    mark_dirty,
    recopy_test_database,
)


def pytest_addoption(parser):
    parser.addoption(
        "--keep-test-db",
        action="store_true",
        help="leave the run's test database in place afterwards (to look into it)",
    )


def pytest_collection_modifyitems(items):
    mutation.order_killers_first(items)


def pytest_runtest_logreport(report):
    mutation.record_killer(report)


def pytest_runtest_setup(item):
    marker = item.get_closest_marker("django_db")
    if "transactional_db" in item.fixturenames or (marker and marker.kwargs.get("transaction")):
        mark_dirty()


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_createdb,
    django_db_modify_db_settings,  # pytest-xdist: a test database per worker
):
    """Replaces pytest-django's: a fresh test database per run, copied from the template (built
    again when the migrations, the models or the seed change, or with --create-db)."""
    with django_db_blocker.unblock():
        try:
            clean_test_database(rebuild=django_db_createdb)
            # The filters' lists as this code writes them, as a migrate would keep them: the
            # template is kept while the migrations, models and seed stay the same.
            choices.keep_all()
        except Exception:
            if mutation.mutant_under_test():
                # Not the mutant's doing (no mutated code builds the test database): mutmut
                # calls exit code 35 suspicious, where a failed test would count as a kill.
                traceback.print_exc()
                os._exit(35)
            raise
    yield
    if not request.config.getoption("--keep-test-db"):
        with django_db_blocker.unblock():
            drop_test_database()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache. A test's writes are rolled back with their data
    revisions, but the sequence behind them is not, so no number comes back; the cache is
    emptied all the same, so that no test depends on another's pages."""
    cache.clear()


@pytest.fixture
def seeded_transactional_db(transactional_db, django_db_blocker):
    """Transactional tests (live server) commit their writes: each starts from a fresh copy of
    the template (Django also empties every table after each of them, and pytest-django runs
    them after all the others)."""
    with django_db_blocker.unblock():
        recopy_test_database()
        choices.keep_all()


def _persona(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def admin_user(db):
    return _persona("admin")


@pytest.fixture
def honbu(db):
    return _persona("honbu")


@pytest.fixture
def hogo(db):
    return _persona("hogo")


@pytest.fixture
def jisou(db):
    return _persona("jisou")


@pytest.fixture
def period(db):
    """The seeded current period, 令和５年度上半期."""
    return ReportingPeriod.objects.get(code="R5H1")


@pytest.fixture
def empty_period(period):
    """A period with the same months (so the same titles and headings) and no entries."""
    return ReportingPeriod.objects.create(
        code="R5H1-2",
        name="令和５年度上半期（再）",
        results_until=period.results_until,
        plans_from=period.plans_from,
    )


@pytest.fixture(scope="session")
def smtp_server():
    """The test run's real SMTP server on 127.0.0.1, started on first use."""
    from tests.smtp import SMTPServer

    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server, settings):
    """Mail in this test goes through the real SMTP server; returns its emptied inbox."""
    for name, value in smtp_server.settings().items():
        setattr(settings, name, value)
    smtp_server.inbox.clear()
    return smtp_server.inbox

"""A clean test database for every run.

The schema, the seed and the personas are built once into a template database
(`test_vision_portal_template_<key>`), the key being a hash of the migrations, the models and the
seed files and their loader, so a change to any of them builds a new one. It is built under
another name, all in one go, and renamed only when complete: a fault in the migrations, the seed or
the code they call leaves no template behind. Each run then drops its test database and copies it
afresh from the template (a file copy, well under a second), so nothing a test or an earlier run
left behind, committed or not, reaches the next run.

Mutation testing (`make mutation`) starts a test session per mutant, several at a time. Copying
and dropping a database costs each of them two seconds or more, so a mutant's session takes a free
*slot* (an advisory lock held by its connection, so a killed session frees it) and keeps that
slot's database for the next session: every test runs in a transaction rolled back after it, so
the database is as clean at the end as at the start. It is marked clean only at a session's normal
end, and only if no transactional test (which commits, then empties every table) ran; any other
end leaves it unmarked, and the next session of that slot copies it afresh.
"""

import hashlib
import os

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from psycopg import sql

from operations.demo import create_demo_users
from operations.seed import load_all

# One template per cluster, shared by suites run side by side under other test database names;
# mutation testing keeps its own (built from its copy of the code), which other runs leave alone.
TEMPLATE_PREFIX = "test_vision_portal_template_"
MUTATION_TEMPLATE_PREFIX = "test_vision_portal_mutation_"
LOCK_KEY = 1_717_001  # pg_advisory_lock: one template build at a time per cluster
SLOT_LOCK_KEY = 1_717_002  # pg_try_advisory_lock(SLOT_LOCK_KEY, n): slot n in use
SLOTS = 16  # more than mutmut ever runs at once
CLEAN = "clean copy of {template}"  # the slot database's comment while it may be reused


def load_seed_and_personas():
    load_all()
    create_demo_users()


def template_key():
    """A hash of what shapes the template: the migrations, the models, the seed files and the
    code that loads them. Other code changes leave it be (so a test run after an edit to a view
    does not rebuild it); `pytest --create-db` rebuilds it whatever changed."""
    digest = hashlib.sha256()
    base = settings.BASE_DIR
    paths = [
        *base.glob("*/migrations/*.py"),
        *base.glob("*/models.py"),
        *base.glob("fixtures/**/*"),
        *(base / "operations" / name for name in ("seed.py", "demo.py")),
    ]
    for path in sorted(paths):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(base)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _test_name_base():
    return settings.DATABASES["default"].get("TEST", {}).get("NAME") or "test_vision_portal"


def _under_mutant():
    return "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", "")


def _test_name():
    name = _test_name_base()
    if "MUTANT_UNDER_TEST" in os.environ:
        name = f"{name}_m{os.getpid()}"
    return name


def _take_slot(base):
    """The name of a free slot's database, its lock held by a connection kept for the session."""
    slot_connection = _maintenance()
    for slot in range(SLOTS):
        row = slot_connection.execute(
            "select pg_try_advisory_lock(%s, %s)", [SLOT_LOCK_KEY, slot]
        ).fetchone()
        if row[0]:
            RUN["slot_connection"] = slot_connection
            return f"{base}_slot{slot}"
    slot_connection.close()
    raise RuntimeError(f"all {SLOTS} test database slots are taken")


def _is_clean_copy(cursor, name, template):
    cursor.execute(
        "select shobj_description(oid, 'pg_database') from pg_database where datname = %s", [name]
    )
    row = cursor.fetchone()
    return row is not None and row[0] == CLEAN.format(template=template)


def _comment(cursor, name, text):
    # No parameters in utility statements: the comment goes in as a quoted literal.
    cursor.execute(sql.SQL("comment on database {} is {}").format(sql.Identifier(name), text))


def mark_dirty():
    """This session commits to its database (a transactional test): no later session reuses it."""
    RUN["dirty"] = True


def _maintenance():
    """An autocommit connection to the cluster's `postgres` database."""
    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return psycopg.connect(**params, autocommit=True)


def _exists(cursor, name):
    cursor.execute("select 1 from pg_database where datname = %s", [name])
    return cursor.fetchone() is not None


def _drop(cursor, name):
    cursor.execute(f'drop database if exists "{name}" with (force)')


def _use(name):
    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name


def _build_template(cursor, template):
    building = f"{template}_building"
    _drop(cursor, building)
    cursor.execute(f'create database "{building}"')
    try:
        _use(building)
        call_command("migrate", verbosity=0, interactive=False)
        with transaction.atomic():
            load_seed_and_personas()
        connection.close()
    except BaseException:
        connection.close()
        _drop(cursor, building)
        raise
    cursor.execute(f'alter database "{building}" rename to "{template}"')


# What this run set up: the database name Django had before, and the template of this run.
RUN = {}


class _Locked:
    """The maintenance connection's cursor, holding the cluster-wide lock on the templates."""

    def __enter__(self):
        self.connection = _maintenance()
        self.cursor = self.connection.cursor()
        self.cursor.execute("select pg_advisory_lock(%s)", [LOCK_KEY])
        return self.cursor

    def __exit__(self, *exc):
        self.connection.close()  # which releases the lock


def _copy(cursor, template, name):
    _drop(cursor, name)
    cursor.execute(f'create database "{name}" template "{template}"')


def clean_test_database(*, rebuild=False):
    """Point Django at a fresh copy of the template, building the template first if needed."""
    RUN.setdefault("original", settings.DATABASES["default"]["NAME"])
    prefix = MUTATION_TEMPLATE_PREFIX if "MUTANT_UNDER_TEST" in os.environ else TEMPLATE_PREFIX
    RUN["template"] = template = f"{prefix}{template_key()}"
    under_mutant = _under_mutant()
    test_name = _take_slot(_test_name_base()) if under_mutant else _test_name()
    with _Locked() as cursor:
        if rebuild:
            _drop(cursor, template)
        if not _exists(cursor, template):
            if _under_mutant():
                # A template built by mutated code would pass its faults on to every run.
                raise RuntimeError(f"{template} is missing: run the tests once unmutated.")
            _build_template(cursor, template)
            # Templates of earlier code are of no further use.
            cursor.execute(
                "select datname from pg_database where datname like %s and datname <> %s",
                [prefix.replace("_", "\\_") + "%", template],
            )
            for (old,) in cursor.fetchall():
                _drop(cursor, old)
        if under_mutant and _is_clean_copy(cursor, test_name, template):
            _comment(cursor, test_name, "in use")
        else:
            _copy(cursor, template, test_name)
            if under_mutant:
                _comment(cursor, test_name, "in use")
    _use(test_name)


def recopy_test_database():
    """The test database afresh from the template, in place of its present state."""
    connection.close()
    with _Locked() as cursor:
        _copy(cursor, RUN["template"], settings.DATABASES["default"]["NAME"])


def drop_test_database():
    test_name = settings.DATABASES["default"]["NAME"]
    _use(RUN.get("original", test_name))
    slot_connection = RUN.pop("slot_connection", None)
    if slot_connection is not None:
        # A mutant's slot: kept for the next session, clean unless a test committed to it.
        if not RUN.get("dirty"):
            _comment(slot_connection.cursor(), test_name, CLEAN.format(template=RUN["template"]))
        slot_connection.close()
        return
    with _Locked() as cursor:
        _drop(cursor, test_name)

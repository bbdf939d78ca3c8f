"""`make setup` works from a fresh clone in a private directory (mode 700, as `mktemp -d` makes
and as /root is), on its own port, and `make stop` stops that cluster again.

The clone is of this checkout with its uncommitted changes to tracked files applied, so the test
runs the scripts as they are being edited. It reuses pip's cache, and never touches the cluster
this suite's own test database lives on: another PGPORT, and none of this run's database
variables."""

import os
import shutil
import socket
import stat
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

pytestmark = pytest.mark.fresh_clone

SOURCE = Path(settings.BASE_DIR)
# Variables of this run that would point the clone's make at this run's database or venv.
FOREIGN = ("DATABASE_URL", "TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV", "PGPORT")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, cwd, env=None, check=True):
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if check and done.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def clone_with_changes(target):
    run(["git", "clone", "--quiet", str(SOURCE), str(target)], cwd=SOURCE.parent)
    diff = run(["git", "diff", "HEAD", "--binary"], cwd=SOURCE).stdout
    if diff:
        subprocess.run(
            ["git", "apply", "--whitespace=nowarn"], cwd=target, input=diff, text=True, check=True
        )


@pytest.fixture
def private_clone():
    """A clone in a fresh mktemp -d directory; its cluster and the directory are removed after."""
    parent = Path(tempfile.mkdtemp(prefix="vision-portal-"))
    checkout = parent / "vision-portal"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN} | {"PGPORT": str(port)}
    try:
        clone_with_changes(checkout)
        yield checkout, port, env
    finally:
        if (checkout / "scripts" / "pg.sh").exists():
            run(["scripts/pg.sh", "remove"], cwd=checkout, env=env, check=False)
        shutil.rmtree(parent, ignore_errors=True)


def test_make_setup_works_from_a_clone_in_a_private_directory(private_clone):
    checkout, port, env = private_clone
    parent_mode = stat.S_IMODE(checkout.parent.stat().st_mode)
    assert parent_mode == 0o700

    run(["make", "setup"], cwd=checkout, env=env)

    with psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", dbname="vision_portal"
    ) as conn:
        periods = conn.execute("select count(*) from reporting_reportingperiod").fetchone()[0]
        users = conn.execute(
            "select count(*) from accounts_user where username = any(%s)",
            [["admin", "honbu", "hogo", "jisou"]],
        ).fetchone()[0]
        data_directory = Path(conn.execute("show data_directory").fetchone()[0])
    assert periods >= 2
    assert users == 4
    # The user's directory keeps its permissions; the data lives where scripts/pg.sh says.
    assert stat.S_IMODE(checkout.parent.stat().st_mode) == parent_mode
    home = Path(run(["scripts/pg.sh", "dir"], cwd=checkout, env=env).stdout.strip())
    assert data_directory == home / "data"
    if os.getuid() == 0:
        assert not data_directory.is_relative_to(checkout)
        assert home.name.startswith("vision-portal-")

    stopped = run(["make", "stop"], cwd=checkout, env=env)
    assert "stopped" in stopped.stdout
    status = run(["scripts/pg.sh", "status"], cwd=checkout, env=env, check=False)
    assert status.stdout.strip() == "stopped"
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host="127.0.0.1", port=port, user="postgres", connect_timeout=3)


def test_two_checkouts_never_share_a_cluster_directory(tmp_path):
    homes = set()
    for name in ("a", "b"):
        checkout = tmp_path / name / "vision-portal"
        (checkout / "scripts").mkdir(parents=True)
        shutil.copy(SOURCE / "scripts" / "pg.sh", checkout / "scripts" / "pg.sh")
        env = {k: v for k, v in os.environ.items() if k not in FOREIGN}
        homes.add(run(["scripts/pg.sh", "dir"], cwd=checkout, env=env).stdout.strip())
    assert len(homes) == 2

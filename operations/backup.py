"""Running the PostgreSQL client tools with the connection details of Django's own settings."""

import os
import subprocess

from django.core.management.base import CommandError


def pg_environment(settings_dict):
    """(environment for pg_dump/pg_restore/createdb, database name)."""
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env, settings_dict["NAME"]


def run(command, env, failure):
    """Run a client tool; a failure becomes CommandError "{failure}: {the tool's message}"."""
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise CommandError(f"{failure}: {done.stderr.strip()}")

"""Connection details for the PostgreSQL client tools, taken from Django's own settings."""

import os


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

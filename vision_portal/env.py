"""Read settings from the environment, failing loudly when a required value is missing."""

import os

from django.core.exceptions import ImproperlyConfigured

_REQUIRED = object()


def env_str(name, default=_REQUIRED):
    value = os.environ.get(name)
    if value is None or value == "":
        if default is _REQUIRED:
            raise ImproperlyConfigured(f"環境変数 {name} を設定してください。")
        return default
    return value


def env_bool(name, default=_REQUIRED):
    raw = env_str(name, None if default is not _REQUIRED else _REQUIRED)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"環境変数 {name} は true か false で指定してください（値: {raw!r}）。"
    )


def env_int(name, default=_REQUIRED):
    raw = env_str(name, None if default is not _REQUIRED else _REQUIRED)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"環境変数 {name} は整数で指定してください（値: {raw!r}）。"
        ) from None


def env_list(name, default=_REQUIRED):
    raw = env_str(name, None if default is not _REQUIRED else _REQUIRED)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]

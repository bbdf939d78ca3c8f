"""Uploaded files kept between the preview (dry run) and the confirmation, so people do not have
to choose the file twice. Each file lives under a random token remembered in the session."""

import secrets
import time
from pathlib import Path

from django.conf import settings

MAX_AGE_SECONDS = 24 * 60 * 60


def _folder():
    folder = Path(settings.UPLOAD_TEMP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep(data):
    """Store the bytes; returns the token. Files older than a day are removed on the way."""
    folder = _folder()
    cutoff = time.time() - MAX_AGE_SECONDS
    for old in folder.glob("*.xlsx"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.xlsx").write_bytes(data)
    return token


def load(token):
    """The bytes kept under `token`, or None (unknown, expired or tampered token)."""
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    path = _folder() / f"{token}.xlsx"
    return path.read_bytes() if path.is_file() else None


def discard(token):
    if token and token.replace("-", "").replace("_", "").isalnum():
        (_folder() / f"{token}.xlsx").unlink(missing_ok=True)

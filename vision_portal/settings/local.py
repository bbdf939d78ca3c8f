"""Developer machine and `make run`: debug on, a fixed throwaway secret, demo users allowed."""

import os

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = "local-development-only-not-secret"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
DEMO_USERS_ENABLED = True
UPLOAD_TEMP_DIR = BASE_DIR / "var" / "uploads"  # noqa: F405
# Without a mail server, `make run` prints each mail on the console.
if not os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

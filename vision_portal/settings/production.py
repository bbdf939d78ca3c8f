"""Production: every secret and host comes from the environment; nothing insecure by default.

Required: DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL.
"""

from vision_portal.env import env_bool, env_int, env_list, env_str

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
DEMO_USERS_ENABLED = False
# Uploaded spreadsheets waiting for confirmation (deleted after a day).
UPLOAD_TEMP_DIR = env_str("DJANGO_UPLOAD_TEMP_DIR", str(BASE_DIR / "var" / "uploads"))  # noqa: F405

DATABASES["default"] = {  # noqa: F405
    **dj_database_url.parse(env_str("DATABASE_URL"), conn_max_age=60),  # noqa: F405
    "OPTIONS": DATABASES["default"].get("OPTIONS", {}),  # noqa: F405
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

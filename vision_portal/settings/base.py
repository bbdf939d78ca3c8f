"""Settings shared by every environment. Environment-specific modules import * from here."""

import os
from pathlib import Path

import dj_database_url

from vision_portal.env import env_bool, env_int, env_list, env_str
from vision_portal.ldap import backends_with_directory, directory_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "django_filters",
    "import_export",
    "core.apps.AxesConfig",
    "csp",
    "accounts",
    "departments",
    "reporting",
    "initiatives",
    "recommendations",
    "documents",
    "dashboard",
    "public",
    "core",
    "cycle",
    "shell",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.IdleSessionMiddleware",
    # Every page needs a login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vision_portal.urls"
WSGI_APPLICATION = "vision_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# The project's own PostgreSQL listens on 127.0.0.1:$PGPORT (see scripts/pg.sh);
# DATABASE_URL points everything at another server instead.
PGPORT = env_int("PGPORT", 55432)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"postgres://postgres@127.0.0.1:{PGPORT}/vision_portal"),
        conn_max_age=60,
    )
}
# The pages repeat the same few many-join queries, whose planning costs more than running them:
# server-side binding lets psycopg prepare a statement after 5 runs on a connection. Turn off
# (DB_PREPARED_STATEMENTS=false) behind a pooler in transaction mode, such as pgbouncer.
if env_bool("DB_PREPARED_STATEMENTS", True):
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
# Planner settings for each connection, as "name=value" separated by spaces; empty
# (DB_PLANNER_SETTINGS=) leaves the server's, e.g. behind a pooler that refuses startup options.
# random_page_cost: the data fits in memory many times over, so a read by index costs about as
# much as one in sequence; with the default (4, for spinning disks) PostgreSQL scanned every
# organisation to look up each list row's labels by key. plan_cache_mode: a prepared
# statement's generic plan from its first run, not after five more planned for their values:
# planning a list's rows took 2–3 ms, as long as running them, and no statement of the pages,
# exports or dashboard ran slower by more than that with the generic plan (at 100×).
DB_PLANNER_SETTINGS = os.environ.get(
    "DB_PLANNER_SETTINGS", "random_page_cost=1.1 plan_cache_mode=force_generic_plan"
).split()
if DB_PLANNER_SETTINGS:
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(
        f"-c {setting}" for setting in DB_PLANNER_SETTINGS
    )

# Each worker's own memory is enough: the cached lists and filter choices are keyed by the data
# revision (core/models.py), so no worker needs telling of another's writes. A dotted backend
# path in DJANGO_CACHE_BACKEND replaces it (the load test measures the lists with DummyCache).
# A list page is at most ~70 kB: 500 entries keep a worker under ~35 MB.
CACHES = {
    "default": {
        "BACKEND": env_str("DJANGO_CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "OPTIONS": {"MAX_ENTRIES": 500},
    }
}
# How long a rendered list is kept (its key changes with every write it shows anyway). 0 keeps
# none: the load test measures with it every list request as the first after a write, the
# filter choices and the rest still cached as they are then.
LIST_CACHE_SECONDS = env_int("LIST_CACHE_SECONDS", 600)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses logins for a locked-out username and address before the others look.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Optional directory login (LDAP / Active Directory): only with LDAP_SERVER_URI set (README).
LDAP_SECTION_ATTRIBUTE = ""
LDAP_SECTION_GROUPS = {}
LDAP_ROLE_GROUPS = {}
_DIRECTORY = directory_settings(os.environ)
globals().update(_DIRECTORY)
AUTHENTICATION_BACKENDS = backends_with_directory(AUTHENTICATION_BACKENDS, _DIRECTORY)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"

# Login throttling (django-axes): five failed logins for one user from one address lock that
# pair until an administrator unlocks it in the admin (アクセスの試行 → delete).
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = None
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"

# Idle sessions end after 30 minutes without a request (core/middleware.py slides the expiry),
# and when the browser closes.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ja"
# The project's translations come first: they fill in what the libraries' catalogues leave out.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# Content-Security-Policy: everything is served by the portal itself; no inline script or
# style, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-import-export: write through the model's save() so history is recorded.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# The public progress summary (資料2 (7)(ｲ)): approved 実施状況 only, no login. Off with false.
PUBLIC_SUMMARY_ENABLED = env_bool("PUBLIC_SUMMARY_ENABLED", True)

# django-import-export: the admin's flat CSV/XLSX import and export (flatfiles/formats.py,
# flatfiles/resources.py). Importing needs the model's change permission, exporting its view
# permission (without these, any staff user could import into any model's admin). Entries are
# further checked row by row against reporting/rules.py.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# The resources escape every cell starting with = + - @ tab or CR themselves (the library's own
# option would only strip a leading "=", changing the text).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

# Mail (cycle/mail.py, send_reminders): the city's SMTP server from the environment. Local
# settings print mail on the console unless EMAIL_HOST is set.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "vision-portal@localhost")
# Where the mails' links point: the address people open the portal at.
PORTAL_URL = env_str("PORTAL_URL", "http://127.0.0.1:8000")
# Days before the deadline on which each section is reminded of its unsubmitted rows.
REMINDER_DAYS = [int(day) for day in env_list("REMINDER_DAYS", ["14", "7", "1"])]

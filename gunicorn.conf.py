"""gunicorn settings for production and the load test (`make serve`, scripts/load.sh).

Every value can be overridden with the GUNICORN_* variables below or gunicorn's own flags."""

import multiprocessing
import os

wsgi_app = "vision_portal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: the pages are short database-bound requests; 2 per core plus one.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
max_requests = 2000  # recycle workers now and then
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"

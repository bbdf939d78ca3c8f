"""Benchmark: page speed and SQL query counts at 1×, 10× and 100× the seed data, with the admin
changelist of the same model as the baseline, and the document exports and a flat import.

    make bench                      # or: .venv/bin/python scripts/bench.py [--sizes 1 10 100]

Runs on its own throwaway database (vision_portal_bench on the project's PostgreSQL, dropped
and recreated), never on the portal's data. Prints Markdown tables for README.
"""

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PGPORT = os.environ.get("PGPORT", "55432")
BENCH_DB = "vision_portal_bench"
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{PGPORT}/{BENCH_DB}"
# Measured as production runs: production settings (cached templates, no debug), plain http.
os.environ["DJANGO_SETTINGS_MODULE"] = "vision_portal.settings.production"
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-" + os.urandom(24).hex())
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"

import django  # noqa: E402

REQUESTS = 20


def recreate_database():
    import psycopg

    with psycopg.connect(
        f"host=127.0.0.1 port={PGPORT} user=postgres dbname=postgres", autocommit=True
    ) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def prepare():
    from django.core.management import call_command

    from portal.demo import create_demo_users
    from portal.seed import load_all

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    load_all()
    create_demo_users()


def pages():
    """(name, user, url, admin baseline url)."""
    from django.urls import reverse

    from initiatives.models import ProgressEntry
    from recommendations.models import ActionReport

    entry = ProgressEntry.objects.filter(
        period__code="R5H1", initiative__sections__label="保）保護課"
    ).first()
    report = ActionReport.objects.filter(
        period__code="R5H1", action__departments__label="子）児童相談所"
    ).first()
    entries_admin = reverse("admin:initiatives_progressentry_changelist")
    reports_admin = reverse("admin:recommendations_actionreport_changelist")
    return [
        ("自課の取組（hogo）", "hogo", reverse("home"), entries_admin),
        (
            "資料3 一覧（分類・キーワード）",
            "honbu",
            reverse("initiatives:list") + "?category=3&q=研修",
            entries_admin,
        ),
        (
            "資料2 一覧（項目・区分）",
            "honbu",
            reverse("recommendations:list") + "?chapter=1&classification=B",
            reports_admin,
        ),
        ("資料3 詳細", "hogo", reverse("initiatives:detail", args=[entry.pk]), entries_admin),
        ("資料2 詳細", "jisou", reverse("recommendations:detail", args=[report.pk]), reports_admin),
        ("ダッシュボード", "honbu", reverse("dashboard:index"), reports_admin),
        ("公開ページ", None, reverse("public:summary"), reports_admin),
    ]


def median_ms(client, url, *, empty_cache):
    from django.core.cache import cache

    times = []
    for _ in range(REQUESTS):
        if empty_cache:
            cache.clear()
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000


def measure(client, url):
    """(median ms with an empty cache, as after every write; median ms cached; queries with an
    empty cache)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm-up
    cold = median_ms(client, url, empty_cache=True)
    warm = median_ms(client, url, empty_cache=False)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return cold, warm, len(queries)


def bench_pages(size):
    from django.contrib.auth import get_user_model
    from django.test import Client

    User = get_user_model()
    admin = Client(HTTP_HOST="127.0.0.1")
    admin.force_login(User.objects.get(username="admin"))
    rows = []
    for name, username, url, admin_url in pages():
        client = Client(HTTP_HOST="127.0.0.1")
        if username:
            client.force_login(User.objects.get(username=username))
        page_ms, cached_ms, page_queries = measure(client, url)
        admin_ms, _, admin_queries = measure(admin, admin_url)
        rows.append(
            (
                size,
                name,
                page_ms,
                cached_ms,
                page_queries,
                admin_ms,
                admin_queries,
                page_ms / admin_ms,
            )
        )
    return rows


def timed(function):
    """(seconds, peak MiB): seconds from a plain run, the peak of Python's memory from a second
    run under tracemalloc (which slows Python down several times). Each run's writes are rolled
    back, so both start from the same data."""
    from django.db import transaction

    def run():
        with transaction.atomic():
            result = function()
            transaction.set_rollback(True)
        return result

    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    result = run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 1024 / 1024


def bench_documents(size):
    """Export of both documents, if the documents app provides them."""
    try:
        from documents import exports
    except ImportError:
        return []
    from reporting.models import ReportingPeriod

    period = ReportingPeriod.objects.get(is_current=True)
    rows = []
    for name, function in (
        ("資料2 エクスポート", exports.export_shiryo2),
        ("資料3 エクスポート", exports.export_shiryo3),
    ):
        _, seconds, peak = timed(lambda function=function: function(period))
        rows.append((size, name, seconds, peak))
    return rows


def bench_flat_import(size, rows=5000):
    """The admin's flat import of 5,000 実施状況 rows (each text changed), as an admin would."""
    import tablib
    from django.contrib.auth import get_user_model

    from recommendations.models import ImplementationStatus
    from recommendations.resources import ImplementationStatusResource

    statuses = ImplementationStatus.objects.order_by("pk")
    if statuses.count() < rows:
        return []
    resource = ImplementationStatusResource()
    exported = resource.export(queryset=statuses[:rows])
    column = exported.headers.index("実施状況")
    changed = tablib.Dataset(headers=exported.headers)
    for row in exported:
        row = list(row)
        row[column] = f"{row[column] or ''}（ベンチマーク）"
        changed.append(row)
    admin = get_user_model().objects.get(username="admin")
    result, seconds, peak = timed(
        lambda: resource.import_data(changed, dry_run=False, user=admin, use_transactions=True)
    )
    assert not result.has_errors() and not result.has_validation_errors(), "flat import failed"
    return [(size, f"管理画面の一括取込み（実施状況 {rows:,} 行）", seconds, peak)]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100])
    args = parser.parse_args()

    django.setup()
    from django.db import connection

    from portal.synthetic import multiply_seed

    page_rows, document_rows = [], []
    for size in sorted(args.sizes):
        # Each size from a fresh seed: 100× is 10× the rows over 10 periods (portal/synthetic.py).
        connection.close()
        recreate_database()
        prepare()
        if size > 1:
            multiply_seed(size)
        print(f"{size}×: measuring…", file=sys.stderr)
        page_rows += bench_pages(size)
        document_rows += bench_documents(size)
        document_rows += bench_flat_import(size)
    connection.close()

    cores = os.cpu_count()
    print(
        f"\nMachine: {cores} cores. Median of {REQUESTS} requests, in-process (test client);"
        " the cache emptied before each request (as after every write), and then kept.\n"
    )
    print(
        "| size | page | median ms | cached ms | queries | admin changelist ms | admin queries"
        " | page / admin |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size, name, ms, cached_ms, queries, admin_ms, admin_queries, ratio in page_rows:
        cells = [
            f"{size}×",
            name,
            f"{ms:.1f}",
            f"{cached_ms:.1f}",
            queries,
            f"{admin_ms:.1f}",
            admin_queries,
            f"{ratio:.2f}",
        ]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    if document_rows:
        print("\n| size | task | seconds | peak MiB (Python) |")
        print("| --- | --- | ---: | ---: |")
        for size, name, seconds, peak in document_rows:
            print(f"| {size}× | {name} | {seconds:.2f} | {peak:.1f} |")


if __name__ == "__main__":
    main()

"""Benchmark: page speed and SQL query counts at 1×, 10×, 100× and 1,000× the seed data, with
the admin changelist of the same model and the trivial view as baselines, and the document
exports and a flat import.

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
TRIVIAL = "/healthz/"  # reads the session and the user: the least a logged-in page costs


def recreate_database():
    import psycopg

    with psycopg.connect(
        f"host=127.0.0.1 port={PGPORT} user=postgres dbname=postgres", autocommit=True
    ) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def prepare():
    from django.core.management import call_command

    from operations.demo import create_demo_users
    from operations.seed import load_all

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
        # The lists above fill more of their page as the data grows; these show a full page
        # (50 rows) at every size.
        ("資料3 一覧（今期の全件）", "honbu", reverse("initiatives:list"), entries_admin),
        ("資料2 一覧（今期の全件）", "honbu", reverse("recommendations:list"), reports_admin),
        ("資料3 詳細", "hogo", reverse("initiatives:detail", args=[entry.pk]), entries_admin),
        ("資料2 詳細", "jisou", reverse("recommendations:detail", args=[report.pk]), reports_admin),
        ("ダッシュボード", "honbu", reverse("dashboard:index"), reports_admin),
        ("公開ページ", None, reverse("public:summary"), reports_admin),
    ]


def one_request_ms(client, url, *, empty_cache=True):
    from django.core.cache import cache

    if empty_cache:
        cache.clear()
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return elapsed * 1000


def query_count(client, url):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)


def bench_pages(size):
    """Each page with an empty cache (as after every write), its admin changelist and the
    trivial view, one request of each in turn, so that the machine's other load weighs on the
    three alike; then the page cached."""
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
        trivial = client if username else admin
        runs = {"page": [], "admin": [], "trivial": []}
        for target, address in ((client, url), (admin, admin_url), (trivial, TRIVIAL)):
            target.get(address)  # warm-up
        for _ in range(REQUESTS):
            runs["page"].append(one_request_ms(client, url))
            runs["admin"].append(one_request_ms(admin, admin_url))
            runs["trivial"].append(one_request_ms(trivial, TRIVIAL))
        cached = [one_request_ms(client, url, empty_cache=False) for _ in range(REQUESTS)]
        page_ms, admin_ms, trivial_ms = (statistics.median(runs[k]) for k in runs)
        rows.append(
            {
                "size": size,
                "name": name,
                "ms": page_ms,
                "cached": statistics.median(cached),
                "queries": query_count(client, url),
                "admin": admin_ms,
                "admin_queries": query_count(admin, admin_url),
                "trivial": trivial_ms,
            }
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
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000])
    args = parser.parse_args()

    django.setup()
    from django.db import connection

    from operations.synthetic import multiply_seed

    page_rows, document_rows = [], []
    for size in sorted(args.sizes):
        # Each size from a fresh seed: 100× is 10× the rows over 10 periods
        # (operations/synthetic.py).
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
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(
        f"\nMachine: {cores} cores, load average at the end {load}. Median of {REQUESTS}"
        " requests, in-process (test client), the cache emptied before each (as after every"
        " write); the page, its admin changelist and the trivial view in turn. ÷ 1×: the"
        " page's time against its time at 1×, as measured and with both divided by the"
        " trivial view's time of the same run (which takes out the machine's other load).\n"
    )
    print(
        "| size | page | median ms | cached ms | queries | admin changelist ms | admin queries"
        " | page / admin | trivial ms | ÷ 1× | ÷ 1× (trivial-relative) |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    at_one = {row["name"]: row for row in page_rows if row["size"] == min(args.sizes)}
    for row in page_rows:
        base = at_one[row["name"]]
        cells = [
            f"{row['size']:,}×",
            row["name"],
            f"{row['ms']:.1f}",
            f"{row['cached']:.1f}",
            row["queries"],
            f"{row['admin']:.1f}",
            row["admin_queries"],
            f"{row['ms'] / row['admin']:.2f}",
            f"{row['trivial']:.1f}",
            f"{row['ms'] / base['ms']:.2f}",
            f"{(row['ms'] / row['trivial']) / (base['ms'] / base['trivial']):.2f}",
        ]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    if document_rows:
        print("\n| size | task | seconds | peak MiB (Python) |")
        print("| --- | --- | ---: | ---: |")
        for size, name, seconds, peak in document_rows:
            print(f"| {size:,}× | {name} | {seconds:.2f} | {peak:.1f} |")


if __name__ == "__main__":
    main()

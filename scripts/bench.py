"""Benchmark: page speed and SQL query counts at 1×, 10×, 100× and 1,000× the seed data, with
the admin changelist of the same model and the trivial view as baselines, and the document
exports and a flat import.

    make bench                      # or: .venv/bin/python scripts/bench.py [--sizes 1 10 100]

Runs on its own throwaway databases (vision_portal_bench_<size> on the project's PostgreSQL,
dropped and recreated; --reuse keeps those already built), never on the portal's data. Every
size's database stays open side by side, and the pages are measured in rounds that go through
the sizes in turn, so that the machine's other load (it is shared) weighs on every size alike
and the ÷ 1× column compares like with like. Prints Markdown tables for README.
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
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{PGPORT}/{BENCH_DB}_1"
# Measured as production runs: production settings (cached templates, no debug), plain http.
os.environ["DJANGO_SETTINGS_MODULE"] = "vision_portal.settings.production"
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-" + os.urandom(24).hex())
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"

import django  # noqa: E402

ROUNDS = 10  # rounds through the sizes…
PER_ROUND = 3  # …of this many requests of the page and the trivial view (and one of the admin's)
REQUESTS = ROUNDS * PER_ROUND
TRIVIAL = "/healthz/"  # reads the session and the user: the least a logged-in page costs


def database_name(size):
    return f"{BENCH_DB}_{size}"


def create_database(size, *, reuse):
    """True if the database must be filled (new, or --reuse not given)."""
    import psycopg

    name = database_name(size)
    with psycopg.connect(
        f"host=127.0.0.1 port={PGPORT} user=postgres dbname=postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reuse:
            return False
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return True


def use_database(size, wrappers={}):  # noqa: B006 (one open connection per size, kept)
    """Make `size`'s database Django's default connection; each keeps its own connection open
    (and its prepared statements), as a server's worker does."""
    from django.db import connections

    if size not in wrappers:
        default = connections["default"]
        settings = {**default.settings_dict, "NAME": database_name(size)}
        wrappers[size] = type(default)(settings, "default")
    connections["default"] = wrappers[size]


def prepare(size, *, reuse):
    from django.core.management import call_command
    from django.db import connection

    from operations.demo import create_demo_users
    from operations.seed import load_all
    from operations.synthetic import multiply_seed

    use_database(size)
    fill = create_database(size, reuse=reuse)
    call_command("migrate", verbosity=0)
    if fill:
        print(f"{size}×: building…", file=sys.stderr)
        load_all()
        create_demo_users()
        # From the seed: 100× is 10× the rows over 10 periods (operations/synthetic.py).
        if size > 1:
            multiply_seed(size)
    # Statistics and visibility maps as autovacuum keeps them on a live database: a plan made
    # without statistics, just after the build, took one page of the notices from 0.2 s to 1 s
    # at 100×; without the visibility map an index-only scan reads the table's pages too.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def pages():
    """(name, user, url, admin baseline url) in the current database."""
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


def empty_rendered_lists():
    """What a write does to the cache: the lists that show its rows are rendered again (their
    key has changed); the filter choices and periods, under the master data's key, stay."""
    from django.core.cache import cache

    for key in [key for key in cache._cache if "template.cache." in key]:  # LocMemCache's
        cache.delete(key.split(":", 2)[2])  # the key as given, without prefix and version


def one_request_ms(client, url, *, empty_cache=True):
    from django.core.cache import cache

    if empty_cache == "lists":
        empty_rendered_lists()
    elif empty_cache:
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


def bench_pages(sizes):
    """Each page with an empty cache (as after every write), the admin changelist of its model
    and the trivial view in turn, so that the machine's other load weighs on the three alike;
    in ROUNDS rounds that go through every size, so that it weighs on every size alike too.
    The admin changelist, the slowest page, is requested once a round for each page and its
    median taken over every page that compares with it. Then the page cached and as after a
    write."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    User = get_user_model()
    setups = {}  # size -> [(client, url, admin client, admin url, trivial client)] per page
    for size in sizes:
        use_database(size)
        admin = Client(HTTP_HOST="127.0.0.1")
        admin.force_login(User.objects.get(username="admin"))
        setups[size] = []
        for _, username, url, admin_url in pages():
            client = Client(HTTP_HOST="127.0.0.1")
            if username:
                client.force_login(User.objects.get(username=username))
            setups[size].append((client, url, admin, admin_url, client if username else admin))
    names = [page[0] for page in pages()]
    admin_runs = {}  # (size, admin url) -> ms
    rows = []
    for index, name in enumerate(names):
        print(f"  {name}", file=sys.stderr)
        runs = {size: {"page": [], "trivial": []} for size in sizes}
        for round_ in range(ROUNDS):
            for size in sizes:
                use_database(size)
                client, url, admin, admin_url, trivial = setups[size][index]
                if round_ == 0:  # each size's connection keeps its prepared statements
                    for target, address in ((client, url), (admin, admin_url), (trivial, TRIVIAL)):
                        target.get(address)
                admin_ms = admin_runs.setdefault((size, admin_url), [])
                admin_ms.append(one_request_ms(admin, admin_url))
                for _ in range(PER_ROUND):
                    runs[size]["page"].append(one_request_ms(client, url))
                    runs[size]["trivial"].append(one_request_ms(trivial, TRIVIAL))
        for size in sizes:
            use_database(size)
            client, url, admin, admin_url, _ = setups[size][index]
            cached = [one_request_ms(client, url, empty_cache=False) for _ in range(PER_ROUND * 3)]
            written = [
                one_request_ms(client, url, empty_cache="lists") for _ in range(PER_ROUND * 3)
            ]
            rows.append(
                {
                    "size": size,
                    "name": name,
                    "ms": statistics.median(runs[size]["page"]),
                    "fastest": min(runs[size]["page"]),
                    "written": statistics.median(written),
                    "cached": statistics.median(cached),
                    "queries": query_count(client, url),
                    "admin_url": admin_url,
                    "admin_queries": query_count(admin, admin_url),
                    "trivial": statistics.median(runs[size]["trivial"]),
                }
            )
    for row in rows:
        row["admin"] = statistics.median(admin_runs[(row["size"], row["admin_url"])])
    return sorted(rows, key=lambda row: (row["size"], names.index(row["name"])))


def timed(function, *, memory=True):
    """(result, seconds, peak MiB): seconds from a plain run, the peak of Python's memory from a
    second run under tracemalloc (which slows Python down several times; None without
    `memory`). Each run's writes are rolled back, so both start from the same data."""
    from django.db import transaction

    def run():
        with transaction.atomic():
            result = function()
            transaction.set_rollback(True)
        return result

    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    if not memory:
        return result, seconds, None
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


def bench_flat_import(size, rows=5000, *, memory=True):
    """The admin's flat import of 5,000 実施状況 rows (each text changed), as an admin would;
    its memory (a run several times slower) if `memory`."""
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
        lambda: resource.import_data(changed, dry_run=False, user=admin, use_transactions=True),
        memory=memory,
    )
    assert not result.has_errors() and not result.has_validation_errors(), "flat import failed"
    return [(size, f"管理画面の一括取込み（実施状況 {rows:,} 行）", seconds, peak)]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000])
    parser.add_argument(
        "--reuse", action="store_true", help="keep the sizes' databases already built"
    )
    args = parser.parse_args()
    sizes = sorted(args.sizes)

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    for size in sizes:
        prepare(size, reuse=args.reuse)
    built = time.perf_counter() - started
    print(f"measuring the pages at {', '.join(f'{s}×' for s in sizes)}…", file=sys.stderr)
    page_rows = bench_pages(sizes)
    measured = time.perf_counter()
    document_rows = []
    for size in sizes:
        print(f"{size}×: exports and the flat import…", file=sys.stderr)
        use_database(size)
        document_rows += bench_documents(size)
        # Its memory at the largest size only: the run under tracemalloc takes a minute.
        document_rows += bench_flat_import(size, memory=size == sizes[-1])
    print(
        f"built {built:.0f} s, pages {measured - started - built:.0f} s,"
        f" documents {time.perf_counter() - measured:.0f} s",
        file=sys.stderr,
    )

    cores = os.cpu_count()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(
        f"\nMachine: {cores} cores, load average at the end {load}; databases built in"
        f" {built:.0f} s, whole run {time.perf_counter() - started:.0f} s. Median of"
        f" {REQUESTS} requests, in-process (test client), the whole cache emptied before each;"
        " the page and the trivial view in turn, in"
        f" {ROUNDS} rounds through the sizes, and the admin changelist once a round for each page"
        " (its median over every page compared with it). After a write: only the rendered"
        " lists emptied (what a write does to the lists that show its rows; the filter"
        " choices stay), median"
        f" of {PER_ROUND * 3}; cached: nothing emptied. ÷ 1×: the page's time against its"
        " time at 1×, as measured, fastest against fastest (the request the machine's other load"
        " disturbed least), and with both medians divided by the trivial view's of the same"
        " size.\n"
    )
    print(
        "| size | page | median ms | fastest ms | after a write ms | cached ms | queries"
        " | admin changelist ms | admin queries | page / admin | trivial ms | ÷ 1× | ÷ 1× (fastest)"
        " | ÷ 1× (trivial-relative) |"
    )
    print("| --- | --- |" + " ---: |" * 12)
    at_one = {row["name"]: row for row in page_rows if row["size"] == min(args.sizes)}
    for row in page_rows:
        base = at_one[row["name"]]
        cells = [
            f"{row['size']:,}×",
            row["name"],
            f"{row['ms']:.1f}",
            f"{row['fastest']:.1f}",
            f"{row['written']:.1f}",
            f"{row['cached']:.1f}",
            row["queries"],
            f"{row['admin']:.1f}",
            row["admin_queries"],
            f"{row['ms'] / row['admin']:.2f}",
            f"{row['trivial']:.1f}",
            f"{row['ms'] / base['ms']:.2f}",
            f"{row['fastest'] / base['fastest']:.2f}",
            f"{(row['ms'] / row['trivial']) / (base['ms'] / base['trivial']):.2f}",
        ]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    if document_rows:
        print("\n| size | task | seconds | peak MiB (Python) |")
        print("| --- | --- | ---: | ---: |")
        for size, name, seconds, peak in document_rows:
            peak = "–" if peak is None else f"{peak:.1f}"
            print(f"| {size:,}× | {name} | {seconds:.2f} | {peak} |")


if __name__ == "__main__":
    main()

"""Time the 資料2 / 資料3 exports and imports at N times the seed.

    .venv/bin/python scripts/bench_documents.py [--scale 100]

Runs against the project's database (settings: vision_portal.settings.local, or
DJANGO_SETTINGS_MODULE) inside one transaction that is rolled back at the end, so the database is
left as it was: the seed is loaded if missing, grown with operations.synthetic.multiply_seed, and
each import writes into a new, empty period.

Each step runs twice, each time in a savepoint that is rolled back: once for the time, once under
tracemalloc for the peak of Python memory it allocates (tracemalloc slows the code down, so the
times come from the first run).
"""

import argparse
import io
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vision_portal.settings.local")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402

from documents.exports import export_shiryo2, export_shiryo3  # noqa: E402
from documents.imports import import_shiryo2, import_shiryo3  # noqa: E402
from initiatives.models import Initiative  # noqa: E402
from operations.demo import create_demo_users  # noqa: E402
from operations.seed import load_all  # noqa: E402
from operations.synthetic import multiply_seed  # noqa: E402
from recommendations.models import Action, ImplementationStatus  # noqa: E402
from reporting.models import ReportingPeriod  # noqa: E402


class Rollback(Exception):
    pass


def rolled_back(step):
    """Run `step` in a savepoint that is undone afterwards; returns what it returned."""
    outcome = []
    try:
        with transaction.atomic():
            outcome.append(step())
            raise Rollback
    except Rollback:
        pass
    return outcome[0]


def measure(step):
    started = time.perf_counter()
    value = rolled_back(step)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    rolled_back(step)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return value, seconds, peak


def xlsx(export, period):
    stream = io.BytesIO()
    export(period).save(stream)
    return stream.getvalue()


def bench(scale):
    load_all()
    create_demo_users()
    started = time.perf_counter()
    multiply_seed(scale)
    grown = time.perf_counter() - started
    period = ReportingPeriod.objects.get(is_current=True)
    empty = ReportingPeriod.objects.create(
        code="BENCH",
        name="ベンチマーク用",
        results_until=period.results_until,
        plans_from=period.plans_from,
    )
    user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    periods = ReportingPeriod.objects.count() - 1  # without the empty one just made
    print(
        f"{scale}× のデータ（{grown:.1f} 秒で作成）: 報告期間 {periods}、"
        f"資料3 {Initiative.objects.count()} 行、資料2 {Action.objects.count()} 取組・"
        f"{ImplementationStatus.objects.count()} 実施状況（うち出力する期間に "
        f"{ImplementationStatus.objects.filter(report__period=period).count()}）"
    )
    rows = []
    for name, export, run in (
        ("資料2", export_shiryo2, import_shiryo2),
        ("資料3", export_shiryo3, import_shiryo3),
    ):
        data, seconds, peak = measure(lambda export=export: xlsx(export, period))
        rows.append((f"{name} 出力", seconds, peak, f"{len(data) / 1024:.0f} KB"))

        def step(run=run, data=data):
            result = run(file=data, period=empty, user=user)
            assert result.ok, [str(e) for e in result.errors[:5]]
            return result.counts

        counts, seconds, peak = measure(step)
        rows.append((f"{name} 取込み（空の期間へ）", seconds, peak, f"新規 {counts['new']} 行"))
    print("| 処理 | 秒 | ピークメモリ | 備考 |\n| --- | ---: | ---: | --- |")
    for label, seconds, peak, note in rows:
        print(f"| {label} | {seconds:.2f} | {peak / 2**20:.1f} MB | {note} |")
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"プロセス全体の最大常駐メモリ（ru_maxrss）: {max_rss:.0f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=100, help="シードの何倍にするか（既定 100）")
    args = parser.parse_args()
    try:
        with transaction.atomic():
            bench(args.scale)
            raise Rollback
    except Rollback:
        print("（データベースへの変更はすべて取り消しました）")


if __name__ == "__main__":
    main()

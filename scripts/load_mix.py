"""Deadline week: logged-in staff of every section that answers for 資料3 rows and the 推進本部
(HQ) use the portal at once — lists, detail pages, the dashboard, and about one request in ten a
save through the real edit form (its CSRF token and version taken from the page, as a browser
does). Then every accepted save's text is looked for in the database.

    .venv/bin/python scripts/load_mix.py --create-database [--size 10]   # the load test's own
    .venv/bin/python scripts/load_mix.py --url http://127.0.0.1:8100 --seconds 60

Run by scripts/load.sh against a server on 127.0.0.1 serving the load test's own database
(DATABASE_URL, dropped and made again from the seed by --create-database, never the portal's):
it adds a user and sessions per section there. Prints Markdown tables."""

import argparse
import html
import http.client
import os
import random
import re
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vision_portal.settings.production")

HQ_EVERY = 5  # one connection in five is the HQ's, the others section staff's
PASSWORD_LESS = "!load-test"  # an unusable password: these users only have the sessions made here


def create_database(size):
    """The database named in DATABASE_URL, dropped and made again: the seed (grown `size`
    times), the demo users, static files collected."""
    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    if not name.endswith("_load"):
        sys.exit(f"{name}: 負荷試験のデータベースの名前は _load で終わる必要があります。")
    server = f"host={url.hostname} port={url.port or 5432} user={url.username} dbname=postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')

    import django

    django.setup()
    from django.core.management import call_command

    from operations.demo import create_demo_users
    from operations.seed import load_all
    from operations.synthetic import multiply_seed

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    load_all()
    create_demo_users()
    if size > 1:
        multiply_seed(size)


def prepare(connections):
    """One persona per connection: (label, username, session key, the document it edits, the
    rows it edits, the 資料3 rows whose pages it reads)."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from core.middleware import KEY as IDLE_KEY
    from departments.models import Organization
    from initiatives.models import ProgressEntry
    from recommendations.models import ActionReport
    from reporting.models import EntryState, ReportingPeriod

    User = get_user_model()
    period = ReportingPeriod.objects.get(is_current=True)
    editable = [EntryState.NOT_STARTED, EntryState.DRAFT, EntryState.RETURNED]
    entries = defaultdict(list)
    for pk, section in ProgressEntry.objects.filter(
        period=period, state__in=editable, initiative__repost_of=None
    ).values_list("pk", "initiative__sections"):
        if section is not None:
            entries[section].append(pk)
    sections = list(Organization.objects.filter(pk__in=entries).order_by("sort_order", "pk"))
    reports = list(
        ActionReport.objects.filter(period=period, state__in=editable).values_list("pk", flat=True)
    )
    all_entries = [pk for pks in entries.values() for pk in pks]

    def session_for(user):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[IDLE_KEY] = int(time.time())
        session.create()
        return session.session_key

    users = {}
    for section in sections:
        user, _ = User.objects.get_or_create(
            username=f"load-{section.pk}", defaults={"password": PASSWORD_LESS}
        )
        user.organizations.set([section])
        users[section.pk] = user
    hq = User.objects.get(username="honbu")
    personas, section_index = [], 0
    for index in range(connections):
        if index % HQ_EVERY == 0:
            personas.append(("HQ", hq.username, session_for(hq), "shiryo2", reports, all_entries))
        else:
            section = sections[section_index % len(sections)]
            section_index += 1
            user = users[section.pk]
            rows = entries[section.pk]
            personas.append(
                (section.label, user.username, session_for(user), "shiryo3", rows, rows)
            )
    return personas, settings.SESSION_COOKIE_NAME


class Browser:
    """One logged-in person's connection: keeps the cookies the server sets, like a browser."""

    def __init__(self, url, cookies):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies = dict(cookies)
        self.connection = None

    def request(self, method, path, body=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = body.encode()
        for attempt in (1, 2):  # a keep-alive connection the server closed is opened again once
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, content.decode("utf-8", "replace")


FORM = re.compile(r'<form method="post" class="form"[^>]*>(.*?)</form>', re.S)
INPUT = re.compile(r"<input\b([^>]*)>")
TEXTAREA = re.compile(r"<textarea\b([^>]*)>(.*?)</textarea>", re.S)
SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S)
SELECTED = re.compile(r'<option value="([^"]*)"[^>]*\bselected\b')


def attribute(tag, name):
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return html.unescape(found.group(1)) if found else None


def form_fields(page):
    """What a browser would send from the page's edit form with its 下書き保存 button."""
    form = FORM.search(page)
    if form is None:
        return None
    body, fields = form.group(1), []
    for tag in INPUT.findall(body):
        kind, name = attribute(tag, "type") or "text", attribute(tag, "name")
        if not name or (kind == "checkbox" and " checked" not in tag):
            continue
        fields.append((name, attribute(tag, "value") or ("on" if kind == "checkbox" else "")))
    for tag, text in TEXTAREA.findall(body):
        # A browser drops the newline that follows <textarea>.
        fields.append((attribute(tag, "name"), html.unescape(text.removeprefix("\n"))))
    for tag, options in SELECT.findall(body):
        selected = SELECTED.search(options)
        fields.append(
            (attribute(tag, "name"), html.unescape(selected.group(1)) if selected else "")
        )
    fields.append(("save", ""))
    return fields


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors = defaultdict(int)
        self.error_samples = []
        self.accepted = []  # (document, row pk, text)
        self.conflicts = []

    def record(self, page, seconds, ok, detail=""):
        with self.lock:
            self.times[page].append(seconds)
            if not ok:
                self.errors[page] += 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{page}: {detail}")


PAGES = {
    # name: (weight for section staff, weight for the HQ)
    "自課の取組": (10, 10),
    "資料3 一覧（自分の担当分）": (25, 0),
    "資料3 一覧（分類）": (0, 15),
    "資料2 一覧": (10, 20),
    "資料3 詳細": (25, 10),
    "資料2 詳細": (0, 15),
    "ダッシュボード": (10, 10),
    "編集と保存": (10, 10),
}
CHAPTERS = range(1, 8)
CATEGORIES = range(1, 6)


def run_persona(url, persona, cookie_name, until, results, seed):
    label, username, session_key, document, rows, read_rows = persona
    rng = random.Random(seed)
    browser = Browser(url, {cookie_name: session_key})
    hq = label == "HQ"
    names = list(PAGES)
    weights = [PAGES[name][1 if hq else 0] for name in names]

    def get(page, path, expected=200):
        start = time.perf_counter()
        try:
            status, content = browser.request("GET", path)
        except Exception as error:  # every failure is counted, none stops the run
            results.record(page, time.perf_counter() - start, False, repr(error))
            return None
        results.record(page, time.perf_counter() - start, status == expected, f"{path} {status}")
        return content if status == expected else None

    saves = 0
    while time.monotonic() < until:
        name = rng.choices(names, weights)[0]
        if name == "自課の取組":
            get(name, "/")
        elif name == "資料3 一覧（自分の担当分）":
            get(name, "/shiryo3/?mine=true")
        elif name == "資料3 一覧（分類）":
            get(name, "/shiryo3/?" + urlencode({"category": rng.choice(CATEGORIES)}))
        elif name == "資料2 一覧":
            get(name, "/shiryo2/?" + urlencode({"chapter": rng.choice(CHAPTERS)}))
        elif name == "資料3 詳細":
            get(name, f"/shiryo3/{rng.choice(read_rows)}/")
        elif name == "資料2 詳細":
            get(name, f"/shiryo2/{rng.choice(rows)}/")
        elif name == "ダッシュボード":
            get(name, "/dashboard/")
        elif rows:
            saves += 1
            row = rng.choice(rows)
            path = f"/{document}/{row}/edit/"
            page = get("編集画面", path)
            fields = form_fields(page) if page else None
            if fields is None:
                continue
            text = f"負荷試験の保存 {username} {saves} {uuid.uuid4().hex[:8]}"
            target = "plans" if document == "shiryo3" else "statuses-0-text"
            fields = [(key, text if key == target else value) for key, value in fields]
            start = time.perf_counter()
            try:
                status, _ = browser.request("POST", path, urlencode(fields))
            except Exception as error:
                results.record("保存", time.perf_counter() - start, False, repr(error))
                continue
            # 302: saved; 409: someone saved the row first, both texts are shown, nothing lost.
            results.record("保存", time.perf_counter() - start, status in (302, 409), status)
            with results.lock:
                if status == 302:
                    results.accepted.append((document, row, text))
                elif status == 409:
                    results.conflicts.append((document, row, text))


def check_saves(results):
    """(accepted saves whose text is nowhere in the database, refused saves whose text is, rows
    whose current text is none of their accepted saves')."""
    from initiatives.models import ProgressEntry
    from recommendations.models import ImplementationStatus

    # document: (history of the model written, its text field, the row's key in the model)
    tables = {
        "shiryo3": (ProgressEntry, "plans", "pk"),
        "shiryo2": (ImplementationStatus, "text", "report_id"),
    }
    lost, leaked, unexplained = [], [], []
    for document, (model, field, key) in tables.items():
        accepted = defaultdict(set)
        for d, row, text in results.accepted:
            if d == document:
                accepted[row].add(text)
        refused = [text for d, _, text in results.conflicts if d == document]
        texts = {text for row_texts in accepted.values() for text in row_texts}
        written = set(
            model.history.filter(**{f"{field}__in": [*texts, *refused]}).values_list(
                field, flat=True
            )
        )
        lost += sorted(texts - written)
        leaked += sorted(written & set(refused))
        now = defaultdict(set)
        for row, text in model.objects.filter(**{f"{key}__in": list(accepted)}).values_list(
            key, field
        ):
            now[row].add(text)
        unexplained += [(document, row) for row in accepted if not now[row] & accepted[row]]
    return lost, leaked, unexplained


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--create-database", action="store_true")
    parser.add_argument("--size", type=int, default=1)
    parser.add_argument("--url")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    if args.create_database:
        create_database(args.size)
        return
    host = urlsplit(args.url or "").hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("負荷試験は 127.0.0.1 のサーバーにだけ行います。")

    personas, cookie_name = prepare(args.connections)
    results = Results()
    start = time.monotonic()
    until = start + args.seconds
    threads = [
        threading.Thread(target=run_persona, args=(args.url, p, cookie_name, until, results, index))
        for index, p in enumerate(personas)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    lost, leaked, unexplained = check_saves(results)

    sections = len({p[0] for p in personas if p[0] != "HQ"})
    hq = sum(1 for p in personas if p[0] == "HQ")
    total = sum(len(t) for t in results.times.values())
    errors = sum(results.errors.values())
    print(
        f"{args.connections} connections ({args.connections - hq} staff of {sections} sections,"
        f" {hq} HQ), {elapsed:.0f} s, {total} requests ({total / elapsed:.1f}/s),"
        f" {len(results.accepted) + len(results.conflicts)} saves\n"
    )
    print("| page | requests | requests/s | p50 ms | p95 ms | p99 ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for page in [*PAGES, "編集画面", "保存"]:
        times = results.times.get(page)
        if not times:
            continue
        cells = [
            page,
            len(times),
            f"{len(times) / elapsed:.1f}",
            *(f"{percentile(times, f) * 1000:.0f}" for f in (0.5, 0.95, 0.99)),
            results.errors[page],
        ]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    print()
    print("| saves | count |")
    print("| --- | ---: |")
    print(f"| accepted (302) | {len(results.accepted)} |")
    print(f"| refused as stale, both texts shown (409) | {len(results.conflicts)} |")
    print(f"| accepted but not in the database (lost) | {len(lost)} |")
    print(f"| refused but written anyway | {len(leaked)} |")
    print(f"| rows whose text is none of their accepted saves' | {len(unexplained)} |")
    print(f"| errors (any other answer or a failed connection) | {errors} |")
    for sample in results.error_samples:
        print(f"  {sample}", file=sys.stderr)
    if lost or leaked or unexplained or errors:
        sys.exit(1)


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Load test: the portal served the production way (gunicorn + whitenoise, production settings)
# on 127.0.0.1 from its own database (vision_portal_load, made again from the seed each run).
#  1. each page alone, driven by wrk at 50 connections as the logged-in HQ for a bounded time;
#  2. deadline week: staff of every section and the HQ at once, lists, details, dashboard and
#     about one request in ten a save through the edit form (scripts/load_mix.py), then every
#     accepted save looked for in the database;
#  3. the lists again as the first request after a write (no rendered list kept), and on a
#     server without any cache.
# Prints requests/s, latency percentiles and errors, then stops the server.
#   make load      (DURATION=20s per page, MIX_SECONDS=60, CONNECTIONS=50, LOAD_SIZE=1 by default)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-20s}"
MIX_SECONDS="${MIX_SECONDS:-60}"
LOAD_SIZE="${LOAD_SIZE:-1}"
CONNECTIONS="${CONNECTIONS:-50}"
PORT="${LOAD_PORT:-8100}"
PGPORT="${PGPORT:-55432}"
URL="http://127.0.0.1:$PORT"

if ! command -v wrk >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "wrk がありません（root で apt-get install wrk）。" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi

export DJANGO_SETTINGS_MODULE=vision_portal.settings.production
export DJANGO_SECRET_KEY="load-test-$(head -c 24 /dev/urandom | base64)"
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export DJANGO_SECURE_SSL_REDIRECT=false   # plain http on loopback for the test only
export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/vision_portal_load"
export GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_ACCESS_LOG=/dev/null

.venv/bin/python scripts/load_mix.py --create-database --size "$LOAD_SIZE"

SERVER=""
SERVER_LOG="${TMPDIR:-/tmp}/vision-portal-load-$PORT.log"; : >"$SERVER_LOG"   # gunicorn's own messages
start_server() {  # start_server [environment assignments…]
  env "$@" .venv/bin/gunicorn --config gunicorn.conf.py 2>>"$SERVER_LOG" &
  SERVER=$!
  for _ in $(seq 50); do curl -sf "$URL/healthz/" >/dev/null && break; sleep 0.2; done
}
stop_server() { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; }
trap stop_server EXIT

declare -A RPS
measure() {  # measure "name:path" …
  for page in "$@"; do
    name="${page%%:*}"; path="${page#*:}"
    # A request still unanswered after 30 s (a browser's patience) counts as an error.
    out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 30s --latency -H "Cookie: $COOKIE" "$URL$path")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out"); p90=$(awk '$1=="90%" {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); socket=$(awk '/Socket errors/ {gsub(",", ""); print $4+$6+$8+$10}' <<<"$out")
    echo "| $name | $rps | $p50 | $p90 | $p99 | $(( ${non2xx:-0} + ${socket:-0} )) |"
    RPS[$name]=$rps
  done
}
ratios() {  # ratios trivial-name page-name …: each page's requests/s against the trivial view's
  local trivial=$1; shift
  echo
  for name in "$@"; do
    awk -v n="$name" -v t="$trivial" -v a="${RPS[$name]}" -v b="${RPS[$trivial]}" \
      'BEGIN { printf "- %s: %.0f%% of the %s\n", n, 100 * a / b, t }'
  done
}

# A logged-in session for the HQ persona, made directly in the session store.
COOKIE=$(.venv/bin/python scripts/load_session.py honbu)
ENTRY=$(.venv/bin/python manage.py shell -c "from initiatives.models import ProgressEntry as E; print(E.objects.filter(period__is_current=True).order_by('pk').first().pk)" 2>/dev/null | tail -1)
LISTS=("資料3 list:/shiryo3/?category=3" "資料2 list:/shiryo2/?chapter=1")

echo "gunicorn: $(( $(nproc) * 2 + 1 )) workers on $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "### Each page alone (wrk: $CONNECTIONS connections, $DURATION per page, the HQ, seed × $LOAD_SIZE)"
echo
echo "| page | requests/s | p50 | p90 | p99 | errors |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
start_server
measure "trivial view:/healthz/" "${LISTS[@]}" "資料3 detail:/shiryo3/$ENTRY/" "dashboard:/dashboard/"
ratios "trivial view" "資料3 list" "資料2 list"
echo
echo "### Deadline week (${MIX_SECONDS} s)"
echo
status=0
.venv/bin/python scripts/load_mix.py --url "$URL" --seconds "$MIX_SECONDS" --connections "$CONNECTIONS" || status=$?
stop_server
# The lists as the first request after a write: no rendered list is ever kept (its key changes
# with every write it shows), the filter choices and the rest cached as they are then; and
# with no cache at all.
echo
echo "### The lists as after a write, and without any cache (wrk: $CONNECTIONS connections, $DURATION per page)"
echo
echo "| page | requests/s | p50 | p90 | p99 | errors |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
start_server LIST_CACHE_SECONDS=0
measure "trivial view:/healthz/" "${LISTS[@]/ list:/ list, first after a write:}"
stop_server
start_server DJANGO_CACHE_BACKEND=django.core.cache.backends.dummy.DummyCache
measure "trivial view (no cache):/healthz/" "${LISTS[@]/ list:/ list, no cache:}"
ratios "trivial view" "資料3 list, first after a write" "資料2 list, first after a write"
ratios "trivial view (no cache)" "資料3 list, no cache" "資料2 list, no cache"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"

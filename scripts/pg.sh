#!/usr/bin/env bash
# The project's own PostgreSQL cluster: .pgdata/ in the checkout, listening on 127.0.0.1:$PGPORT.
#   scripts/pg.sh start   initialise (first time) and start; safe to repeat
#   scripts/pg.sh stop    stop it
#   scripts/pg.sh status  say whether it runs
# Skipped when DATABASE_URL points at another server.
set -euo pipefail

cd "$(dirname "$0")/.."
PGPORT="${PGPORT:-55432}"
DATA="$PWD/.pgdata/data"
LOG="$PWD/.pgdata/postgresql.log"
DBNAME="vision_portal"

bindir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  echo "PostgreSQL のサーバーが見つかりません（make system-deps を実行してください）。" >&2
  exit 1
}
BIN="$(bindir)"

# initdb refuses to run as root: as root, the cluster belongs to the postgres user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() {
  [ -f "$DATA/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start() {
  if [ -n "${DATABASE_URL:-}" ]; then
    echo "DATABASE_URL is set: using that server, not the project's own cluster."
    return
  fi
  mkdir -p .pgdata
  [ "$(id -u)" = 0 ] && chown postgres: .pgdata
  if [ ! -f "$DATA/PG_VERSION" ]; then
    # C.UTF-8 keeps pg_trgm working on Japanese text.
    as_owner "$BIN/initdb" -D "$DATA" -E UTF8 --locale=C.UTF-8 -U postgres --auth=trust >/dev/null
  fi
  if ! running; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
      -o "-p $PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" start >/dev/null
  fi
  if ! psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -tAc "select 1" >/dev/null 2>&1; then
    echo "PostgreSQL が 127.0.0.1:$PGPORT で応答しません。別のポートのクラスタが動いている場合は make stop してから再実行してください。ログ: $LOG" >&2
    exit 1
  fi
  if [ "$(psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -tAc "select 1 from pg_database where datname='$DBNAME'")" != 1 ]; then
    createdb -h 127.0.0.1 -p "$PGPORT" -U postgres "$DBNAME"
  fi
  echo "PostgreSQL: 127.0.0.1:$PGPORT ($DATA)"
}

stop() {
  if running; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    echo "PostgreSQL stopped."
  else
    echo "PostgreSQL is not running."
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running"; else echo "stopped"; exit 3; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

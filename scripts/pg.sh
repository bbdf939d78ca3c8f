#!/usr/bin/env bash
# The project's own PostgreSQL cluster, listening on 127.0.0.1:$PGPORT.
#   scripts/pg.sh start    initialise (first time) and start; safe to repeat
#   scripts/pg.sh stop     stop it
#   scripts/pg.sh status   say whether it runs
#   scripts/pg.sh dir      print the directory that holds its data and log
#   scripts/pg.sh remove   stop it and delete that directory (every database in it)
# Skipped when DATABASE_URL points at another server.
#
# Where the data lives: as root, the cluster runs as the postgres user, which may not be able to
# enter the checkout (/root is drwx------, so is any mktemp -d directory), so its data lives in
# /var/lib/vision-portal/<checkout name>-<hash of the checkout's path>/, owned by postgres: two
# checkouts never share one. As any other user, in .pgdata/ inside the checkout, as before. A
# checkout that already has .pgdata/data keeps using it. VISION_PORTAL_PGDATA overrides all this.
set -euo pipefail

cd "$(dirname "$0")/.."
CHECKOUT="$(pwd -P)"
PGPORT="${PGPORT:-55432}"
DBNAME="vision_portal"
ROOT_DATA_HOME="/var/lib/vision-portal"

cluster_home() {
  if [ -n "${VISION_PORTAL_PGDATA:-}" ]; then
    echo "$VISION_PORTAL_PGDATA"
  elif [ "$(id -u)" != 0 ] || [ -f "$CHECKOUT/.pgdata/data/PG_VERSION" ]; then
    echo "$CHECKOUT/.pgdata"
  else
    local name hash
    name="$(printf '%s' "$(basename "$CHECKOUT")" | tr -c 'A-Za-z0-9._-' '_')"
    hash="$(printf '%s' "$CHECKOUT" | sha256sum | cut -c1-12)"
    echo "$ROOT_DATA_HOME/$name-$hash"
  fi
}
HOME_DIR="$(cluster_home)"
DATA="$HOME_DIR/data"
LOG="$HOME_DIR/postgresql.log"

bindir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  echo "PostgreSQL のサーバーが見つかりません（make system-deps を実行してください）。" >&2
  exit 1
}

# initdb refuses to run as root: as root, the cluster belongs to the postgres user. It runs from /
# because it may not enter the checkout.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

running() {
  [ -f "$DATA/PG_VERSION" ] && as_owner "$(bindir)/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start() {
  if [ -n "${DATABASE_URL:-}" ]; then
    echo "DATABASE_URL is set: using that server, not the project's own cluster."
    return
  fi
  local bin
  bin="$(bindir)"
  if [ "$(id -u)" = 0 ]; then
    install -d -m 755 "$(dirname "$HOME_DIR")"
    install -d -m 700 -o postgres -g postgres "$HOME_DIR"
  else
    mkdir -p "$HOME_DIR"
  fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    # C.UTF-8 keeps pg_trgm working on Japanese text.
    as_owner "$bin/initdb" -D "$DATA" -E UTF8 --locale=C.UTF-8 -U postgres --auth=trust >/dev/null
    # Which checkout the cluster belongs to, for whoever finds the directory.
    printf '%s\n' "$CHECKOUT" | as_owner tee "$HOME_DIR/checkout" >/dev/null
  fi
  if ! running; then
    as_owner "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
      -o "-p $PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c shared_buffers=512MB" start >/dev/null
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
    as_owner "$(bindir)/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    echo "PostgreSQL stopped."
  else
    echo "PostgreSQL is not running."
  fi
}

remove() {
  stop
  if [ -d "$HOME_DIR" ]; then
    rm -rf "$HOME_DIR"
    echo "Removed $HOME_DIR."
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running"; else echo "stopped"; exit 3; fi ;;
  dir) echo "$HOME_DIR" ;;
  remove) remove ;;
  *) echo "usage: $0 start|stop|status|dir|remove" >&2; exit 2 ;;
esac

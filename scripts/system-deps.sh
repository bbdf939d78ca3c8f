#!/usr/bin/env bash
# Debian packages the project needs: the PostgreSQL server (with pg_trgm) and, for the browser
# tests and screenshots, Chromium with a Japanese font. Installs only what is missing.
set -euo pipefail

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql postgresql-contrib)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)

[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "次の Debian パッケージが必要です（root で make system-deps を実行してください）: ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"

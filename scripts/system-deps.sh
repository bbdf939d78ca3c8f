#!/usr/bin/env bash
# Debian packages the project needs: the PostgreSQL server (with pg_trgm); for the browser
# tests and screenshots, Chromium with a Japanese font; the OpenLDAP headers and a C compiler that
# python-ldap (directory login) is built with; the OpenLDAP server (slapd) that the directory
# login tests start on 127.0.0.1; and LibreOffice Calc (headless) for the test that an exported
# document saved again by LibreOffice still imports with its versions. Installs only what is
# missing.
set -euo pipefail

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql postgresql-contrib)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
[ -f /usr/include/ldap.h ] || need+=(libldap2-dev)
[ -f /usr/include/sasl/sasl.h ] || need+=(libsasl2-dev)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
python3 -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null || need+=(python3-dev)
[ -x /usr/sbin/slapd ] || need+=(slapd)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc)

[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "次の Debian パッケージが必要です（root で make system-deps を実行してください）: ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# slapd unconfigured: no system-wide directory server is set up or started; the tests run their
# own with a throwaway configuration.
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"

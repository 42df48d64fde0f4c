#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on loopback for the shared-mode tests and print its
# URL. Installs Debian's server package when it is missing. Idempotent per directory.
set -euo pipefail
dir=${1:-/tmp/safelog-ci-pg}
port=${SAFELOG_PG_PORT:-54329}
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  # shellcheck source=packaging/linux/system-packages.sh
  source "$(dirname "$0")/../packaging/linux/system-packages.sh"
  ensure_apt_packages postgresql
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
run_as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -f "$dir/PG_VERSION" ]; then
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  run_as_pg "$bin/initdb" -D "$dir" -U safelog --auth=trust -E UTF8 >&2
fi
# TLS on, with a throwaway self-signed certificate, so the tests can check SafeLog's server
# setup (packaging/server/) connects with sslmode=require.
if [ ! -f "$dir/server.crt" ]; then
  if ! command -v openssl >/dev/null 2>&1; then
    # shellcheck source=packaging/linux/system-packages.sh
    source "$(dirname "$0")/../packaging/linux/system-packages.sh"
    ensure_apt_packages openssl
  fi
  openssl req -new -x509 -days 3650 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$dir/server.key" -out "$dir/server.crt" >/dev/null 2>&1
  chmod 600 "$dir/server.key"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/server.key" "$dir/server.crt"
fi
if ! run_as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  run_as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" start >&2
fi
echo "postgresql://safelog@127.0.0.1:$port/postgres"

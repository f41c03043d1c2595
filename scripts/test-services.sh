#!/usr/bin/env bash
# Starts the services the test suite talks to, privately and idempotently:
# a PostgreSQL instance on 127.0.0.1:55432 (database/user/password "meerkat").
# Data lives under $MEERKAT_TEST_ROOT (default /tmp/meerkat-test-services).
set -euo pipefail
root=${MEERKAT_TEST_ROOT:-/tmp/meerkat-test-services}
pg_port=${MEERKAT_TEST_PG_PORT:-55432}
pgbin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
mkdir -p "$root"
chmod 755 "$root"

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pgdata="$root/pg"
if ! "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"; then
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    mkdir -p "$pgdata"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$pgdata"
    as_pg "$pgbin/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 >/dev/null
  fi
  as_pg "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
    -o "-p $pg_port -k $pgdata -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null
fi
psql_() { "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "$(psql_ -c "select 1 from pg_roles where rolname='meerkat'")" != 1 ]; then
  psql_ -c "create role meerkat login superuser password 'meerkat'"
fi
if [ "$(psql_ -c "select 1 from pg_database where datname='meerkat'")" != 1 ]; then
  psql_ -c "create database meerkat owner meerkat"
fi
echo "postgres ready on 127.0.0.1:$pg_port"

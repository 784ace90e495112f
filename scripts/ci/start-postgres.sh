#!/usr/bin/env bash
# Starts a throwaway PostgreSQL (Debian's package) on loopback for the coordinator's tests and prints its
# DATABASE_URL. Usage: eval "$(scripts/ci/start-postgres.sh)"; stop it with scripts/ci/stop-postgres.sh "$PGDATA_DIR".
set -euo pipefail
port="${LUMENGRID_PG_PORT:-}"
if [ -z "$port" ]; then
  # The first free port from 54329: another test run may hold the previous one.
  for candidate in $(seq 54329 54429); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
  done
fi
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
dir="$(mktemp -d /tmp/lumengrid-pg-XXXXXX)"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
as_postgres "$bin/initdb" -D "$dir/data" -U lumengrid --auth=trust -E UTF8 >/dev/null
as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U lumengrid lumengrid >/dev/null
echo "export PGDATA_DIR='$dir/data'"
echo "export LUMENGRID_TEST_DATABASE_URL='postgres://lumengrid@127.0.0.1:$port/lumengrid'"

#!/usr/bin/env bash
# Stops a server started by start-postgres.sh and removes its files. Usage: stop-postgres.sh "$PGDATA_DIR"
set -euo pipefail
data="$1"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_postgres "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
rm -rf "$(dirname "$data")"

#!/usr/bin/env bash
# Local infrastructure of one instance (INSTANCE=dev|test): PostgreSQL and Kafka.
#   infra.sh up [--fresh]   start what is not running (reuse what is); --fresh wipes
#                           the instance's data first when nothing of it runs
#   infra.sh down           stop both (nothing to do for external servers)
#   infra.sh status         one line each; exit 1 when something is stopped
#   infra.sh env            shell exports for the services and tests (eval "$(infra.sh env)")
#   infra.sh check-clean    exit 1 and list them when processes of the instance remain
#   infra.sh clean          down, then delete the instance's data (.run/<instance>, and
#                           the cluster's folder outside the clone when it has one)
# With DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS set, those servers are used and nothing starts.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"

env_exports() {
  local name prefix db port
  while IFS=: read -r name prefix db port; do
    local var="${prefix}_DATABASE_URL" url
    url="$(pg_database_url "$db$DB_SUFFIX")"
    # A developer's own <PREFIX>_DATABASE_URL wins for make run; tests always use the test databases.
    [ "$INSTANCE" = dev ] && [ -n "${!var:-}" ] && url="${!var}"
    printf 'export %s=%q\n' "$var" "$url"
    printf 'export %s_PORT=%q\n' "$prefix" "$port"
  done <<<"$SERVICES"
  printf 'export KAFKA_BOOTSTRAP_SERVERS=%q\n' "$(kafka_bootstrap)"
  printf 'export ENFORCEMENT_INSTANCE=%q\n' "$INSTANCE"
  printf 'export ENFORCEMENT_REPO_ROOT=%q\n' "$REPO_ROOT"
  if external_kafka; then printf 'export ENFORCEMENT_KAFKA_MANAGED=0\n'; else printf 'export ENFORCEMENT_KAFKA_MANAGED=1\n'; fi
}

# Processes that belong to this instance: the servers (their command lines name the
# instance folder, or the cluster's folder outside the clone) and service processes
# started from this checkout's virtualenv.
leftovers() {
  local patterns=("$RUN_DIR/" "$PG_SHARED_DIR/")
  local name prefix db port
  while IFS=: read -r name prefix db port; do patterns+=("$VENV_BIN/$name"); done <<<"$SERVICES"
  local p
  for p in "${patterns[@]}"; do pgrep -af -- "$p" || true; done | { grep -v -e pgrep -e infra.sh || true; } | sort -u
}

case "${1:-}" in
  up)
    if [ "${2:-}" = "--fresh" ] && ! "$HERE/pg.sh" status >/dev/null 2>&1 && ! "$HERE/kafka.sh" status >/dev/null 2>&1; then
      if ! external_pg && ! external_kafka; then rm -rf "$RUN_DIR"; remove_pg_shared_dir; fi
    fi
    "$HERE/pg.sh" up
    "$HERE/kafka.sh" up
    ;;
  down)
    # Services left by a `make run` that was killed hard (its trap never ran).
    if [ -f "$RUN_DIR/services.pids" ]; then
      while read -r pid; do kill -TERM "$pid" 2>/dev/null || true; done <"$RUN_DIR/services.pids"
      rm -f "$RUN_DIR/services.pids"
    fi
    "$HERE/kafka.sh" down
    "$HERE/pg.sh" down
    ;;
  status)
    rc=0
    "$HERE/pg.sh" status || rc=1
    "$HERE/kafka.sh" status || rc=1
    exit $rc
    ;;
  env) env_exports ;;
  clean)
    "$0" down
    if external_pg || external_kafka; then die "DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS are set: not deleting local data"; fi
    [ -d "$PG_SHARED_DIR" ] && log "deleting $PG_SHARED_DIR"
    remove_pg_shared_dir
    rm -rf "$RUN_DIR"
    ;;
  check-clean)
    found="$(leftovers)"
    if [ -n "$found" ]; then
      echo "processes of the $INSTANCE instance are still running:" >&2
      echo "$found" >&2
      exit 1
    fi
    echo "no $INSTANCE processes left" >&2
    ;;
  *) echo "usage: $0 up [--fresh]|down|status|env|check-clean|clean" >&2; exit 2 ;;
esac

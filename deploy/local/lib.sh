# Shared settings for the local infrastructure scripts (sourced, not run).
#
# Ports sit below Linux's ephemeral range (32768-60999), where an outgoing
# connection could already hold them.
#
# Two instances never touch each other: `dev` (make run) and `test` (make test).
# Each has its own PostgreSQL cluster, Kafka broker, ports and folder under .run/,
# so a test that stops its broker never disturbs a developer's running stack.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
INSTANCE="${INSTANCE:-dev}"
case "$INSTANCE" in
  dev)  _pg_default=25432; _kafka_default=29092; DB_SUFFIX="" ;;
  test) _pg_default=25433; _kafka_default=29192; DB_SUFFIX="_test" ;;
  *) echo "INSTANCE must be dev or test, not '$INSTANCE'" >&2; exit 2 ;;
esac
if [ "$INSTANCE" = test ]; then
  PG_PORT="${TEST_PG_PORT:-$_pg_default}"
  KAFKA_PORT="${TEST_KAFKA_PORT:-$_kafka_default}"
else
  PG_PORT="${PG_PORT:-$_pg_default}"
  KAFKA_PORT="${KAFKA_PORT:-$_kafka_default}"
fi
KAFKA_CONTROLLER_PORT="$((KAFKA_PORT + 1))"

RUN_DIR="$REPO_ROOT/.run/$INSTANCE"
PG_DIR="$RUN_DIR/pg"
KAFKA_DIR="$RUN_DIR/kafka"

# Local superuser of the repo's cluster; a documented local default, never used elsewhere.
PG_SUPERUSER="${PG_SUPERUSER:-enforcement}"
PG_PASSWORD="${PG_PASSWORD:-enforcement}"
# initdb refuses to run as root: as root the cluster runs as this system user.
PG_OS_USER="${PG_OS_USER:-enforcement-pg}"

KAFKA_VERSION="3.9.1"
KAFKA_CACHE="${KAFKA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/enforcement-platform/kafka-$KAFKA_VERSION}"
KAFKA_HEAP="${KAFKA_HEAP:-384m}"

# The five services: name, environment prefix, database name, port.
SERVICES="case-service:CASE:case_service:8001
tolerance-service:TOLERANCE:tolerance_service:8002
review-service:REVIEW:review_service:8003
accountability-service:ACCOUNTABILITY:accountability_service:8004
stats-service:STATS:stats_service:8005"

VENV_BIN="$REPO_ROOT/.venv/bin"

log() { printf '[%s %s] %s\n' "$(date +%H:%M:%S)" "$INSTANCE" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# True when the caller named an existing PostgreSQL / Kafka: then nothing is started.
external_pg() { [ -n "${DATABASE_URL:-}" ]; }
external_kafka() { [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; }

# libpq URL of the server (no database), for psql; asyncpg URL per database for services.
pg_server_url() {
  if external_pg; then
    printf '%s' "${DATABASE_URL/postgresql+asyncpg:/postgresql:}"
  else
    printf 'postgresql://%s:%s@127.0.0.1:%s/postgres' "$PG_SUPERUSER" "$PG_PASSWORD" "$PG_PORT"
  fi
}
# URL of database $1 on the same server, with the asyncpg driver.
pg_database_url() {
  local base; base="$(pg_server_url)"
  local prefix="${base%/*}" query=""
  case "$base" in *\?*) query="?${base#*\?}" ;; esac
  printf '%s/%s%s' "${prefix/postgresql:/postgresql+asyncpg:}" "$1" "$query"
}
kafka_bootstrap() {
  if external_kafka; then printf '%s' "$KAFKA_BOOTSTRAP_SERVERS"; else printf '127.0.0.1:%s' "$KAFKA_PORT"; fi
}

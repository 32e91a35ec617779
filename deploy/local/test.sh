#!/usr/bin/env bash
# make test: provision the test instance, run the tests, tear everything down.
#   deploy/local/test.sh [SERVICE=<name>] [pytest args…]
# The test instance (own PostgreSQL cluster, own Kafka broker, own ports) starts
# fresh every run and is always stopped at the end, pass or fail, and however the run
# is stopped (SIGINT, SIGTERM or SIGHUP to make alone or to its process group: see
# "Stopping however it is stopped" in lib.sh); then no process of it may remain
# (checked, and a leftover fails the run).
set -euo pipefail
export INSTANCE=test
source "$(dirname "$0")/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
started=$(date +%s)

teardown() {
  local rc=$?
  begin_teardown
  if "$HERE/infra.sh" down; then
    # A cluster kept outside the clone (its owner cannot reach the clone) is not left
    # there: its log is kept with the instance's other logs.
    if [ -d "$PG_SHARED_DIR" ]; then
      cp "$PG_SHARED_DIR/postgres.log" "$RUN_DIR/postgres.log" 2>/dev/null || true
      remove_pg_shared_dir
      log "deleted the test cluster's folder $PG_SHARED_DIR (its log: .run/test/postgres.log)"
    fi
  else
    rc=1
  fi
  "$HERE/infra.sh" check-clean || rc=1
  log "make test finished in $(( $(date +%s) - started )) s with exit code $rc"
  exit $rc
}
supervise
trap teardown EXIT

run_step "$HERE/bootstrap.sh"
run_step "$HERE/infra.sh" up --fresh

args=()
if [ -n "${SERVICE:-}" ]; then
  case "$SERVICE" in
    common) args+=("$REPO_ROOT/libs/common/tests") ;;
    e2e) args+=("$REPO_ROOT/tests") ;;
    *) [ -d "$REPO_ROOT/services/$SERVICE/tests" ] || die "no such service: $SERVICE"; args+=("$REPO_ROOT/services/$SERVICE/tests") ;;
  esac
fi
if external_kafka; then
  log "external Kafka: tests that stop and restart the broker are deselected"
  args+=(-m "not broker_control")
fi
cd "$REPO_ROOT"
# The servers' addresses go to pytest only: this script's own teardown must still see
# whether it started them (an exported DATABASE_URL, or a KAFKA_BOOTSTRAP_SERVERS other
# than the instance's own broker, means "external").
# shellcheck disable=SC2086  # PYTEST_ARGS is split on purpose
run_step --env "$("$HERE/infra.sh" env)" "$VENV_BIN/python" -m pytest "${args[@]}" ${PYTEST_ARGS:-} "$@"

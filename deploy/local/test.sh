#!/usr/bin/env bash
# make test: provision the test instance, run the tests, tear everything down.
#   deploy/local/test.sh [SERVICE=<name>] [pytest args…]
# The test instance (own PostgreSQL cluster, own Kafka broker, own ports) starts
# fresh every run and is always stopped at the end, pass or fail; then no process
# of it may remain (checked, and a leftover fails the run).
set -euo pipefail
export INSTANCE=test
source "$(dirname "$0")/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
started=$(date +%s)

"$HERE/bootstrap.sh"

teardown() {
  local rc=$?
  trap - EXIT INT TERM
  "$HERE/infra.sh" down || rc=1
  "$HERE/infra.sh" check-clean || rc=1
  log "make test finished in $(( $(date +%s) - started )) s with exit code $rc"
  exit $rc
}
trap teardown EXIT
trap 'exit 130' INT TERM

"$HERE/infra.sh" up --fresh

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
# The servers' addresses go to pytest only: this script's own teardown must still
# see whether it started them (an exported KAFKA_BOOTSTRAP_SERVERS means "external").
(eval "$("$HERE/infra.sh" env)"; exec "$VENV_BIN/python" -m pytest "${args[@]}" ${PYTEST_ARGS:-} "$@")

#!/usr/bin/env bash
# make unit: the pure-rule tests only — every test under a tests/unit/ folder and every test
# marked @pytest.mark.unit — without starting PostgreSQL or Kafka.
#   deploy/local/unit.sh [SERVICE=<name>|common] [pytest args…]
# The servers' addresses point at a closed port, so a test that reaches for one fails at
# once instead of finding another instance's servers.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
started=$(date +%s)
NOWHERE="127.0.0.1:9"  # the discard port: nothing listens, a connection is refused at once

KAFKA_BOOTSTRAP_SERVERS="$NOWHERE" "$HERE/bootstrap.sh"  # no Java needed: no broker is started

args=()
if [ -n "${SERVICE:-}" ]; then
  case "$SERVICE" in
    common) args+=("$REPO_ROOT/libs/common/tests") ;;
    *) [ -d "$REPO_ROOT/services/$SERVICE/tests" ] || die "no such service: $SERVICE"; args+=("$REPO_ROOT/services/$SERVICE/tests") ;;
  esac
fi
cd "$REPO_ROOT"
status=0
env ENFORCEMENT_UNIT_ONLY=1 \
  KAFKA_BOOTSTRAP_SERVERS="$NOWHERE" \
  CASE_DATABASE_URL="postgresql+asyncpg://nobody:nothing@$NOWHERE/none" \
  "$VENV_BIN/python" -m pytest -m unit -p no:cacheprovider "${args[@]}" ${PYTEST_ARGS:-} "$@" || status=$?
log "make unit finished in $(( $(date +%s) - started )) s with exit code $status"
exit $status

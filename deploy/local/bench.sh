#!/usr/bin/env bash
# make bench: start the test instance's PostgreSQL and Kafka, run the benchmark
# scripts under deploy/bench, stop everything. Prints figures; the ratios matter,
# not the absolute numbers (the machine is shared and noisy).
set -euo pipefail
export INSTANCE=test
source "$(dirname "$0")/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"

"$HERE/bootstrap.sh"
teardown() {
  local rc=$?
  trap - EXIT INT TERM
  "$HERE/infra.sh" down || rc=1
  exit $rc
}
trap teardown EXIT
trap 'exit 130' INT TERM
"$HERE/infra.sh" up --fresh
rc=0
for bench in bench_case_service bench_review_latency; do
  log "running deploy/bench/$bench.py"
  (eval "$("$HERE/infra.sh" env)"; cd "$REPO_ROOT" && exec "$VENV_BIN/python" "deploy/bench/$bench.py") || rc=1
done
exit $rc

#!/usr/bin/env bash
# make bench: start the test instance's PostgreSQL and Kafka, run the benchmark
# scripts under deploy/bench, stop everything. Prints figures; the ratios matter,
# not the absolute numbers (the machine is shared and noisy).
set -euo pipefail
export INSTANCE=test
source "$(dirname "$0")/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"

teardown() {
  local rc=$?
  begin_teardown
  "$HERE/infra.sh" down || rc=1
  exit $rc
}
supervise
trap teardown EXIT
run_step "$HERE/bootstrap.sh"
run_step "$HERE/infra.sh" up --fresh
rc=0
cd "$REPO_ROOT"
for bench in bench_case_service bench_case_list bench_review_latency bench_tolerance_service bench_interference_register bench_stats_service; do
  log "running deploy/bench/$bench.py"
  run_step --env "$("$HERE/infra.sh" env)" "$VENV_BIN/python" "deploy/bench/$bench.py" || rc=1
done
exit $rc

#!/usr/bin/env bash
# make run: provision the local infrastructure, migrate every service, start all
# five as separate processes on 8001-8005, and stop everything on Ctrl-C.
set -euo pipefail
export INSTANCE=dev
source "$(dirname "$0")/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
LOG_DIR="$RUN_DIR/logs"

"$HERE/bootstrap.sh"

# What make run starts, it stops; infrastructure already up (make up) stays up.
infra_was_up=0
"$HERE/infra.sh" status >/dev/null 2>&1 && infra_was_up=1
pids=()

shutdown() {
  local rc=$?
  trap - EXIT INT TERM
  echo >&2
  if [ ${#pids[@]} -gt 0 ]; then
    log "stopping services"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 1 150); do
      local alive=0 pid
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ $alive = 0 ] && break
      sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
    rm -f "$RUN_DIR/services.pids"
  fi
  if [ $infra_was_up = 0 ]; then "$HERE/infra.sh" down || true; fi
  exit $rc
}
trap shutdown EXIT
trap 'exit 130' INT TERM

"$HERE/infra.sh" up
mkdir -p "$LOG_DIR"
SERVICE_ENV="$("$HERE/infra.sh" env)"

while IFS=: read -r name prefix db port; do
  log "migrating $name"
  (eval "$SERVICE_ENV"; exec "$VENV_BIN/$name" migrate) >>"$LOG_DIR/$name.log" 2>&1 || { tail -20 "$LOG_DIR/$name.log" >&2; die "migration of $name failed"; }
done <<<"$SERVICES"

while IFS=: read -r name prefix db port; do
  # setsid: Ctrl-C reaches this script's trap only, which stops services, then infra.
  (eval "$SERVICE_ENV"; exec setsid "$VENV_BIN/$name" serve) >>"$LOG_DIR/$name.log" 2>&1 &
  pids+=($!)
  echo $! >>"$RUN_DIR/services.pids"  # for `make down` after a hard kill of this script
done <<<"$SERVICES"

# Ready when every /readyz answers 200.
for _ in $(seq 1 120); do
  ready=0
  while IFS=: read -r name prefix db port; do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && ready=$((ready + 1))
  done <<<"$SERVICES"
  [ $ready = 5 ] && break
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || die "a service exited during start-up; see $LOG_DIR"; done
  sleep 0.5
done
[ $ready = 5 ] || die "services not ready after 60 s; see $LOG_DIR"

cat <<MSG

  The platform is running (logs: $LOG_DIR/<service>.log).

  case-service            http://127.0.0.1:8001/docs
  tolerance-service       http://127.0.0.1:8002/docs
  review-service          http://127.0.0.1:8003/docs
  accountability-service  http://127.0.0.1:8004/docs
  stats-service           http://127.0.0.1:8005/docs

  PostgreSQL  $(pg_server_url | sed -E 's#//[^@]*@#//***@#')
  Kafka       $(kafka_bootstrap)

  A token:    make token ROLE=admin
              make token ROLE=officer UNIT=<unit uuid>
  then        curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:8001/api/v1/...

  Ctrl-C stops everything this command started.

MSG

# Wait until Ctrl-C, or until a service dies (then stop the rest and fail).
while true; do
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      die "a service (pid ${pids[$i]}) exited; see $LOG_DIR"
    fi
  done
  sleep 1
done

#!/usr/bin/env bash
# make run: provision the local infrastructure, migrate every service, start all
# five as separate processes on 8001-8005 (<PREFIX>_PORT moves one), and stop
# everything on Ctrl-C — or on SIGINT, SIGTERM or SIGHUP to make alone or to its
# process group (see "Stopping however it is stopped" in lib.sh).
set -euo pipefail
export INSTANCE=dev
source "$(dirname "$0")/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
LOG_DIR="$RUN_DIR/logs"

# What make run starts, it stops; infrastructure already up (make up) stays up.
infra_was_up=0
"$HERE/infra.sh" status >/dev/null 2>&1 && infra_was_up=1
pids=()

shutdown() {
  local rc=$?
  begin_teardown
  echo >&2
  if [ ${#pids[@]} -gt 0 ]; then
    log "stopping services"
    stop_groups 15 "${pids[@]}"  # each service is its own process group (setsid below)
    rm -f "$RUN_DIR/services.pids"
  fi
  if [ $infra_was_up = 0 ]; then "$HERE/infra.sh" down || rc=1; fi
  exit $rc
}
supervise
trap shutdown EXIT

run_step "$HERE/bootstrap.sh"
run_step "$HERE/infra.sh" up
mkdir -p "$LOG_DIR"
SERVICE_ENV="$("$HERE/infra.sh" env)"

# The five migrations at once (each service has its own database).
log "migrating the five services"
migrations=()
while IFS=: read -r name prefix db port; do
  start_step --env "$SERVICE_ENV" "$VENV_BIN/$name" migrate >>"$LOG_DIR/$name.log" 2>&1
  migrations+=("$name:${STEP_PIDS[-1]}")
done <<<"$SERVICES"
failed=""
for migration in "${migrations[@]}"; do
  name="${migration%%:*}"
  wait_step "${migration#*:}" || { tail -20 "$LOG_DIR/$name.log" >&2; failed+=" $name"; }
done
[ -z "$failed" ] || die "migration failed:$failed (see $LOG_DIR)"

while IFS=: read -r name prefix db port; do
  # setsid: its own process group; Ctrl-C reaches this script's trap only, which
  # stops services, then infra.
  (eval "$SERVICE_ENV"; exec setsid "$VENV_BIN/$name" serve) >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
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

case_port="$(sed -n 's/^case-service:[^:]*:[^:]*://p' <<<"$SERVICES")"
cat <<MSG

  The platform is running (logs: $LOG_DIR/<service>.log).

$(while IFS=: read -r name prefix db port; do printf '  %-23s http://127.0.0.1:%s/docs\n' "$name" "$port"; done <<<"$SERVICES")

  PostgreSQL  $(pg_server_url | sed -E 's#//[^@]*@#//***@#')
  Kafka       $(kafka_bootstrap)

  A token:    make token ROLE=admin
              make token ROLE=officer UNIT=<unit uuid>
  then        curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$case_port/api/v1/...

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

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
  # make chaos (deploy/chaos): a private instance the suite starts, faults and stops.
  chaos) _pg_default=25434; _kafka_default=29292; DB_SUFFIX="_chaos" ;;
  *) echo "INSTANCE must be dev, test or chaos, not '$INSTANCE'" >&2; exit 2 ;;
esac
if [ "$INSTANCE" = test ]; then
  PG_PORT="${TEST_PG_PORT:-$_pg_default}"
  KAFKA_PORT="${TEST_KAFKA_PORT:-$_kafka_default}"
elif [ "$INSTANCE" = chaos ]; then
  PG_PORT="${CHAOS_PG_PORT:-$_pg_default}"
  KAFKA_PORT="${CHAOS_KAFKA_PORT:-$_kafka_default}"
else
  PG_PORT="${PG_PORT:-$_pg_default}"
  KAFKA_PORT="${KAFKA_PORT:-$_kafka_default}"
fi
KAFKA_CONTROLLER_PORT="$((KAFKA_PORT + 1))"

RUN_DIR="$REPO_ROOT/.run/$INSTANCE"
KAFKA_DIR="$RUN_DIR/kafka"

# Local superuser of the repo's cluster; a documented local default, never used elsewhere.
PG_SUPERUSER="${PG_SUPERUSER:-enforcement}"
PG_PASSWORD="${PG_PASSWORD:-enforcement}"
# initdb refuses to run as root: as root the cluster runs as this system user.
PG_OS_USER="${PG_OS_USER:-enforcement-pg}"

# Where the cluster's files are (PG_DIR: data/, postgres.log). Normally .run/<instance>/pg.
# As root the cluster runs as $PG_OS_USER, who cannot reach a clone under a folder other
# users may not enter (root's home is mode 700, so is a `mktemp -d` folder): then pg.sh
# puts them in $PG_SHARED_DIR, a folder of that user named after the clone's path
# (a hash of it; the `clone` file beside it names the path), says so, and leaves
# .run/<instance>/pg as a link to it. Once that folder exists it is the cluster's place.
PG_SHARED_ROOT="${PG_SHARED_ROOT:-/var/lib/enforcement-pg}"
CLONE_ID="$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-16)"
PG_SHARED_DIR="$PG_SHARED_ROOT/$CLONE_ID/$INSTANCE"
if [ -d "$PG_SHARED_DIR" ]; then PG_DIR="$PG_SHARED_DIR"; else PG_DIR="$RUN_DIR/pg"; fi

# Delete the cluster folder outside the clone (nothing may run from it), and the clone's
# folder under $PG_SHARED_ROOT once no instance uses it.
remove_pg_shared_dir() {
  [ -d "$PG_SHARED_DIR" ] || return 0
  rm -rf "$PG_SHARED_DIR"
  [ -L "$RUN_DIR/pg" ] && rm -f "$RUN_DIR/pg"
  local parent="$PG_SHARED_ROOT/$CLONE_ID"
  if [ -z "$(find "$parent" -mindepth 1 -maxdepth 1 -type d 2>/dev/null)" ]; then rm -rf "$parent"; fi
  return 0
}

KAFKA_VERSION="3.9.1"
KAFKA_CACHE="${KAFKA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/enforcement-platform/kafka-$KAFKA_VERSION}"
KAFKA_HEAP="${KAFKA_HEAP:-384m}"

# The five services: name, environment prefix, database name, port. make run's ports
# can be moved with <PREFIX>_PORT (CASE_PORT=18001 …); the test instance keeps these.
if [ "$INSTANCE" = dev ]; then
  SERVICES="case-service:CASE:case_service:${CASE_PORT:-8001}
tolerance-service:TOLERANCE:tolerance_service:${TOLERANCE_PORT:-8002}
review-service:REVIEW:review_service:${REVIEW_PORT:-8003}
accountability-service:ACCOUNTABILITY:accountability_service:${ACCOUNTABILITY_PORT:-8004}
stats-service:STATS:stats_service:${STATS_PORT:-8005}"
elif [ "$INSTANCE" = chaos ]; then
  _base="${CHAOS_SERVICE_PORT_BASE:-18100}"
  SERVICES="case-service:CASE:case_service:$((_base + 1))
tolerance-service:TOLERANCE:tolerance_service:$((_base + 2))
review-service:REVIEW:review_service:$((_base + 3))
accountability-service:ACCOUNTABILITY:accountability_service:$((_base + 4))
stats-service:STATS:stats_service:$((_base + 5))"
else
  SERVICES="case-service:CASE:case_service:8001
tolerance-service:TOLERANCE:tolerance_service:8002
review-service:REVIEW:review_service:8003
accountability-service:ACCOUNTABILITY:accountability_service:8004
stats-service:STATS:stats_service:8005"
fi

VENV_BIN="$REPO_ROOT/.venv/bin"

log() { printf '[%s %s] %s\n' "$(date +%H:%M:%S)" "$INSTANCE" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# True when the caller named an existing PostgreSQL / Kafka: then nothing is started. The
# instance's own broker named back (a shell that ran `eval "$(infra.sh env)"`) is still ours:
# `infra.sh down` from that shell stops it.
external_pg() { [ -n "${DATABASE_URL:-}" ]; }
external_kafka() { [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ] && [ "$KAFKA_BOOTSTRAP_SERVERS" != "127.0.0.1:$KAFKA_PORT" ]; }

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

# --- Stopping however it is stopped (test.sh, run.sh, bench.sh) ----------------------
# Whatever signal stops `make test` / `make run` — SIGINT, SIGTERM or SIGHUP, sent to
# make alone or to its whole process group — the script behind it must stop what it
# started. Three facts stand in the way:
#   - GNU make passes SIGTERM on to the recipe's process and waits for it; on SIGINT or
#     SIGHUP it only waits (it assumes the terminal signalled the whole group);
#   - bash runs a trap only once its foreground command has ended (pytest: minutes);
#   - a signal to the group reaches this script twice (directly, and from make).
# So a script that starts things:
#   - calls supervise first: traps INT/TERM/HUP (exit 130/143/129, which runs its EXIT
#     trap, the teardown) and starts a watchdog that sends this script SIGTERM when the
#     make above it is interrupted (its handler for INT/TERM/HUP is gone: make is only
#     waiting for us now) or gone (killed with SIGKILL: this script was re-parented);
#   - runs every long step with run_step (or start_step … wait_step): in its own
#     session, waited for in the background, so a trap runs at once and the teardown
#     can stop the step's whole process group (the terminal's Ctrl-C reaches this
#     script only);
#   - begins its teardown with begin_teardown: further INT/TERM/HUP are ignored, by the
#     teardown and the commands it runs, so a second signal cannot cut it short.

STEP_PIDS=()
WATCHDOG_PID=""
STOPPING=""

on_signal() {
  [ -n "$STOPPING" ] && return 0
  STOPPING=1
  log "$1 received: stopping"
  exit "$2"
}

# ppid_of PID: the parent process id, from /proc (no subprocess).
ppid_of() {
  local stat rest
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  rest="${stat##*) }"          # after "pid (comm) "; comm may hold spaces or parentheses
  # shellcheck disable=SC2086  # split on purpose: state ppid …
  set -- $rest
  printf '%s' "$2"
}

# signal_mask PID Sig{Cgt,Ign}: the hex mask from /proc/PID/status.
signal_mask() {
  local key value
  while read -r key value; do
    [ "$key" = "$2:" ] && { printf '%s' "$value"; return 0; }
  done 2>/dev/null <"/proc/$1/status"
  return 1
}

# True while make (pid $1) still handles HUP, INT and TERM as it did when it started:
# each caught or ignored. GNU make resets a signal to its default as it begins to die of
# it; a zombie or a vanished process fails too.
make_is_sound() {
  local caught ignored fatal=$(( (1 << 0) | (1 << 1) | (1 << 14) ))   # HUP INT TERM
  caught="$(signal_mask "$1" SigCgt)" || return 1
  ignored="$(signal_mask "$1" SigIgn)" || return 1
  (( ((16#$caught | 16#$ignored) & fatal) == fatal ))
}

supervise() {
  trap 'on_signal SIGINT 130' INT
  trap 'on_signal SIGTERM 143' TERM
  trap 'on_signal SIGHUP 129' HUP
  local main=$$ parent make_pid="" pid comm
  parent="$(ppid_of "$main")"
  # The nearest make above this script (a recipe may run it through a shell).
  pid="$parent"
  while [ -n "$pid" ] && [ "$pid" -gt 1 ]; do
    comm=""; read -r comm 2>/dev/null <"/proc/$pid/comm" || break
    case "$comm" in make|gmake) make_pid="$pid"; break ;; esac
    pid="$(ppid_of "$pid")" || break
  done
  (
    trap - INT TERM HUP EXIT
    reason=""
    while kill -0 "$main" 2>/dev/null; do
      if [ "$(ppid_of "$main")" != "$parent" ]; then reason="its parent (pid $parent) is gone"; break; fi
      if [ -n "$make_pid" ] && ! make_is_sound "$make_pid"; then reason="make (pid $make_pid) was interrupted"; break; fi
      sleep 0.5
    done
    if [ -n "$reason" ] && kill -0 "$main" 2>/dev/null; then
      log "$reason: stopping"
      kill -TERM "$main" 2>/dev/null
    fi
  ) </dev/null &
  WATCHDOG_PID=$!
}

# start_step [--env EXPORTS] COMMAND…: start COMMAND in its own session (EXPORTS, shell
# code from `infra.sh env`, evaluated first) with this script's standard input;
# STEP_PIDS holds it until wait_step. A trap then runs at once (bash runs traps only
# between commands, and `wait` is one it can interrupt) and begin_teardown stops the
# step's whole process group.
start_step() {
  local exports=""
  if [ "${1:-}" = --env ]; then exports="$2"; shift 2; fi
  # A background subshell is no process group leader, so setsid does not fork: the
  # step's pid is its process group (and session) id.
  (
    if [ -n "$exports" ]; then eval "$exports"; fi
    exec setsid "$@"
  ) <&0 &
  STEP_PIDS+=("$!")
}

# wait_step PID: wait for a started step; its exit code.
wait_step() {
  local rc=0 pid kept=()
  wait "$1" || rc=$?
  for pid in "${STEP_PIDS[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
  STEP_PIDS=("${kept[@]}")
  return "$rc"
}

# run_step [--env EXPORTS] COMMAND…: start_step, then wait_step.
run_step() {
  start_step "$@"
  wait_step "${STEP_PIDS[-1]}"
}

# stop_groups SECONDS PGID…: SIGTERM to each process group, SIGKILL to what remains after SECONDS.
stop_groups() {
  local seconds="$1" pgid i alive
  shift
  [ $# -gt 0 ] || return 0
  for pgid in "$@"; do kill -TERM -- "-$pgid" 2>/dev/null || true; done
  for ((i = 0; i < seconds * 10; i++)); do
    alive=0
    for pgid in "$@"; do kill -0 -- "-$pgid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.1
  done
  for pgid in "$@"; do
    if kill -0 -- "-$pgid" 2>/dev/null; then
      log "process group $pgid still running after $seconds s: killing it"
      kill -KILL -- "-$pgid" 2>/dev/null || true
    fi
  done
}

begin_teardown() {
  STOPPING=1
  trap '' INT TERM HUP
  trap - EXIT
  if [ -n "$WATCHDOG_PID" ]; then kill "$WATCHDOG_PID" 2>/dev/null || true; WATCHDOG_PID=""; fi
  if [ ${#STEP_PIDS[@]} -gt 0 ]; then
    local pid
    for pid in "${STEP_PIDS[@]}"; do log "stopping $(ps -o args= -p "$pid" 2>/dev/null | cut -c1-80 || echo "pid $pid")"; done
    stop_groups 20 "${STEP_PIDS[@]}"
    for pid in "${STEP_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    STEP_PIDS=()
  fi
}

#!/usr/bin/env bash
# Local PostgreSQL cluster for one instance: pg.sh up|down|status
#
# Uses the system's PostgreSQL binaries (Debian's `postgresql` package is installed
# when they are absent and we are root). The cluster lives in .run/<instance>/pg,
# listens on 127.0.0.1:$PG_PORT only (no Unix socket, so long clone paths are fine)
# and, because initdb refuses to run as root, runs as an unprivileged user; when that
# user cannot reach the clone, the cluster lives under $PG_SHARED_ROOT (see lib.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

pg_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && { printf '%s' "$dir"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

install_postgresql() {
  [ "$(id -u)" = 0 ] || die "PostgreSQL server binaries not found; install them (Debian: apt-get install postgresql) or set DATABASE_URL"
  log "installing Debian's postgresql package"
  # Keep the package's own cluster from starting: we run ours.
  local policy=/usr/sbin/policy-rc.d created=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  [ "$created" = 1 ] && rm -f "$policy"
  return 0
}

# Run a command as the cluster's owner (from /: the owner may not be able to enter the
# current folder).
as_owner() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$PG_OS_USER" -- "$@"); else "$@"; fi
}

# Before a new cluster is made: as root, check that its owner can reach and write the
# folder in the clone; if not, use the folder outside it (lib.sh: PG_SHARED_DIR).
choose_place() {
  # A link left to a folder that is gone (deleted by hand).
  if [ -L "$RUN_DIR/pg" ] && [ ! -e "$RUN_DIR/pg" ]; then rm -f "$RUN_DIR/pg"; fi
  [ "$(id -u)" = 0 ] || return 0
  if [ "$PG_DIR" != "$PG_SHARED_DIR" ]; then
    [ -f "$PG_DIR/data/PG_VERSION" ] && return 0
    mkdir -p "$PG_DIR"
    chown "$PG_OS_USER" "$PG_DIR"
    as_owner test -w "$PG_DIR" -a -x "$PG_DIR" && return 0
    rmdir "$PG_DIR" 2>/dev/null || true
    PG_DIR="$PG_SHARED_DIR"
  fi
  # root-owned and open for traversal up to the clone's folder, then the owner's, 0700.
  install -d -m 755 "$PG_SHARED_ROOT" "$PG_SHARED_ROOT/$CLONE_ID"
  printf '%s\n' "$REPO_ROOT" >"$PG_SHARED_ROOT/$CLONE_ID/clone"
  install -d -m 700 -o "$PG_OS_USER" "$PG_DIR"
  mkdir -p "$RUN_DIR"
  [ -e "$RUN_DIR/pg" ] || ln -sfn "$PG_DIR" "$RUN_DIR/pg"
  log "$PG_OS_USER (the cluster's owner) cannot reach $REPO_ROOT: the $INSTANCE cluster's data is in $PG_DIR (linked from .run/$INSTANCE/pg)"
}

ensure_os_user() {
  [ "$(id -u)" = 0 ] || return 0
  id -u "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
}

running() {
  [ -f "$PG_DIR/data/postmaster.pid" ] || return 1
  local pid; pid="$(head -1 "$PG_DIR/data/postmaster.pid")"
  kill -0 "$pid" 2>/dev/null
}

psql_admin() {
  PGCONNECT_TIMEOUT=5 psql "$(pg_server_url)" -v ON_ERROR_STOP=1 -qAtX "$@"
}

create_databases() {
  local line name prefix db port
  while IFS=: read -r name prefix db port; do
    db="$db$DB_SUFFIX"
    if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      psql_admin -c "CREATE DATABASE \"$db\"" && log "created database $db"
    fi
  done <<<"$SERVICES"
}

up() {
  if external_pg; then
    log "using PostgreSQL named by DATABASE_URL; starting nothing"
    create_databases
    return 0
  fi
  local bin; bin="$(pg_bindir)" || { install_postgresql; bin="$(pg_bindir)"; }
  ensure_os_user
  choose_place
  mkdir -p "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$PG_DIR"
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    log "initdb $PG_DIR/data ($("$bin/postgres" --version))"
    local pwfile; pwfile="$(mktemp "$PG_DIR/pwfile.XXXXXX")"; printf '%s\n' "$PG_PASSWORD" >"$pwfile"
    [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$pwfile"
    as_owner "$bin/initdb" -D "$PG_DIR/data" -U "$PG_SUPERUSER" --pwfile="$pwfile" \
      --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
      || { rm -f "$pwfile"; cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    rm -f "$pwfile"
  fi
  if running; then
    log "PostgreSQL already running on 127.0.0.1:$PG_PORT"
  else
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    # setsid: the server is not in the caller's process group, so Ctrl-C reaches the
    # caller's trap, which stops things in order, instead of killing the server midway.
    as_owner setsid "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories='' -c fsync=${PG_FSYNC:-on} -c max_connections=200" \
      start >/dev/null || { tail -20 "$PG_DIR/postgres.log" >&2; die "PostgreSQL did not start"; }
  fi
  create_databases
}

# A `pg_ctl start` of this cluster still under way (its caller was stopped midway):
# its server would come up after `down` looked.
starting() {
  pgrep -f -- "pg_ctl -D $PG_DIR/data .* start" >/dev/null 2>&1
}

down() {
  external_pg && return 0
  local i
  for ((i = 0; i < 600; i++)); do starting || break; sleep 0.1; done
  running || return 0
  log "stopping PostgreSQL"
  local bin; bin="$(pg_bindir)"
  as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null
}

status() {
  if external_pg; then echo "postgresql: external ($(pg_server_url | sed -E 's#//[^@]*@#//***@#'))"; return 0; fi
  if running; then echo "postgresql: running on 127.0.0.1:$PG_PORT (pid $(head -1 "$PG_DIR/data/postmaster.pid"), data $PG_DIR/data)"
  else echo "postgresql: stopped"; return 1; fi
}

case "${1:-}" in
  up) up ;; down) down ;; status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac

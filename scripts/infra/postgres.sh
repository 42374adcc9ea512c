#!/usr/bin/env bash
# A PostgreSQL 15 cluster of the project's own, on loopback, for tests and dev.
#   scripts/infra/postgres.sh start    init (first time) and start it; create role and database lm
#   scripts/infra/postgres.sh wait     wait until database lm accepts connections (fails with the log tail)
#   scripts/infra/postgres.sh stop     stop it (fast shutdown)
#   scripts/infra/postgres.sh reset    stop it and wipe the cluster (the next start is a fresh one)
#   scripts/infra/postgres.sh status   print whether it runs; exit 0 when it does
# Port: 127.0.0.1:$LM_PG_PORT (15432), TCP on loopback only, password (scram) required.
# Unix socket: inside the data folder, so only its owner can use it.
# Data and logs: $LM_PG_DIR (default /tmp/lm-postgres-<uid>-<port>)/{data,logs}; the server log is logs/postgres.log (kept).
# Clients connect with DATABASE_URL=postgres://lm:$LM_PG_PASSWORD@127.0.0.1:15432/lm
# (LM_PG_PASSWORD defaults to the dev-only password "lm-dev-password").
# As root the server runs as the system user `postgres` (created when missing): initdb and the
# server refuse to run as root.
. "$(dirname "$0")/../lib/common.sh"

PG_MAJOR=15
bin="/usr/lib/postgresql/$PG_MAJOR/bin"
port="${LM_PG_PORT:-15432}"
password="${LM_PG_PASSWORD:-lm-dev-password}"
# Outside the checkout: the server runs as the `postgres` user, which cannot enter a clone made in a
# private (0700) temp folder such as CI's.
dir="${LM_PG_DIR:-${TMPDIR:-/tmp}/lm-postgres-$(id -u)-$port}"
data="$dir/data"
logs="$dir/logs"
logfile="$logs/postgres.log"
superuser=postgres

# Runs a command as the user that owns the cluster.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

ensure_owner() {
  [ "$(id -u)" -eq 0 ] || return 0
  if ! id postgres >/dev/null 2>&1; then
    lm_log "creating the system user postgres"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  mkdir -p "$data" "$logs"
  chown postgres:postgres "$dir" "$logs"
  chown -R postgres:postgres "$data"
  chmod 0700 "$data"
  # The server must reach its data folder through every parent folder.
  runuser -u postgres -- test -x "$dir" ||
    lm_die "the postgres user cannot reach $dir (a parent folder is not world-searchable); set LM_DATA_DIR"
}

running_pid() { lm_running_pid "$data/postmaster.pid" 'postgres'; }
port_open() { lm_port_open "$port"; }

# psql as the superuser through the cluster's own unix socket (trusted; nobody else can reach it).
psql_admin() {
  as_owner "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$data" -p "$port" -U "$superuser" -d postgres "$@"
}

init_cluster() {
  if [ -f "$data/PG_VERSION" ] && [ ! -f "$data/lm.conf" ]; then
    lm_log "$data holds a cluster this script did not make; starting afresh"
    rm -rf "$data"
  fi
  [ -f "$data/PG_VERSION" ] && return 0
  lm_log "initialising a PostgreSQL $PG_MAJOR cluster in $data"
  mkdir -p "$data" "$logs"
  ensure_owner
  as_owner "$bin/initdb" --pgdata="$data" --username="$superuser" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >"$logs/initdb.log" 2>&1 ||
    { cat "$logs/initdb.log" >&2; lm_die "initdb failed"; }
  # Settings of our own in one included file; postgresql.conf stays as initdb wrote it.
  cat >"$data/lm.conf" <<EOF
# Written by scripts/infra/postgres.sh; edit the script, not this file.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
unix_socket_permissions = 0700
password_encryption = 'scram-sha-256'
# A dev/test server: a crash may lose the last commits, never corrupts (unlike fsync=off).
synchronous_commit = off
max_connections = 100
shared_buffers = 128MB
log_line_prefix = '%m [%p] %q%u@%d '
log_min_duration_statement = 1000
EOF
  echo "include 'lm.conf'" >>"$data/postgresql.conf"
  # Loopback only, passwords only; the unix socket (owner-only) is trusted for the admin.
  cat >"$data/pg_hba.conf" <<'EOF'
# Written by scripts/infra/postgres.sh; edit the script, not this file.
local   all   all                 trust
host    all   all   127.0.0.1/32  scram-sha-256
EOF
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data/lm.conf" "$data/pg_hba.conf"
  return 0
}

# Role and database lm, created when missing; the password is set on every start so that a
# changed LM_PG_PASSWORD takes effect.
provision() {
  local sql_password=${password//\'/\'\'}
  psql_admin <<EOF
SELECT 'CREATE ROLE lm LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lm') \gexec
ALTER ROLE lm WITH LOGIN PASSWORD '$sql_password';
SELECT 'CREATE DATABASE lm OWNER lm' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'lm') \gexec
EOF
}

start() {
  [ -x "$bin/postgres" ] || bash "$LM_ROOT/scripts/setup/postgres.sh"
  if pid="$(running_pid)"; then
    lm_log "PostgreSQL already runs (pid $pid) on 127.0.0.1:$port"
    return 0
  fi
  if port_open; then
    lm_die "127.0.0.1:$port is taken by another process (not our cluster); set LM_PG_PORT"
  fi
  init_cluster
  ensure_owner
  # The port is part of the config (and of the socket's name): follow LM_PG_PORT on every start.
  sed -i "s/^port = .*/port = $port/" "$data/lm.conf"
  lm_log "starting PostgreSQL $PG_MAJOR on 127.0.0.1:$port (log: $logfile)"
  [ -f "$logfile" ] && mv -f "$logfile" "$logs/postgres.previous.log"
  # -w: a server start takes about a second; waiting here lets start create the role and database.
  as_owner "$bin/pg_ctl" --pgdata="$data" --log="$logfile" --wait --timeout=60 start >/dev/null ||
    { tail -n 40 "$logfile" >&2 2>/dev/null; lm_die "PostgreSQL did not start"; }
  provision || { tail -n 20 "$logfile" >&2 2>/dev/null; lm_die "creating role/database lm failed"; }
}

ready() {
  running_pid >/dev/null &&
    PGPASSWORD="$password" "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U lm -d lm -c 'select 1' >/dev/null 2>&1
}

wait_ready() {
  lm_wait_server "PostgreSQL on 127.0.0.1:$port" "${LM_PG_WAIT_SECONDS:-60}" running_pid ready "$logfile"
  lm_log "PostgreSQL ready on 127.0.0.1:$port (database lm)"
}

stop() {
  if ! running_pid >/dev/null; then
    return 0
  fi
  lm_log "stopping PostgreSQL"
  # fast: roll back open transactions and disconnect clients (a test run may leave pools open).
  as_owner "$bin/pg_ctl" --pgdata="$data" --mode=fast --wait --timeout=60 stop >/dev/null ||
    as_owner "$bin/pg_ctl" --pgdata="$data" --mode=immediate stop >/dev/null
}

lm_infra_main postgres "$port" "$data" "$@"

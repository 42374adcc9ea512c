#!/usr/bin/env bash
# Backs up the platform's PostgreSQL database with pg_dump (custom format: compressed, restorable
# table by table with scripts/restore.sh).
#   scripts/backup.sh [file] [-- extra pg_dump options]
# Database: $DATABASE_URL (default: the dev server of scripts/infra/postgres.sh).
# File: default $LM_DATA_DIR/backups/lm-<UTC timestamp>.dump (mode 600: it holds password hashes).
# Prints the path of the written file on stdout.
. "$(dirname "$0")/lib/common.sh"

PG_MAJOR=15
url="${DATABASE_URL:-postgres://lm:${LM_PG_PASSWORD:-lm-dev-password}@127.0.0.1:${LM_PG_PORT:-15432}/lm}"
file=""
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  file=$1
  shift
fi
[ "${1:-}" = "--" ] && shift
if [ -z "$file" ]; then
  mkdir -p "$LM_DATA_DIR/backups"
  file="$LM_DATA_DIR/backups/lm-$(date -u +%Y%m%dT%H%M%SZ).dump"
fi

# The server's own major version of pg_dump (a newer client is fine, an older one refuses).
pg_dump="/usr/lib/postgresql/$PG_MAJOR/bin/pg_dump"
[ -x "$pg_dump" ] || lm_apt_install "postgresql-client-$PG_MAJOR"

mkdir -p "$(dirname "$file")"
partial="$file.partial"
umask 077
# --no-owner/--no-privileges: restorable into a database owned by another role.
if ! "$pg_dump" --format=custom --no-owner --no-privileges --file="$partial" "$@" "$url"; then
  rm -f "$partial"
  lm_die "pg_dump failed"
fi
mv "$partial" "$file"
lm_log "backup written: $file ($(du -h "$file" | cut -f1))"
echo "$file"

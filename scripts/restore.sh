#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh into the platform's PostgreSQL database.
#   scripts/restore.sh <file> --yes [-- extra pg_restore options]
# Database: $DATABASE_URL (default: the dev server of scripts/infra/postgres.sh).
# Objects in the backup are dropped and recreated (--clean --if-exists) in one transaction: the
# restore either completes or changes nothing. Stop the platform first.
. "$(dirname "$0")/lib/common.sh"

PG_MAJOR=15
url="${DATABASE_URL:-postgres://lm:${LM_PG_PASSWORD:-lm-dev-password}@127.0.0.1:${LM_PG_PORT:-15432}/lm}"
file="${1:-}"
[ -n "$file" ] || lm_die "usage: scripts/restore.sh <file> --yes [-- pg_restore options]"
[ -s "$file" ] || lm_die "no backup at $file"
shift
confirmed=""
if [ "${1:-}" = "--yes" ]; then
  confirmed=1
  shift
fi
[ "${1:-}" = "--" ] && shift
[ -n "$confirmed" ] || lm_die "restoring replaces the data in the database; pass --yes to go ahead"

pg_restore="/usr/lib/postgresql/$PG_MAJOR/bin/pg_restore"
[ -x "$pg_restore" ] || lm_apt_install "postgresql-client-$PG_MAJOR"

"$pg_restore" --list "$file" >/dev/null || lm_die "$file is not a pg_dump custom-format backup"
"$pg_restore" --clean --if-exists --no-owner --no-privileges --single-transaction \
  --exit-on-error --dbname="$url" "$@" "$file" || lm_die "pg_restore failed; the database is unchanged"
lm_log "restored $file"

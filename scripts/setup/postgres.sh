#!/usr/bin/env bash
# Installs the PostgreSQL server for the integration tests and the distributed mode (idempotent).
#
# Debian's postgresql-15 is used as a set of binaries only (/usr/lib/postgresql/15/bin):
# scripts/infra/postgres.sh creates its own cluster in $LM_DATA_DIR/postgres and never touches
# the system's clusters. pgvector is not packaged for Debian 12 here, so the server has no vector
# type; vector search on the server side goes to Qdrant, embedded mode uses PGlite's pgvector.
. "$(dirname "$0")/../lib/common.sh"

PG_MAJOR=15

# Debian's package creates and starts a "main" cluster on 5432 unless told not to; the project
# needs none, so keep a fresh machine from growing one (existing clusters are left alone).
if [ ! -d "/usr/lib/postgresql/$PG_MAJOR/bin" ] && [ "$(id -u)" -eq 0 ]; then
  mkdir -p /etc/postgresql-common
  conf=/etc/postgresql-common/createcluster.conf
  if [ ! -f "$conf" ] || ! grep -q '^create_main_cluster' "$conf"; then
    echo 'create_main_cluster = false' >>"$conf"
  fi
fi
lm_apt_install "postgresql-$PG_MAJOR" "postgresql-client-$PG_MAJOR"

[ -x "/usr/lib/postgresql/$PG_MAJOR/bin/postgres" ] ||
  lm_die "postgresql-$PG_MAJOR is installed but /usr/lib/postgresql/$PG_MAJOR/bin/postgres is missing"

#!/usr/bin/env bash
# The README's test command: sets up everything, starts real Kafka, PostgreSQL and Keycloak on
# loopback, runs every check and test (unit and integration), and stops the servers again.
. "$(dirname "$0")/lib/common.sh"
cd "$LM_ROOT"
bash scripts/setup.sh test

export KAFKA_BROKERS="127.0.0.1:${LM_KAFKA_PORT:-19092}"
export DATABASE_URL="${DATABASE_URL:-postgres://lm:lm-dev-password@127.0.0.1:${LM_PG_PORT:-15432}/lm}"
export KEYCLOAK_URL="http://127.0.0.1:${LM_KEYCLOAK_PORT:-18080}"
export KEYCLOAK_REALM="little-monster"

servers=(kafka postgres keycloak)
stop_servers() {
  for s in "${servers[@]}"; do bash "scripts/infra/$s.sh" stop || true; done
}
trap stop_servers EXIT
for s in "${servers[@]}"; do bash "scripts/infra/$s.sh" start; done

results="$LM_DATA_DIR/test-results"
rm -rf "$results" && mkdir -p "$results"
failed=0
run_check() {
  local name=$1
  shift
  lm_log "check: $name"
  if ! "$@"; then
    lm_log "check failed: $name"
    failed=1
  fi
}

# Static checks run while the servers start.
run_check "generated protobuf code is up to date" bash scripts/check-proto-drift.sh
run_check "typecheck" npx tsc -p tsconfig.json --noEmit
run_check "web app typecheck (svelte-check)" npm run --silent check -w @lm/web
run_check "lint" npx eslint --max-warnings 0 .
run_check "format" npx prettier --check --log-level warn .
run_check "unit tests" npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$results/unit.json"

for s in "${servers[@]}"; do bash "scripts/infra/$s.sh" wait; done
run_check "integration tests" npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$results/integration.json"

# The k6 load smoke (docs/loadtesting.md): every scenario briefly against a throw-away embedded
# platform, with the platform's targets as thresholds (caption p95, fan-out p99, error rate).
# It needs none of the servers, and its latency targets compete for the CPU: stop them first.
stop_servers
run_check "load smoke (k6 scenarios, thresholds enforced)" \
  npm run --silent load:smoke -- --summary-json "$results/load-smoke.json"

node scripts/test-summary.mjs "$results"/*.json || failed=1
exit $failed

#!/usr/bin/env bash
# Checks that the platform and its servers answer; exit 0 when everything checked is healthy.
#   scripts/healthcheck.sh
# Always: the gateway's readiness ($LM_GATEWAY_URL, default http://127.0.0.1:8080/readyz).
# When configured: PostgreSQL ($DATABASE_URL), Keycloak ($KEYCLOAK_URL + $KEYCLOAK_REALM),
# Kafka ($KAFKA_BROKERS, first broker: TCP connect).
. "$(dirname "$0")/lib/common.sh"

failed=0
report() {
  local name=$1 ok=$2 detail=$3
  if [ "$ok" = 0 ]; then
    printf '%-10s ok      %s\n' "$name" "$detail"
  else
    printf '%-10s FAILING %s\n' "$name" "$detail"
    failed=1
  fi
}

gateway="${LM_GATEWAY_URL:-http://127.0.0.1:8080}"
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$gateway/readyz" || true)
report gateway "$([ "$status" = 200 ] && echo 0 || echo 1)" "$gateway/readyz → ${status:-no answer}"

if [ -n "${DATABASE_URL:-}" ]; then
  # pg_isready takes a connection string; it never sends a query or needs the password to work.
  rc=0
  out=$(/usr/lib/postgresql/15/bin/pg_isready -d "$DATABASE_URL" -t 5 2>&1) || rc=$?
  # pg_isready prints the connection target; the password part never reaches the output.
  report postgres "$rc" "$(echo "$out" | sed -E 's#//[^@]*@#//#')"
fi

if [ -n "${KEYCLOAK_URL:-}" ]; then
  realm="${KEYCLOAK_REALM:-little-monster}"
  url="${KEYCLOAK_URL%/}/realms/$realm/.well-known/openid-configuration"
  status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" || true)
  report keycloak "$([ "$status" = 200 ] && echo 0 || echo 1)" "realm $realm discovery → ${status:-no answer}"
fi

if [ -n "${KAFKA_BROKERS:-}" ]; then
  broker="${KAFKA_BROKERS%%,*}"
  rc=0
  (exec 3<>"/dev/tcp/${broker%:*}/${broker##*:}") 2>/dev/null || rc=1
  report kafka "$rc" "$broker"
fi

exit $failed

#!/usr/bin/env bash
# A Keycloak of the project's own, on loopback, with the little-monster realm imported.
#   scripts/infra/keycloak.sh start    start it in the background (returns at once; first start imports the realm)
#   scripts/infra/keycloak.sh wait     wait until the realm's OIDC discovery answers (fails with the log tail)
#   scripts/infra/keycloak.sh stop     stop it
#   scripts/infra/keycloak.sh reset    stop it and wipe its data (the next start imports a clean realm)
#   scripts/infra/keycloak.sh status   print whether it runs; exit 0 when it does
# Port: 127.0.0.1:$LM_KEYCLOAK_PORT (18080). Realm: deploy/keycloak/little-monster-realm.json.
# Issuer: http://127.0.0.1:18080/realms/little-monster (KEYCLOAK_URL + /realms/ + KEYCLOAK_REALM).
# Data and logs: $LM_DATA_DIR/keycloak/{home/data,logs}; logs/keycloak.log is kept (previous run too).
# Bootstrap admin (master realm): admin / $LM_KEYCLOAK_ADMIN_PASSWORD (dev-only default).
# start-dev: H2 file database, HTTP, no build step — a dev/test server, never a production one.
. "$(dirname "$0")/../lib/common.sh"

KEYCLOAK_VERSION="${LM_KEYCLOAK_VERSION:-26.4.5}"
port="${LM_KEYCLOAK_PORT:-18080}"
realm=little-monster
home="$LM_CACHE_DIR/keycloak-$KEYCLOAK_VERSION"
dir="$LM_DATA_DIR/keycloak"
logs="$dir/logs"
# Keycloak keeps its data in <home>/data (kc.home.dir is where kc.sh lies): a home of our own in
# LM_DATA_DIR, with kc.sh copied and the distribution's lib/themes/providers linked from the cache.
runhome="$dir/home"
data="$runhome/data"
logfile="$logs/keycloak.log"
pidfile="$dir/keycloak.pid"
discovery="http://127.0.0.1:$port/realms/$realm/.well-known/openid-configuration"

prepare_home() {
  mkdir -p "$runhome/bin"
  cp "$home/bin/kc.sh" "$runhome/bin/kc.sh"
  local part
  for part in lib themes providers; do ln -sfn "$home/$part" "$runhome/$part"; done
  [ -d "$runhome/conf" ] || cp -r "$home/conf" "$runhome/conf"
}

running_pid() { lm_running_pid "$pidfile" 'keycloak'; }
port_open() { lm_port_open "$port"; }

# The discovery document answers only once the realm is imported and the server serves requests.
realm_ready() {
  local body
  body="$(curl -fsS --max-time 3 "$discovery" 2>/dev/null)" || return 1
  [[ "$body" == *"\"issuer\":\"http://127.0.0.1:$port/realms/$realm\""* ]]
}

start() {
  [ -x "$home/bin/kc.sh" ] || bash "$LM_ROOT/scripts/setup/keycloak.sh"
  command -v curl >/dev/null || lm_apt_install curl
  if pid="$(running_pid)"; then
    lm_log "Keycloak already runs (pid $pid) on 127.0.0.1:$port"
    if ! cmp -s "$LM_ROOT/deploy/keycloak/little-monster-realm.json" "$data/import/little-monster-realm.json"; then
      lm_log "warning: it runs an older realm than deploy/keycloak/little-monster-realm.json; stop and start it to re-import"
    fi
    return 0
  fi
  if port_open; then
    lm_die "127.0.0.1:$port is taken by another process (not our Keycloak); set LM_KEYCLOAK_PORT"
  fi
  prepare_home
  local source="$LM_ROOT/deploy/keycloak/little-monster-realm.json"
  local imported="$data/import/little-monster-realm.json"
  # Keycloak imports a realm only when it does not exist yet (IGNORE_EXISTING). The repo's realm
  # file is the source of truth for this dev server: when it changed since the last import, the
  # data is wiped so the new realm is imported (LM_KEYCLOAK_KEEP_DATA=1 keeps it).
  if [ -f "$imported" ] && ! cmp -s "$source" "$imported"; then
    if [ -n "${LM_KEYCLOAK_KEEP_DATA:-}" ]; then
      lm_log "the realm file changed since the last import; keeping the old realm (LM_KEYCLOAK_KEEP_DATA)"
    else
      lm_log "the realm file changed since the last import: wiping Keycloak's data to import it again"
      rm -rf "$data"
    fi
  fi
  mkdir -p "$data/import" "$logs"
  cp "$source" "$imported"
  [ -f "$logfile" ] && mv -f "$logfile" "$logs/keycloak.previous.log"
  lm_log "starting Keycloak $KEYCLOAK_VERSION on 127.0.0.1:$port (log: $logfile)"
  (
    cd "$dir"
    export KC_BOOTSTRAP_ADMIN_USERNAME="${LM_KEYCLOAK_ADMIN:-admin}"
    export KC_BOOTSTRAP_ADMIN_PASSWORD="${LM_KEYCLOAK_ADMIN_PASSWORD:-admin-dev-password}"
    # A small heap: the dev server with one realm fits in 512 MB.
    export JAVA_OPTS_KC_HEAP="-Xms128m -Xmx512m"
    # setsid: its own process group, so stop ends kc.sh and the JVM together.
    exec setsid "$runhome/bin/kc.sh" start-dev \
      --http-port="$port" --http-host=127.0.0.1 \
      --import-realm \
      --log-level="${LM_KEYCLOAK_LOG_LEVEL:-info}" \
      >"$logfile" 2>&1 </dev/null
  ) &
  echo $! >"$pidfile"
}

wait_ready() {
  local began
  began=$(date +%s)
  lm_wait_server "Keycloak realm $realm on 127.0.0.1:$port" "${LM_KEYCLOAK_WAIT_SECONDS:-180}" \
    running_pid realm_ready "$logfile"
  lm_log "Keycloak ready on 127.0.0.1:$port (realm $realm, waited $(($(date +%s) - began))s)"
}

stop() {
  local pid
  pid="$(running_pid)" || { rm -f "$pidfile"; return 0; }
  # setsid made the server its own process group: signal the group (kc.sh and the JVM).
  lm_terminate Keycloak "$pid" 30 --group
  rm -f "$pidfile"
}

lm_infra_main keycloak "$port" "$data" "$@"

#!/usr/bin/env bash
# Sets up everything the platform needs on this machine, idempotently and cached.
#   scripts/setup.sh run    what the embedded platform needs (the README's run command)
#   scripts/setup.sh test   that, plus the real servers and tools the test suite uses (k6 for
#                           the load smoke among them)
. "$(dirname "$0")/lib/common.sh"
profile="${1:-run}"
case "$profile" in run | test) ;; *) lm_die "usage: scripts/setup.sh run|test" ;; esac

started=$(date +%s)
step() {
  local script="$LM_ROOT/scripts/setup/$1.sh"
  [ -f "$script" ] || lm_die "missing setup step $script"
  bash "$script"
}

lm_apt_install ca-certificates curl ffmpeg sox espeak-ng
step node
step models
step mediasoup
step web
if [ "$profile" = test ]; then
  step kafka
  step postgres
  step keycloak
  step tools
  step browser
  step k6
fi
lm_log "setup ($profile) done in $(( $(date +%s) - started )) s"

# Shared shell helpers for the project's scripts. Source it: . "$(dirname "$0")/../lib/common.sh"
# Everything downloaded or built goes to LM_CACHE_DIR (outside the repo, kept between runs);
# everything a run creates (server data, logs, uploads) goes to LM_DATA_DIR (inside the repo, ignored).
set -euo pipefail

LM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export LM_ROOT
export LM_CACHE_DIR="${LM_CACHE_DIR:-$HOME/.cache/little-monster}"
export LM_DATA_DIR="${LM_DATA_DIR:-$LM_ROOT/.lm}"
mkdir -p "$LM_CACHE_DIR" "$LM_DATA_DIR"

lm_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
lm_die() { lm_log "error: $*"; exit 1; }

# Install Debian packages that are not installed yet (idempotent; apt-get update at most once per run).
lm_apt_install() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [ -z "${LM_APT_UPDATED:-}" ]; then
    lm_log "apt-get update"
    $sudo apt-get update -qq
    export LM_APT_UPDATED=1
  fi
  lm_log "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A stamp file records that a step ran with a given fingerprint; the step is skipped while it matches.
lm_stamp_ok() { [ -f "$LM_CACHE_DIR/stamps/$1" ] && [ "$(cat "$LM_CACHE_DIR/stamps/$1")" = "$2" ]; }
lm_stamp_set() { mkdir -p "$LM_CACHE_DIR/stamps"; printf '%s' "$2" >"$LM_CACHE_DIR/stamps/$1"; }

# Wait until a command succeeds, or fail after a number of seconds naming what did not come up.
lm_wait_for() {
  local what=$1 seconds=$2
  shift 2
  local deadline=$(( $(date +%s) + seconds ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$deadline" ] && { lm_log "$what not ready after ${seconds}s"; return 1; }
    sleep 0.5
  done
}

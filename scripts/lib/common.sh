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

# --- Servers the scripts start (scripts/infra/*.sh) -------------------------------------------

# Prints the pid in the first line of a pidfile when that process is alive and its command line
# contains a pattern (pids are reused after a reboot); fails otherwise.
lm_running_pid() {
  local pidfile=$1 pattern=$2 pid
  [ -f "$pidfile" ] || return 1
  pid="$(head -n 1 "$pidfile")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -qa "$pattern" "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

# A TCP connect to a loopback port succeeds.
lm_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# SIGTERM, then SIGKILL after a grace period. With --group the pid leads a process group
# (started with setsid) and the whole group is signalled.
lm_terminate() {
  local name=$1 pid=$2 seconds=$3 target=$2
  [ "${4:-}" = "--group" ] && target="-$pid"
  lm_log "stopping $name (pid $pid)"
  kill -TERM -- "$target" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(($(date +%s) + seconds))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      lm_log "$name did not stop in $seconds s; killing it"
      kill -KILL -- "$target" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.3
  done
}

# Waits for a server the script started: fails at once when its process is gone, and after a
# number of seconds when it is not ready; either way shows the tail of its logs.
#   lm_wait_server <name> <seconds> <is-running command> <is-ready command> <log file>...
lm_wait_server() {
  local name=$1 seconds=$2 running=$3 ready=$4
  shift 4
  if ! $running >/dev/null; then
    lm_log "$name is not running"
    tail -n 40 "$@" >&2 2>/dev/null || true
    return 1
  fi
  if ! lm_wait_for "$name" "$seconds" "$ready"; then
    tail -n 40 "$@" >&2 2>/dev/null || true
    return 1
  fi
}

# The start|wait|stop|reset|status commands every scripts/infra/<name>.sh offers. The script
# defines start, wait_ready, stop and running_pid, and passes what `reset` wipes and where it listens.
#   lm_infra_main <name> <port> <data folder to wipe on reset> "$@"
lm_infra_main() {
  local name=$1 port=$2 wipe=$3
  shift 3
  case "${1:-}" in
    start) start ;;
    wait) wait_ready ;;
    stop) stop ;;
    reset)
      stop
      rm -rf "$wipe"
      lm_log "$name data wiped ($wipe)"
      ;;
    status)
      local pid
      if pid="$(running_pid)"; then
        echo "$name: running (pid $pid) on 127.0.0.1:$port"
      else
        echo "$name: stopped"
        return 1
      fi
      ;;
    *) lm_die "usage: scripts/infra/$name.sh start|wait|stop|reset|status" ;;
  esac
}

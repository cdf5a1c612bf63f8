#!/bin/sh
# Builds the minimal OpenTelemetry Collector used by log-sink's OTLP tests (OTLP receiver + file
# and debug exporters; module in ./otelcol, versions pinned in its go.mod/go.sum) into a cache
# OUTSIDE the repository and prints the binary's path as the last line. Builds only when the
# binary is missing; concurrent callers wait on a lock. Needs a local Go toolchain (>= 1.26) and
# the Go module proxy. Exit 3 = no Go toolchain (tests then skip).
set -eu
VERSION=0.165.0
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${ZR_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zeek-relay}
# The cache key includes a hash of the module sources, so an edited main.go/go.mod rebuilds.
key=$(cat "$here/otelcol/main.go" "$here/otelcol/go.mod" "$here/otelcol/go.sum" | sha256sum | cut -c1-12)
dir="$cache_root/otelcol-$VERSION-$key"
bin="$dir/otelcol-zr"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
command -v go >/dev/null 2>&1 || { echo "build-otelcol: no go toolchain on PATH" >&2; exit 3; }
mkdir -p "$dir"
exec 9>"$dir.lock"
flock 9
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
rm -rf "$dir/src" && mkdir -p "$dir/src"
cp "$here/otelcol/main.go" "$here/otelcol/go.mod" "$here/otelcol/go.sum" "$dir/src/"
# The Go tool's own output (module downloads, compiler notes) goes to build.log, not the test log.
echo "build-otelcol: building collector $VERSION into $dir (a few minutes; log: $dir/build.log)" >&2
if ! (
  cd "$dir/src"
  GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 10 \
    go build -trimpath -ldflags='-s -w' -o "$bin.tmp" .
) >"$dir/build.log" 2>&1; then
  echo "build-otelcol: go build failed; last lines of $dir/build.log:" >&2
  tail -n 20 "$dir/build.log" >&2
  exit 1
fi
echo "build-otelcol: built $bin" >&2
mv "$bin.tmp" "$bin"
echo "$bin"

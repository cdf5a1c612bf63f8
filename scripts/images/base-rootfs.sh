#!/usr/bin/env bash
# Makes the base root filesystem every zeek-relay test image starts from, in the directory OUT:
# Debian bookworm minbase (mmdebstrap, no docs/man pages/locales, no apt lists), tini as
# /usr/bin/tini (the static build, as the Dockerfiles copy it), the Node.js binary NODE_BIN as
# /usr/local/bin/node (no npm, no corepack), the user and group "node" (1000:1000) of the official
# node images, an empty /app and /var/log/zeek owned by 1000:1000 (the log sink's volume).
#
# Usage: base-rootfs.sh OUT NODE_BIN
# Env:   DEBIAN_SUITE (bookworm), DEBIAN_MIRROR (http://deb.debian.org/debian),
#        MMDEBSTRAP_MODE (auto: root when run as root, else unshare), SOURCE_DATE_EPOCH (0)
# Needs: mmdebstrap (apt-get install mmdebstrap). The builder (test/helpers/images) caches the result
# by the content of this script, the suite, the mirror and the node binary's checksum.
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
out="$1" node_bin="$2"
command -v mmdebstrap >/dev/null || { echo "base-rootfs: mmdebstrap not found (apt-get install mmdebstrap)" >&2; exit 3; }
[ -x "$node_bin" ] || { echo "base-rootfs: $node_bin is not an executable" >&2; exit 2; }
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-0}"

mmdebstrap --quiet --variant=minbase --include=tini --mode="${MMDEBSTRAP_MODE:-auto}" \
  --aptopt='Acquire::Languages "none"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook='mv "$1/usr/bin/tini-static" "$1/usr/bin/tini"' \
  --customize-hook="install -m 0755 '$node_bin' \"\$1/usr/local/bin/node\"" \
  --customize-hook='chroot "$1" groupadd --gid 1000 node' \
  --customize-hook='chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node' \
  --customize-hook='mkdir -p "$1/app" "$1/var/log/zeek" && chown 1000:1000 "$1/var/log/zeek"' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*.log "$1"/var/cache/ldconfig/aux-cache' \
  "${DEBIAN_SUITE:-bookworm}" "$out" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
chroot "$out" /usr/local/bin/node --version >/dev/null
chroot "$out" /usr/bin/tini --version >/dev/null

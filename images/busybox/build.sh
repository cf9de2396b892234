#!/usr/bin/env bash
# Build a real OCI image layout of BusyBox from Debian's busybox-static package:
#   images/busybox/out/busybox-oci/   (docker.io/library/busybox:latest, linux/amd64)
# Usage: images/busybox/build.sh [--force]     (npm run build:images)
# Fast no-op when the layout exists; --force rebuilds. The layer is built by
# build-layout.mjs with fixed mtimes and owners, so rebuilding gives the same digests.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/out"
layout="$out/busybox-oci"

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    *) echo "usage: $0 [--force]" >&2; exit 2 ;;
  esac
done

if [[ $force -eq 0 && -f "$layout/index.json" ]]; then
  echo "busybox: $layout is up to date (--force to rebuild)"
  exit 0
fi

mkdir -p "$out"
work="$(mktemp -d "$out/.build-XXXXXX")"
trap 'rm -rf "$work"' EXIT

# apt-get download uses the local package lists; refresh them only if that fails.
(cd "$work" && { apt-get download busybox-static >/dev/null 2>&1 || { apt-get update -qq && apt-get download busybox-static; }; })
deb="$(ls "$work"/busybox-static_*.deb)"
dpkg-deb -x "$deb" "$work/pkg"

node "$here/build-layout.mjs" --busybox "$work/pkg/bin/busybox" --out "$work/busybox-oci"

# Publish atomically: parallel test runs either see no layout or a complete one.
# mv -T never moves into an existing directory; if a concurrent build won, keep its result.
if [[ -d "$layout" ]]; then mv -T "$layout" "$work/old"; fi
if ! mv -T "$work/busybox-oci" "$layout" 2>/dev/null; then
  [[ -f "$layout/index.json" ]] || { echo "busybox: could not publish $layout" >&2; exit 1; }
fi
echo "busybox: built $layout from $(basename "$deb")"

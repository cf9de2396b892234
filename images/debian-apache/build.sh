#!/usr/bin/env bash
# Build an OCI image layout of Debian bookworm (minbase) with apache2 installed, from
# Debian's packages only:
#   $MINIBOX_IMAGE_CACHE/debian-apache-<key>/   (docker.io/library/debian-apache:bookworm)
# How (mmdebstrap, the cache outside the checkout keyed by the recipe, the lock) is shared
# with the other Debian recipes: images/lib/debian-image.sh.
# Usage: images/debian-apache/build.sh [--force]   — prints the layout's path on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
recipe=debian-apache
image=docker.io/library/debian-apache:bookworm
packages=apache2
config="$here/config.json" # Env PATH, Cmd ["bash"], like debian:bookworm
key_files=("$here/build.sh" "$here/config.json")
hooks=()
history="images/debian-apache/build.sh: mmdebstrap --variant=minbase --include=apache2 bookworm"

# shellcheck source=../lib/debian-image.sh
source "$here/../lib/debian-image.sh"
debian_image_build "$@"

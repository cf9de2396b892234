# Shared by the Debian image recipes (images/debian-apache, images/mysql): sourced by their
# build.sh, which sets what differs and calls `debian_image_build "$@"`. It builds an OCI
# image layout from Debian's packages only (mmdebstrap on the host; no registry, no
# docker/podman/skopeo) into
#   $MINIBOX_IMAGE_CACHE/<recipe>-<key>/
# MINIBOX_IMAGE_CACHE defaults to /var/cache/minibox-images: outside the checkout, so a CI
# run that clones afresh still finds it. <key> hashes the recipe's files and this library's,
# so the image is rebuilt only when one of them changes (older keys are removed then).
# Concurrent callers wait on one lock (<recipe>.lock there): the first builds, the others
# reuse its result. Prints the layout's path on stdout; --force rebuilds.
#
# The recipe sets, before calling:
#   recipe      name of the cache entry, lock and messages (debian-apache, mysql)
#   image       the image's name (docker.io/library/mysql:latest)
#   packages    --include list for mmdebstrap (comma-separated)
#   config      the recipe's image config (JSON: Env, Entrypoint, Cmd, ExposedPorts ...)
#   key_files   array: the recipe's files that shape the image (hashed into <key>)
#   hooks       array: extra mmdebstrap options (--essential-hook, --customize-hook ...);
#               a hook finds the recipe's directory in $MINIBOX_RECIPE_DIR
#   history     the layer's created_by text

debian_image_lib="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

debian_image_build() {
  local cache="${MINIBOX_IMAGE_CACHE:-/var/cache/minibox-images}"
  local mirror="${MINIBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
  local force=0 arg
  for arg in "$@"; do
    case "$arg" in
      --force) force=1 ;;
      *) echo "usage: $0 [--force]" >&2; exit 2 ;;
    esac
  done

  local key layout
  key="$(cat "${key_files[@]}" "$debian_image_lib/debian-image.sh" "$debian_image_lib/build-layout.mjs" | sha256sum | cut -c1-16)"
  layout="$cache/$recipe-$key"

  mkdir -p "$cache"
  exec 9>"$cache/$recipe.lock"
  flock 9

  if [[ $force -eq 0 && -f "$layout/index.json" ]]; then
    echo "$layout"
    return 0
  fi

  command -v mmdebstrap >/dev/null || { echo "$recipe: mmdebstrap is missing (apt-get install mmdebstrap, or run scripts/setup.sh)" >&2; exit 1; }
  # under the lock no other build runs: what an interrupted one left is garbage
  rm -rf "$cache/.$recipe-build-"* "$layout.new"
  local work
  work="$(mktemp -d "$cache/.$recipe-build-XXXXXX")"
  # shellcheck disable=SC2064 # $work is fixed now
  trap "rm -rf '$work'" EXIT

  # unshare mode: the chroot's /proc, /dev… are mounted in a namespace of mmdebstrap's own, so
  # an interrupted build leaves no mount on the host. Slim like debian:bookworm-slim (no
  # man pages, info, locales or docs but the copyrights; the dpkg excludes stay in the image).
  # resolv.conf and hostname are the runtime's business. SOURCE_DATE_EPOCH: sorted entries,
  # clamped mtimes, so the same packages give the same layer.
  echo "$recipe: mmdebstrap bookworm minbase + $packages from $mirror …" >&2
  local started=$SECONDS
  MINIBOX_RECIPE_DIR="$(dirname "${key_files[0]}")" SOURCE_DATE_EPOCH=1704067200 TMPDIR="$work" \
    mmdebstrap --quiet --mode=unshare --variant=minbase --include="$packages" \
    --skip=output/dev \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    "${hooks[@]}" \
    --customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname"' \
    bookworm "$work/rootfs.tar" "$mirror" >&2

  node "$debian_image_lib/build-layout.mjs" --tar "$work/rootfs.tar" --out "$work/oci" --name "$image" \
    --config "$config" --history "$history"

  mv -T "$work/oci" "$layout.new"
  rm -rf "$layout"
  mv -T "$layout.new" "$layout"
  local old
  for old in "$cache/$recipe"-*; do
    [[ "$old" == "$layout" || ! -d "$old" ]] || rm -rf "$old"
  done
  echo "$recipe: built $layout in $((SECONDS - started)) s" >&2
  echo "$layout"
}

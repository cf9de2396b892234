#!/usr/bin/env bash
# Prepare the cgroup v2 VM lane: a Debian 6.1 kernel and a busybox initramfs, cached.
#
#   bash test/vm/prepare.sh          # prints the path of the manifest (current.json)
#
# Idempotent: a warm run only asks the local apt cache which kernel is the newest and
# reuses what is already built. Everything goes to ${MINIBOX_VM_CACHE:-/var/cache/minibox-vm}
# (plain files; nothing is mounted). Needs root (apt-get), dpkg, kmod (depmod/modprobe), cpio.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${MINIBOX_VM_CACHE:-/var/cache/minibox-vm}"
INIT_SRC="$HERE/init.sh"
# Modules the guest needs beyond the built-ins, as modprobe names. Their dependencies are
# resolved with modprobe --show-depends, so the list stays right when the kernel changes.
WANT_MODULES=(9pnet_virtio 9p virtio_pci overlay)
PKG_RE='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$'

log() { printf 'vm-prepare: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in apt-get apt-cache dpkg dpkg-deb depmod modprobe cpio gzip flock setpriv sha256sum qemu-system-x86_64; do
  command -v "$tool" >/dev/null || die "missing '$tool' (apt-get install qemu-system-x86 kmod cpio util-linux)"
done

mkdir -p "$CACHE"
# One preparer at a time (parallel test files, CI jobs sharing the cache).
exec 9>"$CACHE/.lock"
flock 9

WORK="$(mktemp -d "$CACHE/.work.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

newest_kernel_pkg() {
  apt-cache search --names-only "$PKG_RE" 2>/dev/null | awk '{print $1}' | sort -V | tail -n1
}
# "pkg version" lines: what apt would download for each package named (one apt-cache run)
POLICY=""
load_policy() {
  POLICY="$(apt-cache policy "$@" 2>/dev/null | awk '/^[^ ].*:$/ {p=substr($0,1,length($0)-1)} /Candidate:/ {print p, $2}')"
}
candidate_version() {
  printf '%s\n' "$POLICY" | awk -v p="$1" '$1 == p {print $2; exit}'
}
updated=0
apt_update_once() {
  if [ "$updated" = 0 ]; then
    log "apt-get update"
    apt-get update -qq >&2 || log "warning: apt-get update failed"
    updated=1
  fi
}
# apt-get download into $2; on failure (stale lists: the mirror moved on) update once and retry.
download() {
  local pkg="$1" dest="$2"
  if (cd "$dest" && apt-get download -qq "$pkg" >&2 2>/dev/null); then return 0; fi
  apt_update_once
  (cd "$dest" && apt-get download -qq "$pkg" >&2)
}
newest_cached_kernel() {
  local d best=""
  for d in "$CACHE"/kernel-*/; do
    [ -f "$d/.ready" ] && best="$(basename "$d")"
  done
  [ -n "$best" ] && printf '%s\n' "$best" | sed 's/^kernel-//' | sort -V | tail -n1
}

# ---------------------------------------------------------------- the kernel
# The newest linux-image-6.1.0-N-amd64-unsigned apt knows. If it is not cached, download it;
# if that fails (stale lists: the mirror moved on to N+1 and dropped N), apt-get update once
# and pick again; if even that fails, fall back to the newest kernel already cached.
kver=""
for attempt in 1 2; do
  pkg="$(newest_kernel_pkg)"
  if [ -n "$pkg" ]; then
    load_policy "$pkg" busybox-static
    kver="${pkg#linux-image-}"; kver="${kver%-unsigned}"       # e.g. 6.1.0-56-amd64
    debver="$(candidate_version "$pkg")"
    kdir="$CACHE/kernel-$kver"
    if [ -f "$kdir/.ready" ] && [ "$(cat "$kdir/.ready")" = "$debver" ]; then
      log "kernel $kver ($debver) cached"
      break
    fi
    log "fetching $pkg ($debver)"
    rm -rf "$WORK/deb" && mkdir -p "$WORK/deb"
    if (cd "$WORK/deb" && apt-get download -qq "$pkg" >&2); then
      deb="$(ls "$WORK"/deb/*.deb)"
      debver="$(dpkg-deb -f "$deb" Version)"
      dpkg -x "$deb" "$WORK/root"
      depmod -b "$WORK/root" "$kver"      # the .deb ships no modules.dep
      rm -rf "$kdir.new" && mkdir -p "$kdir.new/modules"
      cp "$WORK/root/boot/vmlinuz-$kver" "$kdir.new/vmlinuz"
      : >"$kdir.new/modules.order"
      for m in "${WANT_MODULES[@]}"; do
        # lines: "insmod /path/x.ko [params]" or "builtin x"; dependencies come first
        modprobe -d "$WORK/root" -S "$kver" --show-depends "$m" | while read -r kind path _; do
          [ "$kind" = insmod ] || continue
          name="$(basename "$path")"
          case "$name" in
            *.ko) out="$name"; cat_ko() { cat "$1"; } ;;
            *.ko.xz) out="${name%.xz}"; cat_ko() { xz -dc "$1"; } ;;
            *.ko.zst) out="${name%.zst}"; cat_ko() { zstd -qdc "$1"; } ;;
            *) die "unexpected module file $path" ;;
          esac
          grep -qxF "$out" "$kdir.new/modules.order" && continue
          cat_ko "$path" >"$kdir.new/modules/$out"
          echo "$out" >>"$kdir.new/modules.order"
        done
      done
      rm -rf "$WORK/root" "$WORK/deb"
      echo "$debver" >"$kdir.new/.ready"
      rm -rf "$kdir" && mv "$kdir.new" "$kdir"
      log "kernel $kver ($debver) ready; insmod order: $(tr '\n' ' ' <"$kdir/modules.order")"
      break
    fi
    log "warning: could not download $pkg"
  fi
  kver=""
  [ "$updated" = 0 ] || break
  apt_update_once
done
if [ -z "$kver" ]; then
  kver="$(newest_cached_kernel || true)"
  [ -n "$kver" ] || die "no linux-image-6.1.0-*-amd64-unsigned available from apt and none cached"
  log "warning: falling back to the cached kernel $kver"
fi
kdir="$CACHE/kernel-$kver"

# ---------------------------------------------------------------- busybox
bbver="$(candidate_version busybox-static)"
[ -n "$bbver" ] || { load_policy busybox-static; bbver="$(candidate_version busybox-static)"; }
if [ -z "$bbver" ] || [ "$bbver" = "(none)" ]; then
  apt_update_once; load_policy busybox-static; bbver="$(candidate_version busybox-static)"
fi
bbdir="$CACHE/busybox-${bbver//:/_}"
if [ -n "$bbver" ] && [ "$bbver" != "(none)" ] && [ -x "$bbdir/busybox" ]; then
  :
elif mkdir -p "$WORK/bb" && download busybox-static "$WORK/bb"; then
  deb="$(ls "$WORK"/bb/*.deb)"
  bbver="$(dpkg-deb -f "$deb" Version)"
  bbdir="$CACHE/busybox-${bbver//:/_}"
  dpkg -x "$deb" "$WORK/bb/root"
  mkdir -p "$bbdir"
  cp "$WORK/bb/root/bin/busybox" "$bbdir/busybox.new" && mv "$bbdir/busybox.new" "$bbdir/busybox"
  log "busybox $bbver ready"
else
  bbdir="$(ls -d "$CACHE"/busybox-*/ 2>/dev/null | sort -V | tail -n1)"
  [ -n "$bbdir" ] && [ -x "$bbdir/busybox" ] || die "could not get busybox-static"
  bbdir="${bbdir%/}"
  log "warning: falling back to the cached $(basename "$bbdir")"
fi

# ---------------------------------------------------------------- the initramfs
# Rebuilt when the init script, the busybox or the module set changes.
key="$( { sha256sum "$INIT_SRC" "$bbdir/busybox" | awk '{print $1}'; cat "$kdir/modules.order"; } | sha256sum | cut -c1-16)"
initrd="$kdir/initrd-$key.img"
if [ ! -f "$initrd" ]; then
  r="$WORK/initramfs"
  mkdir -p "$r"/{bin,dev,proc,sys,newroot,lib/modules}
  cp "$bbdir/busybox" "$r/bin/busybox"
  cp "$INIT_SRC" "$r/init" && chmod 755 "$r/init"
  cp "$kdir"/modules/*.ko "$r/lib/modules/"
  cp "$kdir/modules.order" "$r/lib/modules/order"
  (cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) >"$initrd.new"
  mv "$initrd.new" "$initrd"
  find "$kdir" -maxdepth 1 -name 'initrd-*.img' ! -name "initrd-$key.img" -delete
  log "initramfs $initrd built"
fi

# ---------------------------------------------------------------- manifest
cat >"$CACHE/current.json.new" <<EOF
{"kernelVersion":"$kver","kernelDeb":"$(cat "$kdir/.ready")","kernel":"$kdir/vmlinuz","initrd":"$initrd","busybox":"$(basename "$bbdir")"}
EOF
mv "$CACHE/current.json.new" "$CACHE/current.json"
# Keep only what the manifest names: old kernels and busyboxes are a few tens of MB each.
for d in "$CACHE"/kernel-* "$CACHE"/busybox-*; do
  [ -e "$d" ] || continue
  [ "$d" = "$kdir" ] || [ "$d" = "$bbdir" ] || rm -rf "$d"
done
echo "$CACHE/current.json"

#!/bin/busybox sh
# /init of the VM lane's initramfs (copied there by prepare.sh; runs as PID 1 in the guest).
#
# Mounts the host root read-only over 9p, gives it writable tmpfs at /tmp /run /var/tmp,
# a pure cgroup v2 hierarchy at /sys/fs/cgroup and the results share at /run/vmlane, then
# runs the job the host wrote there (job.sh) chrooted into the host root, so guest paths are
# host paths. The job's output and exit code go back through the share; then power off.
/bin/busybox mkdir -p /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

fail() {
  echo "vm-init: $*" >/dev/console
  # a panic (init exits) makes qemu exit through -no-reboot / panic=-1
  exit 1
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

for m in $(cat /lib/modules/order); do
  insmod "/lib/modules/$m" || fail "insmod $m failed"
done

P9='trans=virtio,version=9p2000.L,msize=262144'
R=/newroot
mount -t 9p -o "$P9,ro,cache=loose" hostroot "$R" || fail "cannot mount the host root"

mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount -t devtmpfs devtmpfs "$R/dev"
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$R/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"
mount -t cgroup2 -o nsdelegate cgroup2 "$R/sys/fs/cgroup" || fail "cannot mount cgroup2"
# the tmpfs mounts below hide the host's /tmp and /var/tmp; a checkout can live there (CI
# clones into a temp dir), so keep both reachable under /run/host for job.sh to bind back
mkdir -p /host/tmp /host/var/tmp
mount --bind "$R/tmp" /host/tmp
mount --bind "$R/var/tmp" /host/var/tmp
mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
mount -t tmpfs -o mode=0755 tmpfs "$R/run"
mount -t tmpfs -o mode=1777 tmpfs "$R/var/tmp"
mkdir -p "$R/run/host/tmp" "$R/run/host/var/tmp"
mount --bind /host/tmp "$R/run/host/tmp"
mount --bind /host/var/tmp "$R/run/host/var/tmp"
mkdir -p "$R/run/vmlane" "$R/run/bin"
# the host may have no busybox: offer this one (on the job's PATH, last) for small tools
cp /bin/busybox "$R/run/bin/busybox"
# the results share: no page cache, so what the guest wrote is on the host at poweroff
mount -t 9p -o "$P9,cache=none" vmlane "$R/run/vmlane" || fail "cannot mount the results share"

ip link set lo up
hostname vmlane

S="$R/run/vmlane"
[ -f "$S/job.sh" ] || fail "no job.sh in the results share"
echo "vm-init: ready, running the job" >/dev/console
if [ -f "$S/stream" ]; then
  { env -i chroot "$R" /bin/sh /run/vmlane/job.sh </dev/null 2>&1; echo $? >"$S/code"; } | tee "$S/output" >/dev/console
else
  env -i chroot "$R" /bin/sh /run/vmlane/job.sh </dev/null >"$S/output" 2>&1
  echo $? >"$S/code"
fi
sync
poweroff -f

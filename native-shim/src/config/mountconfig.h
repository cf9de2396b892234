/* mountconfig.h - the container's own mounts (-v, --mount, --tmpfs,
 * --read-only) as read from fd 3.
 *
 * Keys, in order: "mount=<bind|tmpfs>" starts an entry; the entry's
 * "mount.src=<host path>" (bind), "mount.dst=<absolute container path>",
 * "mount.opt=<one flag>" (repeated: ro nosuid nodev noexec and the
 * propagations private rprivate shared rshared slave rslave) and
 * "mount.data=<one tmpfs option>" (repeated: size=N[kmg%] or mode=OCTAL)
 * follow it.  "mount.rootro=1" makes the root read-only.  One option a
 * record, each checked here, so nothing can be spliced into the
 * comma-separated data string handed to mount(2).
 *
 * "mount=fs" (an OCI bundle's mount of a filesystem type, run/oci_mounts.h)
 * takes "mount.fstype=<proc|sysfs|mqueue|devpts|cgroup|cgroup2|tmpfs|...>",
 * "mount.fssrc=<the source/device name>", "mount.dst", the mount.opt flags
 * (also sync dirsync noatime nodiratime relatime strictatime and
 * [r]unbindable), "mount.fsdata=<one filesystem option>" (repeated, any
 * text without ',') and "mount.replace=1": the shim's own mount of that
 * standard destination (/proc, /dev/pts, /dev/shm, /dev/mqueue, /sys,
 * /sys/fs/cgroup) is made over with the entry's type and options.
 */
#ifndef MINIBOX_MOUNTCONFIG_H
#define MINIBOX_MOUNTCONFIG_H

#include <stddef.h>

#include "common/error.h"

#define MB_MOUNT_DATA_MAX 512

typedef enum { MB_MOUNT_BIND, MB_MOUNT_TMPFS, MB_MOUNT_FS } mb_mount_type;

typedef struct mb_user_mount {
    mb_mount_type type;
    const char *source;          /* bind: host path */
    const char *target;          /* absolute, resolved inside the rootfs */
    unsigned long flags;         /* MS_RDONLY MS_NOSUID MS_NODEV MS_NOEXEC */
    unsigned long propagation;   /* MS_PRIVATE|MS_REC by default */
    char data[MB_MOUNT_DATA_MAX]; /* tmpfs: "size=...,mode=..."; fs: any */
    const char *fstype;          /* fs: the filesystem type */
    const char *fssource;        /* fs: the source ("proc", "tmpfs", ...) */
    int replace;                 /* fs: over the shim's own standard mount */
    int propagation_set;         /* fs: a propagation option was given */
} mb_user_mount;

typedef struct mb_mount_config {
    mb_user_mount *items;
    size_t len;
    int readonly_root;
} mb_mount_config;

/* One "mount" or "mount.*" record. */
int mountconfig_apply(mb_mount_config *m, const char *key, const char *value,
                      mb_error *err);

/* Every entry complete (a target; a source for binds). */
int mountconfig_validate(const mb_mount_config *m, mb_error *err);

void mountconfig_free(mb_mount_config *m);

#endif

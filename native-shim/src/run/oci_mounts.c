/* oci_mounts.c - an OCI bundle's filesystem mounts (see oci_mounts.h). */
#include "run/oci_mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/trace.h"
#include "run/cgroupfs.h"
#include "run/mounts.h"
#include "run/userns.h"

/* The per-mount flags a remount sets (the rest of m->flags are atime and
 * sync modes, which a bind remount also takes). */
#define MOUNT_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS \
                     | MS_DIRSYNC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

/* An O_PATH fd of the destination inside the rootfs (created: a dir). */
typedef struct {
    int fd;
    char at[64]; /* /proc/self/fd/<fd> */
} target;

static int open_target(int rootfd, const mb_user_mount *m, target *t, mb_error *err)
{
    t->fd = mounts_resolve_target(rootfd, m->target, 0, err);
    if (t->fd < 0)
        return -1;
    snprintf(t->at, sizeof(t->at), "/proc/self/fd/%d", t->fd);
    return 0;
}

static void close_target(target *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}

/* nosuid/nodev/noexec of the mount at path: in a user namespace a remount
 * may not drop them (the kernel locks them), so they are kept. */
static unsigned long locked_flags(const char *path)
{
    struct statvfs sv;
    unsigned long f = 0;

    if (statvfs(path, &sv) < 0)
        return 0;
    f |= (sv.f_flag & ST_NOSUID) ? MS_NOSUID : 0;
    f |= (sv.f_flag & ST_NODEV) ? MS_NODEV : 0;
    f |= (sv.f_flag & ST_NOEXEC) ? MS_NOEXEC : 0;
    return f;
}

/* proc, sysfs over the shim's own: the entry's flags on its mount. */
static int remount_flags(const mb_user_mount *m, const target *t, int userns,
                         mb_error *err)
{
    unsigned long flags = m->flags & MOUNT_FLAGS;

    if (userns)
        flags |= locked_flags(t->at);
    if (mount(NULL, t->at, NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0)
        return mb_error_errno(err, "remount %s %s", m->fstype, m->target);
    /* proc's own options (hidepid=, subset=) belong to its superblock */
    if (m->data[0] != '\0' && mount(NULL, t->at, NULL, MS_REMOUNT | flags, m->data) < 0)
        return mb_error_errno(err, "remount %s %s with %s", m->fstype, m->target, m->data);
    return 0;
}

/* m->data without its gid= option (at most MB_MOUNT_DATA_MAX). */
static void data_without_gid(const char *data, char *out, size_t size)
{
    char copy[MB_MOUNT_DATA_MAX];
    char *save = NULL;
    size_t used = 0;

    snprintf(copy, sizeof(copy), "%s", data);
    out[0] = '\0';
    for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        if (strncmp(o, "gid=", 4) == 0)
            continue;
        used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "", o);
        if (used >= size)
            break;
    }
}

static int mount_plain(const mb_user_mount *m, const target *t, int userns,
                       mb_error *err)
{
    const char *src = m->fssource != NULL ? m->fssource : m->fstype;
    const char *data = m->data[0] != '\0' ? m->data : NULL;
    char fallback[MB_MOUNT_DATA_MAX];

    if (mount(src, t->at, m->fstype, m->flags, data) == 0)
        goto done;
    /* In a user namespace devpts refuses a gid= that is not mapped there:
     * the mounter's own group then, as devices.c does for its devpts. */
    if (!(userns && errno == EINVAL && strcmp(m->fstype, "devpts") == 0 && data != NULL))
        return mb_error_errno(err, "mount %s %s", m->fstype, m->target);
    data_without_gid(data, fallback, sizeof(fallback));
    if (mount(src, t->at, m->fstype, m->flags, fallback) < 0)
        return mb_error_errno(err, "mount %s %s", m->fstype, m->target);
done:
    if (trace_on())
        trace_mount(src, m->target, m->fstype, m->flags, data);
    return 0;
}

/* cgroup: the container's cgroup view (cgroupfs.h) at the destination. */
static int mount_cgroup(const mb_config *cfg, const mb_user_mount *m,
                        const target *t, mb_error *err)
{
    char base[PATH_MAX];
    ssize_t n;

    if (cfg->cgroupfs == NULL)
        return mb_error_detail(err, MB_EXIT_SETUP, "mount", "%s: a cgroup mount, but the container has no cgroup view", m->target);
    /* cgroupfs_mount_at makes directories in the tmpfs it mounts: it needs
     * the path, not our fd (which names the directory under the tmpfs).
     * Nothing of the container runs yet to move it meanwhile. */
    n = readlink(t->at, base, sizeof(base) - 1);
    if (n < 0 || (size_t)n >= sizeof(base) - 1)
        return mb_error_errno(err, "mount cgroup %s", m->target);
    base[n] = '\0';
    return cgroupfs_mount_at(base, cfg->cgroupfs, m->flags & MOUNT_FLAGS, err);
}

static int mount_fresh(const mb_config *cfg, const mb_user_mount *m,
                       const target *t, mb_error *err)
{
    if (strcmp(m->fstype, "cgroup") == 0)
        return mount_cgroup(cfg, m, t, err);
    return mount_plain(m, t, userns_active(cfg), err);
}

static int fs_one(const mb_config *cfg, int rootfd, const mb_user_mount *m,
                  mb_error *err)
{
    target t;
    int rc;

    /* The container has no cgroup view (cgroupfs.h): the shim made none at
     * /sys/fs/cgroup, and there is nothing of its own to mount there. */
    if (m->replace && cfg->cgroupfs == NULL && strncmp(m->fstype, "cgroup", 6) == 0)
        return 0;
    if (open_target(rootfd, m, &t, err) < 0)
        return -1;
    if (m->replace && (strcmp(m->fstype, "proc") == 0 || strcmp(m->fstype, "sysfs") == 0)) {
        rc = remount_flags(m, &t, userns_active(cfg), err);
        close_target(&t);
        return rc;
    }
    if (m->replace) {
        /* The shim's own mount there goes (EINVAL: it made none there);
         * the fd is opened again, to name the mount point under it. */
        if (umount2(t.at, MNT_DETACH) < 0 && errno != EINVAL) {
            mb_error_errno(err, "unmount %s to mount it as the bundle says", m->target);
            close_target(&t);
            return -1;
        }
        close_target(&t);
        if (open_target(rootfd, m, &t, err) < 0)
            return -1;
    }
    rc = mount_fresh(cfg, m, &t, err);
    close_target(&t);
    if (rc < 0 || !m->propagation_set)
        return rc;
    /* Our fd named the directory under the new mount: look again. */
    if (open_target(rootfd, m, &t, err) < 0)
        return -1;
    if (mount(NULL, t.at, NULL, m->propagation, NULL) < 0)
        rc = mb_error_errno(err, "propagation of %s", m->target);
    close_target(&t);
    return rc;
}

int oci_mounts_apply(const mb_config *cfg, mb_error *err)
{
    const mb_mount_config *m = &cfg->mounts;
    int rootfd, rc = 0;
    size_t i;

    if (m->len == 0)
        return 0;
    rootfd = open(cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return mb_error_errno(err, "open %s", cfg->rootfs);
    for (i = 0; i < m->len && rc == 0; i++)
        rc = m->items[i].type == MB_MOUNT_FS ? fs_one(cfg, rootfd, &m->items[i], err)
                                             : mounts_apply_one(rootfd, &m->items[i], err);
    close(rootfd);
    return rc;
}

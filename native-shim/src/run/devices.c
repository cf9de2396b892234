/* devices.c - /dev: tmpfs, device nodes, symlinks, pts, shm, mqueue.
 *
 * The container never sees the host's /dev: it gets a fresh tmpfs with the
 * handful of harmless character devices every program expects, Docker's
 * defaults (runtime-spec config-linux.md "Default Devices"; /dev/console is
 * not one: Docker makes it only with a terminal, run/childio.c binds the
 * container's pty there).  What a container may open
 * is the device cgroup's call (v1 devices controller, v2 eBPF program);
 * extra nodes (--device, --privileged) are made after pivot_root.
 */
#include "run/devices.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/util.h"
#include "run/userns.h"

struct dev_node {
    const char *name;
    unsigned int major, minor;
};

static const struct dev_node dev_nodes[] = {
    { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },
    { "/dev/full", 1, 7 },   { "/dev/random", 1, 8 },
    { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

struct dev_link {
    const char *name;
    const char *target;
};

static const struct dev_link dev_links[] = {
    { "/dev/fd", "/proc/self/fd" },
    { "/dev/stdin", "/proc/self/fd/0" },
    { "/dev/stdout", "/proc/self/fd/1" },
    { "/dev/stderr", "/proc/self/fd/2" },
    { "/dev/ptmx", "pts/ptmx" },
    { "/dev/core", "/proc/kcore" },
};

struct dev_mount {
    const char *name;
    const char *fstype;
    unsigned long flags;
    const char *data;
};

/* newinstance: a private pty namespace, the host's ptys stay invisible;
 * gid=5 is the conventional "tty" group.  With -t the container's pty comes
 * from here (run/childio.c opens pts/ptmx after pivot_root). */
static const struct dev_mount dev_mounts[] = {
    { "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
      "newinstance,ptmxmode=0666,mode=0620,gid=5" },
    { "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
      "mode=1777,size=65536k" },
    { "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int mount_dev_tmpfs(const char *rootfs, mb_error *err)
{
    char path[PATH_MAX];

    if (mb_mountpoint(rootfs, "/dev", err) < 0
        || mb_path_join(path, sizeof(path), rootfs, "/dev", err) < 0)
        return -1;
    /* No MS_NODEV here, obviously: the nodes below must work. */
    return mb_mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_STRICTATIME,
                    "mode=755,size=65536k", "/dev", err);
}

/* In a user namespace mknod is refused: the host's nodes, bound (userns.h). */
static int make_nodes(const char *rootfs, int bind_nodes, mb_error *err)
{
    char path[PATH_MAX];
    size_t i;

    for (i = 0; i < COUNT(dev_nodes); i++) {
        const struct dev_node *d = &dev_nodes[i];

        if (mb_path_join(path, sizeof(path), rootfs, d->name, err) < 0)
            return -1;
        if (bind_nodes) {
            if (userns_bind_node(d->name, path, err) < 0)
                return -1;
        } else if (mknod(path, S_IFCHR | 0666, makedev(d->major, d->minor)) < 0)
            return mb_error_errno(err, "mknod %s", d->name);
    }
    return 0;
}

static int make_links(const char *rootfs, mb_error *err)
{
    char path[PATH_MAX];
    size_t i;

    for (i = 0; i < COUNT(dev_links); i++) {
        const struct dev_link *l = &dev_links[i];

        if (mb_path_join(path, sizeof(path), rootfs, l->name, err) < 0)
            return -1;
        if (symlink(l->target, path) < 0)
            return mb_error_errno(err, "symlink %s", l->name);
    }
    return 0;
}

/* In a user namespace gid=5 must be mapped there: when it is not, the
 * mounter's own group (runc's rootless spec drops the option too). */
static int mount_devpts_mapped(const char *path, const struct dev_mount *m,
                               mb_error *err)
{
    if (mount(m->fstype, path, m->fstype, m->flags, m->data) == 0)
        return 0;
    if (errno != EINVAL)
        return mb_error_errno(err, "mount %s", m->name);
    return mb_mount(m->fstype, path, m->fstype, m->flags,
                    "newinstance,ptmxmode=0666,mode=0620", m->name, err);
}

static int mount_submounts(const char *rootfs, int userns, mb_error *err)
{
    char path[PATH_MAX];
    size_t i;

    for (i = 0; i < COUNT(dev_mounts); i++) {
        const struct dev_mount *m = &dev_mounts[i];

        /* Our own fresh tmpfs: no symlinks to worry about, plain mkdir. */
        if (mb_path_join(path, sizeof(path), rootfs, m->name, err) < 0)
            return -1;
        if (mkdir(path, 0755) < 0)
            return mb_error_errno(err, "mkdir %s", m->name);
        if (userns && strcmp(m->fstype, "devpts") == 0) {
            if (mount_devpts_mapped(path, m, err) < 0)
                return -1;
            continue;
        }
        if (mb_mount(m->fstype, path, m->fstype, m->flags, m->data, m->name,
                     err) < 0)
            return -1;
    }
    return 0;
}

int devices_setup(const char *rootfs, int userns, mb_error *err)
{
    if (mount_dev_tmpfs(rootfs, err) < 0 || make_nodes(rootfs, userns, err) < 0
        || make_links(rootfs, err) < 0 || mount_submounts(rootfs, userns, err) < 0)
        return -1;
    return 0;
}

/* The parent of an absolute path, created 0755 as needed (we run inside the
 * container's root by now: symlinks resolve within it). */
static int make_parent(const char *path, mb_error *err)
{
    char dir[PATH_MAX];
    char *slash;

    if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
        return mb_error_detail(err, MB_EXIT_SETUP, "device", "path too long");
    slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        return 0;
    *slash = '\0';
    return mb_mkdir_p(dir, err);
}

int devices_add_nodes(const mb_dev_config *dev, mb_error *err)
{
    size_t i;

    for (i = 0; i < dev->nnodes; i++) {
        const mb_dev_node *n = &dev->nodes[i];
        mode_t type = n->type == 'b' ? S_IFBLK : S_IFCHR;

        if (make_parent(n->path, err) < 0)
            return -1;
        /* The host's node wins over a default one of the same name. */
        if (unlink(n->path) < 0 && errno != ENOENT)
            return mb_error_errno(err, "device %s", n->path);
        if (mknod(n->path, type | n->mode, makedev(n->major, n->minor)) < 0)
            return mb_error_errno(err, "mknod %s", n->path);
        if (chown(n->path, n->uid, n->gid) < 0)
            return mb_error_errno(err, "chown %s", n->path);
    }
    return 0;
}

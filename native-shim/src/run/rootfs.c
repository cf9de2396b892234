/* rootfs.c - overlay root, /proc, /sys and the switch to the new root. */
#include "run/rootfs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/util.h"
#include "common/trace.h"

int rootfs_isolate(unsigned long propagation, mb_error *err)
{
    /* linux.rootfsPropagation slave or shared (oci_setup.h): slave of the
     * host's mounts, so the rootfs bound below is a slave of its master;
     * shared gets its own peer group once "/" is the rootfs. */
    if (propagation & (MS_SLAVE | MS_SHARED)) {
        if (mount("", "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
            return mb_error_errno(err, "make / slave");
        return 0;
    }
    return rootfs_make_private(err);
}

int rootfs_make_private(mb_error *err)
{
    /* After CLONE_NEWNS our mounts are copies of the host's, still in the
     * host's peer groups if "/" is shared (systemd default).  MS_PRIVATE
     * recursively cuts that, so the overlay never shows up on the host. */
    if (mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return mb_error_errno(err, "make / private");
    return 0;
}

/* Append s to buf at *pos; -1 when it would not fit (NUL included). */
static int append(char *buf, size_t size, size_t *pos, const char *s)
{
    size_t n = strlen(s);

    if (*pos + n + 1 > size)
        return -1;
    memcpy(buf + *pos, s, n + 1);
    *pos += n;
    return 0;
}

/* "lowerdir=a:b,upperdir=U,workdir=W".  mount(2) copies at most one page
 * of option data, so longer strings would be silently truncated by the
 * kernel: refuse them instead. */
static int overlay_options(const mb_config *cfg, char *buf, size_t size,
                           mb_error *err)
{
    size_t pos = 0, i;
    int bad = append(buf, size, &pos, "lowerdir=");

    for (i = 0; i < cfg->lowers.len && !bad; i++) {
        if (i > 0)
            bad |= append(buf, size, &pos, ":");
        bad |= append(buf, size, &pos, cfg->lowers.items[i]);
    }
    bad |= append(buf, size, &pos, ",upperdir=");
    bad |= append(buf, size, &pos, cfg->upper);
    bad |= append(buf, size, &pos, ",workdir=");
    bad |= append(buf, size, &pos, cfg->work);
    if (bad)
        return mb_error_detail(err, MB_EXIT_SETUP, "mount overlay",
                               "option string too long");
    return 0;
}

int rootfs_mount_overlay(const mb_config *cfg, mb_error *err)
{
    long page = sysconf(_SC_PAGESIZE);
    char opts[65536];

    /* plainroot=1: the directory itself, bound onto itself so that
     * pivot_root gets a mount point (and the host never sees ours). */
    if (cfg->opts.plainroot)
        return mb_mount(cfg->rootfs, cfg->rootfs, NULL, MS_BIND | MS_REC,
                        NULL, "bind rootfs", err);
    if (page <= 0 || (size_t)page > sizeof(opts))
        page = 4096;
    if (overlay_options(cfg, opts, (size_t)page, err) < 0)
        return -1;
    return mb_mount("overlay", cfg->rootfs, "overlay", 0, opts, "overlay",
                    err);
}

int rootfs_mount_proc(const char *rootfs, mb_error *err)
{
    char path[PATH_MAX];

    if (mb_mountpoint(rootfs, "/proc", err) < 0
        || mb_path_join(path, sizeof(path), rootfs, "/proc", err) < 0)
        return -1;
    /* A fresh procfs: it shows the new PID namespace, not the host's. */
    return mb_mount("proc", path, "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV,
                    NULL, "/proc", err);
}

int rootfs_mount_sys(const char *rootfs, int writable, mb_error *err)
{
    char path[PATH_MAX];

    if (mb_mountpoint(rootfs, "/sys", err) < 0
        || mb_path_join(path, sizeof(path), rootfs, "/sys", err) < 0)
        return -1;
    /* Mounted from inside the new network namespace, so /sys/class/net
     * lists only our own interfaces; read-only like Docker's default
     * (writable with --privileged, as Docker's). */
    return mb_mount("sysfs", path, "sysfs",
                    (writable ? 0 : MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                    NULL, "/sys", err);
}

int rootfs_pivot(const char *rootfs, mb_error *err)
{
    if (chdir(rootfs) < 0)
        return mb_error_errno(err, "chdir %s", rootfs);
    /* pivot_root(".", ".") stacks the old root on top of the new one at
     * "/"; unmounting "." then removes the old root without needing a
     * put_old directory that would stay visible inside the container. */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return mb_error_errno(err, "pivot_root");
    if (trace_on())
        trace_step("pivot_root", "(\".\", \".\")", rootfs, NULL, "pivot_root");
    if (umount2(".", MNT_DETACH) < 0)
        return mb_error_errno(err, "umount old root");
    if (chdir("/") < 0)
        return mb_error_errno(err, "chdir /");
    return 0;
}

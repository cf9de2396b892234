/* mounts.c - bind and tmpfs mounts inside the rootfs (see mounts.h). */
#include "run/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* path relative to the rootfs fd, symlinks and ".." kept inside it. */
static int open_in_root(int rootfd, const char *path)
{
    struct open_how how;

    memset(&how, 0, sizeof(how));
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    /* A ".." walked while any rename or mount happens on the host makes
     * the kernel answer EAGAIN rather than risk an escape: just retry. */
    for (int tries = 0;; tries++) {
        int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

        if (fd >= 0 || errno != EAGAIN || tries == 100)
            return fd;
    }
}

/* Create the missing last component name in dirfd: a directory, or an
 * empty file when a file is bind-mounted onto it. */
static int create_in(int dirfd, const char *name, int as_file)
{
    int fd;

    if (!as_file)
        return mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST ? -1 : 0;
    fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno == EEXIST ? 0 : -1;
    close(fd);
    return 0;
}

/* O_PATH fd of target (absolute, in the container), creating what is
 * missing component by component, each component resolved in the root. */
int mounts_resolve_target(int rootfd, const char *target, int as_file,
                          mb_error *err)
{
    char prefix[PATH_MAX];
    const char *p = target;
    size_t len = 0;
    int fd = dup(rootfd);

    if (fd < 0)
        return mb_error_errno(err, "mount %s", target);
    prefix[0] = '\0';
    while (*p != '\0') {
        const char *end;
        size_t n;
        int next;

        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        end = strchrnul(p, '/');
        n = (size_t)(end - p);
        if (len + n + 2 > sizeof(prefix)) {
            close(fd);
            return mb_error_with(err, ENAMETOOLONG, "mount %s", target);
        }
        memcpy(prefix + len, "/", 1);
        memcpy(prefix + len + 1, p, n);
        len += n + 1;
        prefix[len] = '\0';
        next = open_in_root(rootfd, prefix);
        if (next < 0 && errno == ENOENT) {
            char name[NAME_MAX + 1];

            if (n > NAME_MAX) {
                close(fd);
                return mb_error_with(err, ENAMETOOLONG, "mount %s", target);
            }
            memcpy(name, p, n);
            name[n] = '\0';
            if (create_in(fd, name, as_file && *end == '\0') < 0) {
                mb_error_errno(err, "create mount point %s", target);
                close(fd);
                return -1;
            }
            next = open_in_root(rootfd, prefix);
        }
        close(fd);
        if (next < 0)
            return mb_error_errno(err, "open mount point %s", target);
        fd = next;
        p = end;
    }
    return fd;
}

static int fd_path(char *buf, size_t size, int fd)
{
    return snprintf(buf, size, "/proc/self/fd/%d", fd) >= (int)size ? -1 : 0;
}

/* The lock-in flags of the mount at path (nosuid/nodev/noexec cannot be
 * dropped by a remount in a user's mount, so they are kept). */
static unsigned long locked_flags(const char *path)
{
    struct statvfs sv;
    unsigned long f = 0;

    if (statvfs(path, &sv) < 0)
        return 0;
    if (sv.f_flag & ST_NOSUID)
        f |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV)
        f |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC)
        f |= MS_NOEXEC;
    return f;
}

static int bind_one(int rootfd, const mb_user_mount *m, mb_error *err)
{
    char at[64];
    struct stat st;
    unsigned long extra = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
    int fd, rc;

    if (stat(m->source, &st) < 0)
        return mb_error_errno(err, "bind source %s", m->source);
    fd = mounts_resolve_target(rootfd, m->target, !S_ISDIR(st.st_mode), err);
    if (fd < 0)
        return -1;
    fd_path(at, sizeof(at), fd);
    rc = mount(m->source, at, NULL, MS_BIND | MS_REC, NULL);
    close(fd);
    if (rc < 0)
        return mb_error_errno(err, "bind mount %s", m->target);
    /* The fd names the directory under the new mount: look again. */
    fd = mounts_resolve_target(rootfd, m->target, 0, err);
    if (fd < 0)
        return -1;
    fd_path(at, sizeof(at), fd);
    rc = mount(NULL, at, NULL, m->propagation, NULL);
    if (rc == 0 && extra != 0)
        rc = mount(NULL, at, NULL, MS_REMOUNT | MS_BIND | extra | locked_flags(at), NULL);
    if (rc < 0)
        mb_error_errno(err, "remount %s", m->target);
    close(fd);
    return rc < 0 ? -1 : 0;
}

static int tmpfs_one(int rootfd, const mb_user_mount *m, mb_error *err)
{
    char at[64];
    int fd = mounts_resolve_target(rootfd, m->target, 0, err), rc;

    if (fd < 0)
        return -1;
    fd_path(at, sizeof(at), fd);
    rc = mount("tmpfs", at, "tmpfs", m->flags, m->data[0] ? m->data : NULL);
    close(fd);
    if (rc < 0)
        return mb_error_errno(err, "mount tmpfs %s", m->target);
    return 0;
}

int mounts_apply_one(int rootfd, const mb_user_mount *m, mb_error *err)
{
    if (m->type == MB_MOUNT_FS) /* an OCI bundle's: run/oci_mounts.h */
        return mb_error_detail(err, MB_EXIT_SETUP, "mount", "%s: a filesystem mount outside oci_mounts_apply", m->target);
    return m->type == MB_MOUNT_BIND ? bind_one(rootfd, m, err) : tmpfs_one(rootfd, m, err);
}

int mounts_apply(const char *rootfs, const mb_mount_config *m, mb_error *err)
{
    size_t i;
    int rootfd, rc = 0;

    if (m->len == 0)
        return 0;
    rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return mb_error_errno(err, "open %s", rootfs);
    for (i = 0; i < m->len && rc == 0; i++)
        rc = mounts_apply_one(rootfd, &m->items[i], err);
    close(rootfd);
    return rc;
}

int mounts_readonly_root(const char *rootfs, const mb_mount_config *m,
                         mb_error *err)
{
    if (!m->readonly_root)
        return 0;
    /* MS_BIND with MS_REMOUNT changes this mount's flags only: the
     * overlay superblock, and every mount on top of it, stay as they are. */
    /* The lock-in flags of the host's mount are kept: in a user namespace
     * a remount that drops them is refused. */
    if (mount(NULL, rootfs, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(rootfs), NULL) < 0)
        return mb_error_errno(err, "remount / read-only");
    return 0;
}

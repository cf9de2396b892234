/* netfiles.c - bind the generated /etc/hosts, /etc/hostname and
 * /etc/resolv.conf over the image's own, as Docker does: the files live in
 * the container's state dir, so minibox can rewrite them in place while the
 * container runs (names joining a user network). */
#include "net/network.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

/* Make root+dest a regular file to mount on.  An image's symlink there
 * (e.g. resolv.conf -> ../run/...) would resolve against the HOST root
 * before pivot_root, so it is replaced (in the upper layer only). */
static int bind_target(const char *path, const char *dest, mb_error *err)
{
    struct stat st;
    int fd;

    if (lstat(path, &st) == 0) {
        if (S_ISREG(st.st_mode))
            return 0;
        if (!S_ISLNK(st.st_mode))
            return mb_error_with(err, EISDIR, "bind %s", dest);
        if (unlink(path) < 0)
            return mb_error_errno(err, "bind %s: unlink symlink", dest);
    } else if (errno != ENOENT) {
        return mb_error_errno(err, "bind %s: stat", dest);
    }
    fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return mb_error_errno(err, "bind %s: create", dest);
    close(fd);
    return 0;
}

static int bind_one(const char *rootfs, char *spec, mb_error *err)
{
    char dest[PATH_MAX], path[PATH_MAX];
    char *colon = strchr(spec, ':');
    const char *src = colon + 1;
    char *slash;

    if ((size_t)(colon - spec) >= sizeof(dest))
        return mb_error_with(err, ENAMETOOLONG, "bind %s", spec);
    memcpy(dest, spec, (size_t)(colon - spec));
    dest[colon - spec] = '\0';
    /* The parent directory (normally /etc) must be a real directory. */
    slash = strrchr(dest, '/');
    if (slash != dest) {
        *slash = '\0';
        if (mb_mountpoint(rootfs, dest, err) < 0)
            return -1;
        *slash = '/';
    }
    if (mb_path_join(path, sizeof(path), rootfs, dest, err) < 0
        || bind_target(path, dest, err) < 0)
        return -1;
    return mb_mount(src, path, NULL, MS_BIND, NULL, dest, err);
}

int net_bind_etc(const mb_net_config *n, const char *rootfs, mb_error *err)
{
    size_t i;

    for (i = 0; i < n->n_etc; i++)
        if (bind_one(rootfs, n->etc[i], err) < 0)
            return -1;
    return 0;
}

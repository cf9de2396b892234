/* masked_paths.c - hide what /proc and /sys would tell a container about the
 * host (masked) and keep the kernel's knobs out of its reach (read-only), as
 * runc does for Docker's lists (see masked_paths.h). */
#include "run/masked_paths.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "common/util.h"

/* lstat: refuse to follow a link out of the rootfs (/proc's are the
 * kernel's own, but a /sys path could be one in an odd kernel). */
static int kind(const char *path, mode_t *mode, mb_error *err)
{
    struct stat st;

    if (lstat(path, &st) < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return mb_error_errno(err, "stat %s", path);
    }
    *mode = st.st_mode & S_IFMT;
    return 1;
}

static int mask_one(const char *path, const char *shown, mb_error *err)
{
    mode_t mode = 0;
    int found = kind(path, &mode, err);

    if (found <= 0)
        return found;
    if (mode == S_IFDIR)
        return mb_mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                        "mode=0555", shown, err);
    if (mode == S_IFLNK)
        return 0;
    return mb_mount("/dev/null", path, NULL, MS_BIND, NULL, shown, err);
}

static int readonly_one(const char *path, const char *shown, mb_error *err)
{
    mode_t mode = 0;
    int found = kind(path, &mode, err);

    if (found <= 0 || mode == S_IFLNK)
        return found < 0 ? -1 : 0;
    if (mb_mount(path, path, NULL, MS_BIND | MS_REC, NULL, shown, err) < 0)
        return -1;
    return mb_mount(NULL, path, NULL,
                    MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                    NULL, shown, err);
}

int masked_paths_apply(const char *rootfs, const mb_security *s, mb_error *err)
{
    char path[PATH_MAX];
    size_t i;

    for (i = 0; i < s->readonly.len; i++)
        if (mb_path_join(path, sizeof(path), rootfs, s->readonly.items[i], err) < 0
            || readonly_one(path, s->readonly.items[i], err) < 0)
            return -1;
    for (i = 0; i < s->masked.len; i++)
        if (mb_path_join(path, sizeof(path), rootfs, s->masked.items[i], err) < 0
            || mask_one(path, s->masked.items[i], err) < 0)
            return -1;
    return 0;
}

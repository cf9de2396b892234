/* cgroupfs.c - mount the container's cgroup view at /sys/fs/cgroup.
 *
 * Runs after the cgroup namespace was unshared, so every cgroup filesystem
 * mounted here is rooted at the container's own cgroup: the container reads
 * memory.max (v2) or memory/memory.limit_in_bytes (v1) of itself, nothing of
 * the host.  Read-only, like Docker's default. */
#include "run/cgroupfs.h"

#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "common/util.h"

#define RO_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

static int mount_v1_controller(const char *base, const char *name,
                               unsigned long flags, mb_error *err)
{
    char path[PATH_MAX];

    if (snprintf(path, sizeof(path), "%s/%s", base, name) >= (int)sizeof(path))
        return mb_error_detail(err, MB_EXIT_SETUP, "cgroupfs", "path too long");
    if (mkdir(path, 0755) < 0)
        return mb_error_errno(err, "mkdir /sys/fs/cgroup/%s", name);
    return mb_mount("cgroup", path, "cgroup", flags, name,
                    "/sys/fs/cgroup/<controller>", err);
}

/* A tmpfs holding one directory per controller, then made read-only
 * (unless flags, the controllers' mount flags, lack MS_RDONLY). */
static int mount_v1(const char *base, const char *list, unsigned long flags,
                    mb_error *err)
{
    char names[256];
    char *save = NULL;

    if (mb_mount("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                 "mode=755,size=64k", "/sys/fs/cgroup", err) < 0)
        return -1;
    if (snprintf(names, sizeof(names), "%s", list) >= (int)sizeof(names))
        return mb_error_detail(err, MB_EXIT_SETUP, "cgroupfs", "too many controllers");
    for (char *n = strtok_r(names, " ", &save); n; n = strtok_r(NULL, " ", &save))
        if (mount_v1_controller(base, n, flags, err) < 0)
            return -1;
    if (!(flags & MS_RDONLY))
        return 0;
    return mb_mount(NULL, base, NULL, MS_REMOUNT | MS_BIND | RO_FLAGS, NULL,
                    "/sys/fs/cgroup (remount ro)", err);
}

int cgroupfs_mount_at(const char *base, const char *spec, unsigned long flags,
                      mb_error *err)
{
    if (strcmp(spec, "v2") == 0)
        return mb_mount("cgroup2", base, "cgroup2", flags, NULL,
                        "/sys/fs/cgroup", err);
    if (strncmp(spec, "v1:", 3) == 0)
        return mount_v1(base, spec + 3, flags, err);
    return mb_error_detail(err, MB_EXIT_SETUP, "config", "bad cgroupfs %s", spec);
}

int cgroupfs_mount(const char *rootfs, const char *spec, mb_error *err)
{
    char base[PATH_MAX];

    if (spec == NULL)
        return 0;
    if (mb_path_join(base, sizeof(base), rootfs, "/sys/fs/cgroup", err) < 0)
        return -1;
    return cgroupfs_mount_at(base, spec, RO_FLAGS, err);
}

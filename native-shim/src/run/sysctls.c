/* sysctls.c - see sysctls.h. */
#include "run/sysctls.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

/* <rootfs>/proc/sys/a/b/c for "a.b.c"; -1 for a name that is not plain
 * dot-separated components. */
static int sysctl_path(const char *rootfs, const char *name, size_t len,
                       char *out, size_t size)
{
    size_t i, n = (size_t)snprintf(out, size, "%s/proc/sys/", rootfs);
    char prev = '.';

    if (n >= size || len == 0 || n + len >= size)
        return -1;
    for (i = 0; i < len; i++) {
        char c = name[i];

        if (c == '/' || (c == '.' && prev == '.'))
            return -1;
        out[n++] = c == '.' ? '/' : c;
        prev = c;
    }
    if (prev == '.')
        return -1;
    out[n] = '\0';
    return 0;
}

static int write_sysctl(const char *rootfs, const char *rec, mb_error *err)
{
    const char *eq = strchr(rec, '=');
    char path[PATH_MAX];
    ssize_t w;
    size_t vlen;
    int fd;

    if (eq == NULL || sysctl_path(rootfs, rec, (size_t)(eq - rec), path,
                                  sizeof(path)) < 0)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "bad sysctl %.64s", rec);
    fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return mb_error_errno(err, "sysctl %.*s", (int)(eq - rec), rec);
    vlen = strlen(eq + 1);
    do
        w = write(fd, eq + 1, vlen);
    while (w < 0 && errno == EINTR);
    close(fd);
    if (w < 0 || (size_t)w != vlen)
        return mb_error_errno(err, "sysctl %.*s", (int)(eq - rec), rec);
    return 0;
}

int sysctls_apply(const char *rootfs, const mb_runopts *o, mb_error *err)
{
    size_t i;

    for (i = 0; i < o->nsysctls; i++)
        if (write_sysctl(rootfs, o->sysctls[i], err) < 0)
            return -1;
    return 0;
}

int shm_resize(const char *rootfs, const mb_runopts *o, mb_error *err)
{
    char path[PATH_MAX], data[64];
    const char *s = o->shmsize;

    if (s == NULL)
        return 0;
    if (strspn(s, "0123456789") != strlen(s) || s[0] == '\0'
        || strlen(s) > 20)
        return mb_error_detail(err, MB_EXIT_SETUP, "config", "bad shmsize");
    snprintf(path, sizeof(path), "%s/dev/shm", rootfs);
    snprintf(data, sizeof(data), "mode=1777,size=%s", s);
    if (mount("shm", path, "tmpfs",
              MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC, data) < 0)
        return mb_error_errno(err, "mount /dev/shm size=%s", s);
    return 0;
}

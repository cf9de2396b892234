/* util.c - path joining, mount and mkdir helpers. */
#include "common/util.h"
#include "common/trace.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

int mb_path_join(char *buf, size_t len, const char *root, const char *rel,
                 mb_error *err)
{
    int n = snprintf(buf, len, "%s%s", root, rel);

    if (n < 0 || (size_t)n >= len)
        return mb_error_with(err, ENAMETOOLONG, "path %s", rel);
    return 0;
}

int mb_mount(const char *source, const char *target, const char *fstype,
             unsigned long flags, const char *data, const char *shown,
             mb_error *err)
{
    if (mount(source, target, fstype, flags, data) < 0)
        return mb_error_errno(err, "mount %s", shown);
    if (trace_on())
        trace_mount(source, target, fstype, flags, data);
    return 0;
}

int mb_mountpoint(const char *root, const char *rel, mb_error *err)
{
    char path[PATH_MAX];
    struct stat st;

    if (mb_path_join(path, sizeof(path), root, rel, err) < 0)
        return -1;
    if (lstat(path, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return mb_error_with(err, ENOTDIR, "mkdir %s", rel);
        return 0;
    }
    if (errno != ENOENT)
        return mb_error_errno(err, "stat %s", rel);
    if (mkdir(path, 0755) < 0)
        return mb_error_errno(err, "mkdir %s", rel);
    return 0;
}

int mb_mkdir_p(const char *path, mb_error *err)
{
    char buf[PATH_MAX];
    char *p;

    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return mb_error_with(err, ENAMETOOLONG, "mkdir %s", path);
    /* Walk the components left to right; existing ones are fine, anything
     * else (a file in the way, read-only fs) surfaces from mkdir or from
     * the chdir that follows. */
    for (p = buf + 1;; p++) {
        char c = *p;

        if (c != '/' && c != '\0')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return mb_error_errno(err, "mkdir %s", buf);
        *p = c;
        if (c == '\0')
            break;
    }
    return 0;
}

/* cgroup.c - join cgroups by pid.  Creating them and setting limits is the
 * TypeScript side's job; the shim only moves the process in, early enough
 * that nothing the container runs escapes the limits. */
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "report.h"
#include "util.h"

static int join_one(const char *dir, pid_t pid, mb_error *err)
{
    char path[PATH_MAX], buf[32];
    int fd, n, rc = 0;

    if (mb_path_join(path, sizeof(path), dir, "/cgroup.procs", err) < 0)
        return -1;
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return mb_error_errno(err, "join cgroup %s", dir);
    n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
    /* The kernel takes the pid in a single write; a short write or an
     * error here (EBUSY, ENOENT for a vanished dir) means we did not join. */
    if (write_all(fd, buf, (size_t)n) < 0)
        rc = mb_error_errno(err, "join cgroup %s", dir);
    if (close(fd) < 0 && rc == 0 && errno != EINTR)
        rc = mb_error_errno(err, "join cgroup %s", dir);
    return rc;
}

int cgroup_join(const mb_strv *dirs, pid_t pid, mb_error *err)
{
    size_t i;

    for (i = 0; i < dirs->len; i++)
        if (join_one(dirs->items[i], pid, err) < 0)
            return -1;
    return 0;
}

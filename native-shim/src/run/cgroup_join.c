/* cgroup_join.c - join cgroups.  Creating them and setting limits is the
 * TypeScript side's job; the shim only moves the process in, early enough
 * that nothing the container runs escapes the limits.
 *
 * Two ways in, because of what the kernel locks: writing a pid to
 * cgroup.procs takes cgroup_threadgroup_rwsem for writing, which waits for
 * an RCU grace period (5-15 ms here, the largest single cost of a start).
 * A single-threaded process writing "0" to a v1 hierarchy's `tasks` moves
 * only itself and skips that lock (kernel 6.0+, "cgroup: Elide
 * write-locking threadgroup_rwsem" for current), ~0.1 ms.  v2 has no
 * `tasks` for a domain cgroup, so v2 dirs are still joined by pid. */
#include "run/cgroup_join.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/report.h"
#include "common/util.h"
#include "common/trace.h"

static int write_file(const char *dir, const char *file, const char *text,
                      mb_error *err)
{
    char path[PATH_MAX];
    int fd, rc = 0;

    if (mb_path_join(path, sizeof(path), dir, file, err) < 0)
        return -1;
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return mb_error_errno(err, "join cgroup %s", dir);
    /* The kernel takes the pid in a single write; a short write or an
     * error here (EBUSY, ENOENT for a vanished dir) means we did not join. */
    if (write_all(fd, text, strlen(text)) < 0)
        rc = mb_error_errno(err, "join cgroup %s", dir);
    if (close(fd) < 0 && rc == 0 && errno != EINTR)
        rc = mb_error_errno(err, "join cgroup %s", dir);
    if (rc == 0 && trace_on())
        trace_write(path, text, "cgroup-join");
    return rc;
}

/* A v1 hierarchy's cgroup has `tasks`; a v2 one does not. */
static int is_v1(const char *dir)
{
    char path[PATH_MAX];

    if (snprintf(path, sizeof(path), "%s/tasks", dir) >= (int)sizeof(path))
        return 0;
    return access(path, F_OK) == 0;
}

int cgroup_join(const mb_strv *dirs, pid_t pid, mb_error *err)
{
    char buf[32];
    size_t i;

    snprintf(buf, sizeof(buf), "%d\n", (int)pid);
    for (i = 0; i < dirs->len; i++)
        if (!is_v1(dirs->items[i])
            && write_file(dirs->items[i], "/cgroup.procs", buf, err) < 0)
            return -1;
    return 0;
}

int cgroup_join_self(const mb_strv *dirs, mb_error *err)
{
    size_t i;

    for (i = 0; i < dirs->len; i++)
        if (is_v1(dirs->items[i])
            && write_file(dirs->items[i], "/tasks", "0\n", err) < 0)
            return -1;
    return 0;
}

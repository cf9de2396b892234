/* preserve_fds.c - see preserve_fds.h. */
#include "run/preserve_fds.h"

#include <fcntl.h>
#include <unistd.h>

int preserve_fds_lift(const mb_runopts *o, int *fd, mb_error *err)
{
    int floor = o->preserve_from + o->preserve_n, moved;

    if (o->preserve_n == 0 || *fd >= floor)
        return 0;
    moved = fcntl(*fd, F_DUPFD_CLOEXEC, floor);
    if (moved < 0)
        return mb_error_errno(err, "move fd %d above the preserved fds", *fd);
    close(*fd);
    *fd = moved;
    return 0;
}

int preserve_fds_keeps(const mb_runopts *o, int fd)
{
    return o->preserve_n > 0 && fd >= o->preserve_from
           && fd < o->preserve_from + o->preserve_n;
}

int preserve_fds_place(const mb_runopts *o, mb_error *err)
{
    int i, src, dst;

    /* Ascending: from > 3, so each source is above its target, and a target
     * that is an earlier source has been copied already. */
    for (i = 0; i < o->preserve_n; i++) {
        src = o->preserve_from + i;
        dst = 3 + i;
        /* dup2 leaves the copy without close-on-exec: the program gets it */
        if (dup2(src, dst) < 0)
            return mb_error_errno(err, "preserve fd %d", dst);
    }
    for (i = 0; i < o->preserve_n; i++) {
        src = o->preserve_from + i;
        if (src >= 3 + o->preserve_n)
            close(src);
    }
    return 0;
}

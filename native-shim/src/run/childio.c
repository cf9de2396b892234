/* childio.c - see childio.h. */
#include "run/childio.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/pty.h"

static int make_pipe(int *rd, int *wr, mb_error *err)
{
    int fds[2];

    if (pipe2(fds, O_CLOEXEC) < 0)
        return mb_error_errno(err, "pipe");
    *rd = fds[0];
    *wr = fds[1];
    return 0;
}

/* Without a tty: stdout/stderr pipes; stdin /dev/null, or a pipe (-i): the
 * foreground monitor relays the caller's stdin into it, the detached one
 * holds it open and never writes (docker run -di).  Never the caller's own
 * fds: a container holding the caller's terminal could TIOCSTI into it. */
static int prepare_pipes(const mb_runopts *o, mb_child_ctx *ctx,
                         mb_parentio *p, mb_error *err)
{
    if (make_pipe(&p->out, &ctx->io[1], err) < 0
        || make_pipe(&p->err, &ctx->io[2], err) < 0)
        return -1;
    if (o->stdin_open)
        return make_pipe(&ctx->io[0], &p->in, err);
    ctx->io[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (ctx->io[0] < 0)
        return mb_error_errno(err, "open /dev/null");
    return 0;
}

int childio_prepare(const mb_runopts *o, int detached, mb_child_ctx *ctx,
                    mb_parentio *p, mb_error *err)
{
    int slave;

    p->out = p->err = p->master = p->in = -1;
    ctx->io[0] = ctx->io[1] = ctx->io[2] = -1;
    ctx->ctty = 0;
    if (o->tty) {
        if (pty_open(&p->master, &slave, err) < 0)
            return -1;
        if (!detached)
            pty_copy_size(STDIN_FILENO, p->master);
        ctx->io[0] = ctx->io[1] = ctx->io[2] = slave;
        ctx->ctty = 1;
        return 0;
    }
    return prepare_pipes(o, ctx, p, err);
}

void childio_close_child(mb_child_ctx *ctx)
{
    int i;

    for (i = 0; i < 3; i++) {
        if (ctx->io[i] > 2 && (i == 0 || ctx->io[i] != ctx->io[i - 1]))
            close(ctx->io[i]);
    }
    ctx->io[0] = ctx->io[1] = ctx->io[2] = -1;
}

void childio_close_parent(mb_parentio *p)
{
    int *fds[] = { &p->out, &p->err, &p->master, &p->in };
    size_t i;

    for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
}

/* Every fd above stdio except keep, for real (not close-on-exec): a
 * leaked host fd must not even serve as a cwd (-w /proc/self/fd/N, the
 * CVE-2024-21626 class) before the execve. */
static int close_others(int keep, mb_error *err)
{
    int r = 0;

    if (keep > 3)
        r = close_range(3, (unsigned)keep - 1, 0);
    if (r == 0)
        r = close_range(keep >= 3 ? (unsigned)keep + 1 : 3, ~0U, 0);
    if (r < 0 && errno != ENOSYS)
        return mb_error_errno(err, "close inherited fds");
    return 0;
}

int childio_setup(const mb_child_ctx *ctx, mb_error *err)
{
    int i;

    /* Our own session: no controlling terminal unless it is our pty. */
    if (setsid() < 0)
        return mb_error_errno(err, "setsid");
    if (ctx->ctty && ioctl(ctx->io[0], TIOCSCTTY, 0) < 0)
        return mb_error_errno(err, "ioctl TIOCSCTTY");
    for (i = 0; i < 3; i++)
        if (ctx->io[i] > 2 && dup2(ctx->io[i], i) < 0)
            return mb_error_errno(err, "dup2 stdio");
    return close_others(ctx->err_wr, err);
}

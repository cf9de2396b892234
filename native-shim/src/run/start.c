/* start.c - parent side of a start: pipes, clone, the v2 device program,
 * join the v2 cgroups and the network, release the child (which joins v1
 * cgroups itself, see
 * cgroup_join.c) and read its verdict from the error pipe. */
#include "run/start.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "common/report.h"
#include "common/wait.h"
#include "net/network.h"
#include "net/nshold.h"
#include "run/cgroup_join.h"
#include "run/childio.h"
#include "run/errpipe.h"
#include "run/namespaces.h"
#include "run/oci_start.h"
#include "run/oci_setup.h"
#include "run/preserve_fds.h"
#include "run/userns.h"
#include "security/device_filter.h"

/* A parent-side failure after clone: the child must not outlive it. Its
 * mounts live only in its own mount namespace and vanish with it. */
static int abort_child(pid_t pid, mb_child_ctx *ctx, const mb_error *err)
{
    kill(pid, SIGKILL);
    wait_reap(pid);
    close(ctx->sync_wr);
    close(ctx->err_rd);
    if (ctx->netns >= 0)
        close(ctx->netns);
    ctx->netns = -1;
    report_error(err);
    return err->code;
}

/* A failure before clone (or of clone): nothing to clean up but the
 * report. */
static int fail(const mb_error *err)
{
    report_error(err);
    return err->code;
}

/* Everything after a successful clone up to the running program: 0, or
 * the exit code of a failure that was reported.  ctx pipes: parent ends. */
static int release(const mb_config *cfg, pid_t pid, mb_child_ctx *ctx)
{
    char line[MB_ERRPIPE_MAX];
    mb_error err;
    int code, held;

    /* A user namespace's maps first: nothing in it runs as anyone before.
     * v2: the device program is on the cgroup before the child can run. */
    if (userns_parent_setup(cfg, pid, &err) < 0
        || devfilter_attach(&cfg->dev, &cfg->cgroups, &err) < 0
        || cgroup_join(&cfg->cgroups, pid, &err) < 0
        || net_parent_setup(&cfg->net, pid, &err) < 0
        || oci_parent_before_release(cfg, pid, &err) < 0)
        return abort_child(pid, ctx, &err);
    ctx->netns = nshold_open(cfg->opts.nshold, pid);
    report_pid(pid);
    if (write(ctx->sync_wr, "x", 1) != 1) {
        mb_error_errno(&err, "write sync pipe");
        return abort_child(pid, ctx, &err);
    }
    close(ctx->sync_wr);
    /* execfifo (minibox-runtime create): held here until `start`. */
    held = oci_start_hold(cfg, ctx->err_rd, &err);
    if (held < 0)
        return abort_child(pid, ctx, &err);
    /* held: nomonitor's init waits for `start` itself, the pipe stays open */
    if (!held && errpipe_read(ctx->err_rd, line, sizeof(line), &code)) {
        close(ctx->err_rd);
        wait_reap(pid);
        report_error_line(code, line);
        return code;
    }
    close(ctx->err_rd);
    /* tty=1: the pty master the init sent before its execve (childio.h). */
    if (childio_receive_master(ctx, &err) < 0) {
        kill(pid, SIGKILL);
        wait_reap(pid);
        report_error(&err);
        return err.code;
    }
    return 0;
}

static int make_pipes(mb_child_ctx *ctx, mb_error *err)
{
    int sync[2], errp[2];

    if (pipe2(sync, O_CLOEXEC) < 0)
        return mb_error_errno(err, "pipe");
    if (pipe2(errp, O_CLOEXEC) < 0) {
        close(sync[0]);
        close(sync[1]);
        return mb_error_errno(err, "pipe");
    }
    ctx->sync_rd = sync[0];
    ctx->sync_wr = sync[1];
    ctx->err_rd = errp[0];
    ctx->err_wr = errp[1];
    return 0;
}

int start_container(const mb_config *cfg, mb_child_ctx *ctx, pid_t *pid)
{
    mb_error err;
    pid_t child;
    int flags;

    ctx->netns = -1;
    /* --preserve-fds: the error pipe's write end out of their way */
    if (make_pipes(ctx, &err) < 0
        || preserve_fds_lift(&cfg->opts, &ctx->err_wr, &err) < 0
        || oci_start_prepare(cfg, &err) < 0) {
        childio_close_child(ctx);
        return fail(&err);
    }
    flags = oci_clone_flags(cfg, net_clone_flags(&cfg->net, MB_CLONE_NAMESPACES), &err);
    if (flags < 0) {
        childio_close_child(ctx);
        return fail(&err);
    }
    child = userns_clone(cfg, child_main, ctx, flags, &err);
    close(ctx->sync_rd);
    close(ctx->err_wr);
    childio_close_child(ctx);
    if (child < 0) {
        close(ctx->sync_wr);
        close(ctx->err_rd);
        return fail(&err);
    }
    *pid = child;
    return release(cfg, child, ctx);
}

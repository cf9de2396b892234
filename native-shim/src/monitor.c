/* monitor.c - parent side: clone, join v2 cgroups and the network, release
 * the child (which joins v1 cgroups itself, see cgroup.c), learn
 * whether its execve() worked, then forward signals until it exits. */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "child.h"
#include "childio.h"
#include "daemon.h"
#include "namespaces.h"
#include "network.h"
#include "relay.h"
#include "report.h"
#include "signals.h"

/* Exit status in the shell convention: code, or 128 + signal. */
static int status_code(int status)
{
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

static int reap(pid_t pid)
{
    int status = 0;

    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return MB_EXIT_SETUP;
    return status_code(status);
}

/* A parent-side failure after clone: the child must not outlive it. Its
 * mounts live only in its own mount namespace and vanish with it. */
static int abort_child(pid_t pid, const mb_error *err)
{
    kill(pid, SIGKILL);
    reap(pid);
    report_error(err);
    return err->code;
}

/* Read the child's verdict.  Returns 0 when the error pipe closed without
 * data (exec succeeded); otherwise fills line/code and returns 1.  Shared by
 * `run` and `exec` (enter.c). */
int monitor_read_verdict(int fd, char *line, size_t size, int *code)
{
    size_t len = 0;
    ssize_t n;

    while (len < size - 1) {
        n = read(fd, line + len, size - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    line[len] = '\0';
    if (len == 0)
        return 0;
    *code = (unsigned char)line[0];
    if (*code != MB_EXIT_NOEXEC && *code != MB_EXIT_NOTFOUND)
        *code = MB_EXIT_SETUP;
    memmove(line, line + 1, len);
    line[strcspn(line, "\n")] = '\0';
    return 1;
}

/* Forward signals until the container init exits; returns its status. */
int forward_until_exit(pid_t pid, int sfd)
{
    struct signalfd_siginfo si;
    int status;

    for (;;) {
        ssize_t n = read(sfd, &si, sizeof(si));

        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof(si))
            return reap(pid); /* cannot happen; still never leak the child */
        if (si.ssi_signo == SIGCHLD) {
            /* SIGCHLDs coalesce, so ask waitpid rather than trusting si. */
            pid_t r = waitpid(pid, &status, WNOHANG);

            if (r == pid)
                return status_code(status);
        } else if (signals_is_forwarded((int)si.ssi_signo)) {
            kill(pid, (int)si.ssi_signo);
        }
    }
}

/* A failure before clone (or of clone): nothing to clean up but the
 * report. */
static int fail(const mb_error *err)
{
    report_error(err);
    return err->code;
}

/* nshold: a network namespace dies when its last process does, and the
 * kernel then unregisters its veth on its own, in a batch of its own (each
 * batch waits ~25-45 ms on RCU).  Holding the namespace past the exit lets
 * the CLI delete the veth and an idle bridge in ONE batch instead
 * (link-del in netcmd.c), roughly halving the teardown of a --rm run.
 * Opened before the child is released, so even `true` cannot beat it; a
 * failure only loses the speed-up. */
static int hold_netns(const mb_config *cfg, pid_t pid)
{
    char path[64];

    if (cfg->opts.nshold == NULL)
        return -1;
    snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
    return open(path, O_RDONLY | O_CLOEXEC);
}

/* After "exit" was reported: wait for EOF on the hold fd (the CLI closes it
 * when its teardown is done, or dies), then let the namespace go. */
static void release_netns(const mb_config *cfg, int netns)
{
    char buf[64];
    int fd;

    if (cfg->opts.nshold == NULL)
        return;
    fd = atoi(cfg->opts.nshold);
    while (fd > 2) {
        ssize_t n = read(fd, buf, sizeof(buf));

        if (n == 0 || (n < 0 && errno != EINTR))
            break;
    }
    if (netns >= 0)
        close(netns);
}

/* Everything after a successful clone up to the running program: 0, or
 * the exit code of a failure that was reported.  ctx pipes: parent ends. */
static int release(const mb_config *cfg, pid_t pid, mb_child_ctx *ctx)
{
    char line[MB_ERRPIPE_MAX];
    mb_error err;
    int code;

    if (cgroup_join(&cfg->cgroups, pid, &err) < 0
        || net_parent_setup(&cfg->net, pid, &err) < 0)
        return abort_child(pid, &err);
    ctx->netns = hold_netns(cfg, pid);
    report_pid(pid);
    if (write(ctx->sync_wr, "x", 1) != 1) {
        mb_error_errno(&err, "write sync pipe");
        return abort_child(pid, &err);
    }
    close(ctx->sync_wr);
    if (monitor_read_verdict(ctx->err_rd, line, sizeof(line), &code)) {
        close(ctx->err_rd);
        reap(pid);
        report_error_line(code, line);
        return code;
    }
    close(ctx->err_rd);
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

int monitor_start(const mb_config *cfg, mb_child_ctx *ctx, pid_t *pid)
{
    mb_error err;
    pid_t child;

    if (make_pipes(ctx, &err) < 0)
        return fail(&err);
    child = ns_clone(child_main, ctx,
                     net_clone_flags(&cfg->net, MB_CLONE_NAMESPACES), &err);
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

int monitor_run(const mb_config *cfg)
{
    mb_child_ctx ctx = { .cfg = cfg };
    mb_parentio io;
    sigset_t set;
    mb_error err;
    pid_t pid;
    int sfd, code;

    /* Block before clone: a signal arriving in between is queued, not
     * lost, and shows up on the signalfd once we listen. */
    if (signals_block(&err) < 0)
        return fail(&err);
    signals_monitor_set(&set);
    sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (sfd < 0) {
        mb_error_errno(&err, "signalfd");
        return fail(&err);
    }
    /* Detached: the monitor lives on in a fork of its own (daemon.c). */
    if (cfg->opts.detach)
        return daemon_run(cfg, sfd);
    if (childio_prepare(&cfg->opts, 0, &ctx, &io, &err) < 0)
        return fail(&err);
    code = monitor_start(cfg, &ctx, &pid);
    if (code != 0)
        return code;
    if (io.master >= 0)
        code = relay_until_exit(pid, sfd, io.master, cfg->opts.stdin_open);
    else
        code = forward_until_exit(pid, sfd);
    report_exit(code);
    release_netns(cfg, ctx.netns);
    return code;
}

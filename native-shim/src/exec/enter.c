/* enter.c - see enter.h. */
#include "exec/enter.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/report.h"
#include "common/signals.h"
#include "common/trace.h"
#include "monitor/forward.h"
#include "monitor/relay.h"
#include "run/cgroup_join.h"
#include "run/child.h"
#include "run/childio.h"
#include "run/errpipe.h"
#include "run/execve.h"
#include "run/oci_direct.h"
#include "run/user.h"
#include "run/userns.h"
#include "security/confine.h"
#include "security/seccomp.h"
#include "security/cloned_binary.h"

static const struct {
    const char *name;
    int type;
} namespaces[] = {
    { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
    { "net", CLONE_NEWNET }, { "pid", CLONE_NEWPID },
    { "cgroup", CLONE_NEWCGROUP }, { "mnt", CLONE_NEWNS },
};

#define NNS (sizeof(namespaces) / sizeof(namespaces[0]))

/* Open all first: once we are in the mount namespace, /proc is theirs. */
static int open_namespaces(const char *pid, int fds[NNS], mb_error *err)
{
    char path[PATH_MAX];
    size_t i;

    for (i = 0; i < NNS; i++) {
        snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, namespaces[i].name);
        fds[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0)
            return mb_error_errno(err, "open %s", path);
    }
    return 0;
}

static int join_namespaces(const mb_config *cfg, mb_error *err)
{
    int fds[NNS];
    size_t i;

    for (i = 0; i < NNS; i++)
        fds[i] = -1;
    if (open_namespaces(cfg->opts.pid, fds, err) < 0
        || cgroup_join_self(&cfg->cgroups, err) < 0
        || cgroup_join(&cfg->cgroups, getpid(), err) < 0
        /* the user namespace first: the others are its (run/userns.h) */
        || userns_join_of(cfg->opts.pid, err) < 0)
        goto out;
    for (i = 0; i < NNS; i++) {
        if (setns(fds[i], namespaces[i].type) < 0) {
            mb_error_errno(err, "setns %s", namespaces[i].name);
            goto out;
        }
    }
    if (trace_on())
        trace_step("setns", "(ipc, uts, net, pid, cgroup, mnt)", cfg->opts.pid,
                   "joined the container's namespaces", "setns");
    err = NULL;
out:
    for (i = 0; i < NNS; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return err == NULL ? 0 : -1;
}

/* The cwd must be inside the container's root: a path through a leaked
 * host fd (/proc/self/fd/N) or anything else outside is unreachable from
 * "/", which getcwd() reports as ENOENT (CVE-2024-21626). */
static int enter_cwd(const char *cwd, mb_error *err)
{
    char buf[PATH_MAX];

    if (chdir(cwd) < 0)
        return mb_error_errno(err, "chdir to cwd (\"%s\") set in config", cwd);
    if (getcwd(buf, sizeof(buf)) == NULL || buf[0] != '/')
        return mb_error_detail(err, MB_EXIT_SETUP, "chdir",
                               "cwd %s is outside the container", cwd);
    return 0;
}

/* The forked child: already in every namespace; becomes the program
 * (cfg: its environment is the one user_prepare made). */
static void __attribute__((noreturn))
enter_child(const mb_config *cfg, const mb_user *user, const mb_child_ctx *ctx)
{
    mb_error err;

    /* childio_setup also closes every inherited fd above stdio, before
     * the cwd can refer to one. */
    /* nomonitor (minibox-runtime exec -d): we outlive the shim, reaped
     * by the caller that is a subreaper (conmon, containerd's shim) */
    if (!cfg->opts.nomonitor && prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        mb_error_errno(&err, "prctl PR_SET_PDEATHSIG");
    else if (childio_setup(ctx, &err) < 0
             /* -t: a pty of the container's devpts (run/childio.h) */
             || childio_open_pty(ctx, &err) < 0
             || enter_cwd(cfg->cwd, &err) < 0
             /* the container's own confinement (sec.* keys), as run's init */
             || confine_before_user(&cfg->sec, &err) < 0
             || childio_chown_tty(ctx, user->uid, user->gid, &err) < 0
             || userdb_switch(user, &err) < 0
             || confine_after_user(&cfg->sec, &err) < 0)
        ;
    else if (signals_reset(&err) == 0)
        exec_container(cfg, &err);
    errpipe_fail(ctx->err_wr, &err);
}

static int prepare(mb_config *run, mb_user *user, mb_child_ctx *ctx,
                   mb_parentio *io, int *sfd, mb_error *err)
{
    const mb_config *cfg = ctx->cfg;
    int errp[2];

    /* Not dumpable from here to the program's execve (which resets it): a
     * process in the container must not ptrace us or open our /proc files
     * while we are in its namespaces. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return mb_error_errno(err, "prctl PR_SET_DUMPABLE");
    /* Signals first: the fd is not tied to a namespace, and a signal that
     * arrives while we join is queued rather than lost.  The user is
     * resolved once in the mount namespace, where "/" is the container's
     * root: its passwd cannot point us at the host's files. */
    *run = *cfg;
    if ((*sfd = signals_open_fd(err)) < 0
        /* exec -d -t: the console socket's path is the caller's, not theirs */
        || (cfg->opts.nomonitor && oci_direct_console_connect(&cfg->opts, err) < 0)
        || join_namespaces(cfg, err) < 0
        || user_prepare(cfg, MB_EXIT_NOEXEC, user, &run->env, err) < 0
        || (cfg->opts.nomonitor ? oci_direct_stdio(&cfg->opts, ctx, io, err)
                                : childio_prepare(&cfg->opts, 0, ctx, io, err)) < 0)
        return -1;
    if (pipe2(errp, O_CLOEXEC) < 0)
        return mb_error_errno(err, "pipe");
    ctx->err_rd = errp[0];
    ctx->err_wr = errp[1];
    return 0;
}

int enter_run(const mb_config *cfg)
{
    char line[MB_ERRPIPE_MAX];
    mb_child_ctx ctx = { .cfg = cfg };
    mb_config run;
    mb_user user;
    mb_parentio io;
    mb_error err;
    int sfd = -1, code;
    pid_t pid;

    if (prepare(&run, &user, &ctx, &io, &sfd, &err) < 0) {
        report_error(&err);
        return err.code;
    }
    pid = fork();
    if (pid == 0)
        enter_child(&run, &user, &ctx);
    close(ctx.err_wr);
    childio_close_child(&ctx);
    if (pid < 0) {
        mb_error_errno(&err, "fork");
        report_error(&err);
        return err.code;
    }
    int failed = errpipe_read(ctx.err_rd, line, sizeof(line), &code);

    close(ctx.err_rd);
    if (failed) {
        waitpid(pid, NULL, 0);
        report_error_line(code, line);
        return code;
    }
    if (childio_receive_master(&ctx, &err) < 0) { /* -t: sent before exec */
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        report_error(&err);
        return err.code;
    }
    if (cfg->opts.nomonitor) { /* the pty to the caller, the pid, done */
        if (oci_direct_console(&cfg->opts, &io, &err) < 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            report_error(&err);
            return err.code;
        }
        report_pid(pid);
        return 0;
    }
    report_pid(pid);
    if (io.master >= 0)
        code = relay_until_exit(pid, sfd, io.master, cfg->opts.stdin_open);
    else
        code = forward_until_exit(pid, sfd, &io);
    report_exit(code);
    return code;
}

int enter_cmd(int argc, char **argv)
{
    static const int keep[] = { MB_REPORT_FD };
    mb_config cfg;
    mb_error err;
    int code;

    if (argc != 2)
        return report_usage("exec (takes no arguments)");
    /* Before anything else, fd 3 included: from the sealed copy. */
    if (cloned_binary_ensure(argv, keep, 1, &err) < 0) {
        report_error(&err);
        return err.code;
    }
    code = config_read_exec(MB_CONFIG_FD, &cfg, &err);
    if (code == 0)
        code = seccomp_prepare(&cfg.sec, &err); /* before the namespaces */
    close(MB_CONFIG_FD);
    if (code < 0) {
        report_error(&err);
        return err.code;
    }
    code = enter_run(&cfg);
    config_free(&cfg);
    return code;
}

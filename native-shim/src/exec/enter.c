/* enter.c - see enter.h. */
#include "exec/enter.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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
#include "monitor/forward.h"
#include "monitor/relay.h"
#include "run/cgroup_join.h"
#include "run/child.h"
#include "run/childio.h"
#include "run/errpipe.h"
#include "run/execve.h"

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
        || cgroup_join(&cfg->cgroups, getpid(), err) < 0)
        goto out;
    for (i = 0; i < NNS; i++) {
        if (setns(fds[i], namespaces[i].type) < 0) {
            mb_error_errno(err, "setns %s", namespaces[i].name);
            goto out;
        }
    }
    err = NULL;
out:
    for (i = 0; i < NNS; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return err == NULL ? 0 : -1;
}

static int set_user(const char *user, mb_error *err)
{
    unsigned uid, gid;

    if (user == NULL)
        return 0;
    if (sscanf(user, "%u:%u", &uid, &gid) != 2)
        return mb_error_detail(err, MB_EXIT_SETUP, "user", "invalid %s", user);
    if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
        return mb_error_errno(err, "set user %s", user);
    return 0;
}

/* The forked child: already in every namespace; becomes the program. */
static void __attribute__((noreturn))
enter_child(const mb_config *cfg, const mb_child_ctx *ctx)
{
    mb_error err;

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        mb_error_errno(&err, "prctl PR_SET_PDEATHSIG");
    else if (childio_setup(ctx, &err) < 0 || set_user(cfg->opts.user, &err) < 0)
        ;
    else if (chdir(cfg->cwd) < 0)
        mb_error_errno(&err, "chdir to cwd (\"%s\") set in config", cfg->cwd);
    else if (signals_reset(&err) == 0)
        exec_container(cfg, &err);
    errpipe_fail(ctx->err_wr, &err);
}

static int prepare(const mb_config *cfg, mb_child_ctx *ctx, mb_parentio *io,
                   int *sfd, mb_error *err)
{
    int errp[2];

    /* Signals first: the fd is not tied to a namespace, and a signal that
     * arrives while we join is queued rather than lost. */
    if ((*sfd = signals_open_fd(err)) < 0 || join_namespaces(cfg, err) < 0
        || childio_prepare(&cfg->opts, 0, ctx, io, err) < 0)
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
    mb_parentio io;
    mb_error err;
    int sfd, code;
    pid_t pid;

    if (prepare(cfg, &ctx, &io, &sfd, &err) < 0) {
        report_error(&err);
        return err.code;
    }
    pid = fork();
    if (pid == 0)
        enter_child(cfg, &ctx);
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
    report_pid(pid);
    if (io.master >= 0)
        code = relay_until_exit(pid, sfd, io.master, cfg->opts.stdin_open);
    else
        code = forward_until_exit(pid, sfd);
    report_exit(code);
    return code;
}

int enter_cmd(int argc, char **argv)
{
    mb_config cfg;
    mb_error err;
    int code;

    (void)argv;
    if (argc != 2)
        return report_usage("exec (takes no arguments)");
    code = config_read_exec(MB_CONFIG_FD, &cfg, &err);
    close(MB_CONFIG_FD);
    if (code < 0) {
        report_error(&err);
        return err.code;
    }
    code = enter_run(&cfg);
    config_free(&cfg);
    return code;
}

/* enter.c - see enter.h. */
#include "enter.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "child.h"
#include "childio.h"
#include "exec.h"
#include "monitor.h"
#include "relay.h"
#include "report.h"
#include "signals.h"

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
    char line[MB_ERRPIPE_MAX];
    mb_error err;
    size_t len;

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        mb_error_errno(&err, "prctl PR_SET_PDEATHSIG");
    else if (childio_setup(ctx, &err) < 0 || set_user(cfg->opts.user, &err) < 0)
        ;
    else if (chdir(cfg->cwd) < 0)
        mb_error_errno(&err, "chdir to cwd (\"%s\") set in config", cfg->cwd);
    else if (signals_reset(&err) == 0)
        exec_container(cfg, &err);
    line[0] = (char)err.code;
    mb_error_format(&err, line + 1, sizeof(line) - 2);
    len = 1 + strlen(line + 1);
    line[len++] = '\n';
    (void)write_all(ctx->err_wr, line, len);
    _exit(err.code);
}

static int prepare(const mb_config *cfg, mb_child_ctx *ctx, mb_parentio *io,
                   int *sfd, mb_error *err)
{
    sigset_t set;
    int errp[2];

    if (signals_block(err) < 0 || join_namespaces(cfg, err) < 0
        || childio_prepare(&cfg->opts, 0, ctx, io, err) < 0)
        return -1;
    signals_monitor_set(&set);
    *sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (*sfd < 0)
        return mb_error_errno(err, "signalfd");
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
    int failed = monitor_read_verdict(ctx.err_rd, line, sizeof(line), &code);

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
    code = config_read_exec(3, &cfg, &err);
    close(3);
    if (code < 0) {
        report_error(&err);
        return err.code;
    }
    code = enter_run(&cfg);
    config_free(&cfg);
    return code;
}

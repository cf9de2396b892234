/* oci_hooks.c - fork, feed and wait for the bundle's hooks (oci_hooks.h). */
#include "run/oci_hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/report.h"

static const char *const KIND_NAMES[] = { "prestart", "createRuntime",
                                          "createContainer", "startContainer" };

/* The hook process: stdin is the state pipe, signals as a fresh program
 * gets them, then the hook's own argv and environment. */
static void hook_child(const mb_oci_hook *h, int state_rd)
{
    static const char *const no_env[] = { NULL };
    const char *argv0[] = { h->path, NULL };
    sigset_t none;
    int sig;

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    if (dup2(state_rd, 0) < 0)
        _exit(MB_EXIT_SETUP);
    execve(h->path, (char *const *)(h->args ? h->args : argv0),
           (char *const *)(h->env ? h->env : no_env));
    _exit(errno == ENOENT ? MB_EXIT_NOTFOUND : MB_EXIT_NOEXEC);
}

/* pre + pid + ,"status":"s" + post, all of it; a hook that does not read
 * its stdin is no error (EPIPE with SIGPIPE ignored meanwhile). */
static void write_state(const mb_oci_config *o, int fd, pid_t pid,
                        const char *status)
{
    const char *pre = o->state_pre ? o->state_pre : "{\"pid\":";
    const char *post = o->state_post ? o->state_post : "}";
    char mid[96];
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);

    snprintf(mid, sizeof(mid), "%d,\"status\":\"%s\"", (int)pid, status);
    if (write_all(fd, pre, strlen(pre)) == 0 && write_all(fd, mid, strlen(mid)) == 0)
        (void)write_all(fd, post, strlen(post));
    close(fd);
    signal(SIGPIPE, old);
}

/* Wait for child, at most timeout seconds (0: forever); its wait status,
 * or -1 when it was killed for the timeout. */
static int wait_hook(pid_t child, int timeout, int *status)
{
    int pidfd = timeout > 0 ? (int)syscall(SYS_pidfd_open, child, 0) : -1;

    if (pidfd >= 0) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        int n;

        do
            n = poll(&p, 1, timeout * 1000);
        while (n < 0 && errno == EINTR);
        close(pidfd);
        if (n == 0) {
            kill(child, SIGKILL);
            while (waitpid(child, status, 0) < 0 && errno == EINTR)
                ;
            return -1;
        }
    }
    while (waitpid(child, status, 0) < 0)
        if (errno != EINTR)
            return -2;
    return 0;
}

static int run_one(const mb_oci_config *o, const mb_oci_hook *h, pid_t pid,
                   const char *status, mb_error *err)
{
    const char *kind = KIND_NAMES[h->kind];
    int fds[2], wstatus = 0, rc;
    pid_t child;

    if (h->path == NULL)
        return mb_error_detail(err, MB_EXIT_SETUP, "config", "%s hook without a path", kind);
    if (pipe2(fds, O_CLOEXEC) < 0)
        return mb_error_errno(err, "%s hook %s: pipe", kind, h->path);
    child = fork();
    if (child < 0) {
        close(fds[0]);
        close(fds[1]);
        return mb_error_errno(err, "%s hook %s: fork", kind, h->path);
    }
    if (child == 0)
        hook_child(h, fds[0]);
    close(fds[0]);
    write_state(o, fds[1], pid, status);
    rc = wait_hook(child, h->timeout, &wstatus);
    if (rc == -1)
        return mb_error_detail(err, MB_EXIT_SETUP, "hook", "%s hook %s: timed out after %d s", kind, h->path, h->timeout);
    if (rc < 0)
        return mb_error_errno(err, "%s hook %s: wait", kind, h->path);
    if (WIFSIGNALED(wstatus))
        return mb_error_detail(err, MB_EXIT_SETUP, "hook", "%s hook %s: killed by signal %d", kind, h->path, WTERMSIG(wstatus));
    if (WEXITSTATUS(wstatus) != 0)
        return mb_error_detail(err, MB_EXIT_SETUP, "hook", "%s hook %s: exit status %d", kind, h->path, WEXITSTATUS(wstatus));
    return 0;
}

int oci_hooks_run(const mb_oci_config *o, mb_hook_kind kind, pid_t pid,
                  const char *status, mb_error *err)
{
    size_t i;

    for (i = 0; i < o->nhooks; i++)
        if (o->hooks[i].kind == kind && run_one(o, &o->hooks[i], pid, status, err) < 0)
            return -1;
    return 0;
}

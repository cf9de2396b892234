/* signals.c - signal sets and resets shared by the monitors and the child. */
#include "common/signals.h"

#include <errno.h>
#include <stddef.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/wait.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
                                 SIGUSR2 };

#define NFORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

void signals_monitor_set(sigset_t *set)
{
    size_t i;

    sigemptyset(set);
    for (i = 0; i < NFORWARDED; i++)
        sigaddset(set, forwarded[i]);
    sigaddset(set, SIGCHLD);
}

int signals_is_forwarded(int sig)
{
    size_t i;

    for (i = 0; i < NFORWARDED; i++)
        if (forwarded[i] == sig)
            return 1;
    return 0;
}

int signals_block(mb_error *err)
{
    sigset_t set;

    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        return mb_error_errno(err, "ignore SIGPIPE");
    signals_monitor_set(&set);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return mb_error_errno(err, "sigprocmask");
    return 0;
}

int signals_open_fd(mb_error *err)
{
    sigset_t set;
    int fd;

    if (signals_block(err) < 0)
        return -1;
    signals_monitor_set(&set);
    fd = signalfd(-1, &set, SFD_CLOEXEC);
    if (fd < 0)
        return mb_error_errno(err, "signalfd");
    return fd;
}

int signals_reset(mb_error *err)
{
    sigset_t none;
    int sig;

    /* Ignored dispositions survive execve(); the container must start
     * with defaults regardless of what the shim or its caller set.
     * SIGKILL/SIGSTOP and glibc-reserved RT signals fail with EINVAL. */
    for (sig = 1; sig < NSIG; sig++)
        if (signal(sig, SIG_DFL) == SIG_ERR && errno != EINVAL)
            return mb_error_errno(err, "reset signal %d", sig);
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
        return mb_error_errno(err, "sigprocmask");
    return 0;
}

int signals_handle_one(int sfd, pid_t pid, int *code)
{
    struct signalfd_siginfo si;
    int status;

    if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return 0;
    if (si.ssi_signo == SIGCHLD) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            *code = wait_status_code(status);
            return 1;
        }
    } else if (signals_is_forwarded((int)si.ssi_signo)) {
        kill(pid, (int)si.ssi_signo);
    }
    return 0;
}

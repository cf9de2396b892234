/* relay.c - see relay.h. */
#include "monitor/relay.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/pty.h"
#include "common/report.h"
#include "common/signals.h"
#include "common/wait.h"

/* Copy what is readable on from to to; -1 at EOF or error. */
static int copy(int from, int to)
{
    char buf[4096];
    ssize_t n;

    do
        n = read(from, buf, sizeof(buf));
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return -1;
    (void)write_all(to, buf, (size_t)n);
    return 0;
}

/* One signal: SIGCHLD may mean the init exited (returns 1, *code set). */
static int on_signal(int sfd, pid_t pid, int master, int *code)
{
    struct signalfd_siginfo si;
    int status;

    if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return 0;
    if (si.ssi_signo == SIGWINCH) {
        pty_copy_size(STDIN_FILENO, master);
    } else if (si.ssi_signo == SIGCHLD) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            *code = wait_status_code(status);
            return 1;
        }
    } else if (signals_is_forwarded((int)si.ssi_signo)) {
        kill(pid, (int)si.ssi_signo);
    }
    return 0;
}

/* After the init exited: the rest of its output, until EIO (no slave). */
static void drain(int master)
{
    struct pollfd p = { .fd = master, .events = POLLIN };

    while (poll(&p, 1, 200) > 0 && copy(master, STDOUT_FILENO) == 0)
        ;
}

/* SIGWINCH joins the set sfd reads (signalfd on an existing fd updates
 * it in place).  Should that fail, sfd keeps working without resizes; the
 * result must not replace sfd, or a -1 would hide the SIGCHLD of the exit. */
static void add_winch(int sfd)
{
    sigset_t set;

    signals_monitor_set(&set);
    sigaddset(&set, SIGWINCH);
    if (sigprocmask(SIG_BLOCK, &set, NULL) == 0)
        (void)signalfd(sfd, &set, SFD_CLOEXEC);
}

int relay_until_exit(pid_t pid, int sfd, int master, int with_stdin)
{
    struct pollfd p[3];
    int code = 0, done = 0;

    add_winch(sfd);
    if (with_stdin)
        pty_raw(STDIN_FILENO);
    pty_copy_size(STDIN_FILENO, master);
    p[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
    p[1] = (struct pollfd){ .fd = master, .events = POLLIN };
    p[2] = (struct pollfd){ .fd = with_stdin ? STDIN_FILENO : -1,
                            .events = POLLIN };
    while (!done) {
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents && copy(master, STDOUT_FILENO) < 0)
            p[1].fd = -1;
        if (p[2].revents && copy(STDIN_FILENO, master) < 0)
            p[2].fd = -1;
        if (p[0].revents)
            done = on_signal(sfd, pid, master, &code);
    }
    if (!done) {
        int status = 0;

        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        code = wait_status_code(status);
    }
    drain(master);
    pty_restore();
    return code;
}

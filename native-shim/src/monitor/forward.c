/* forward.c - see forward.h. */
#include "monitor/forward.h"

#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/signals.h"
#include "common/wait.h"

int forward_until_exit(pid_t pid, int sfd)
{
    struct signalfd_siginfo si;
    int status;

    for (;;) {
        ssize_t n = read(sfd, &si, sizeof(si));

        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof(si))
            return wait_reap(pid); /* cannot happen; still never leak the child */
        if (si.ssi_signo == SIGCHLD) {
            /* SIGCHLDs coalesce, so ask waitpid rather than trusting si. */
            pid_t r = waitpid(pid, &status, WNOHANG);

            if (r == pid)
                return wait_status_code(status);
        } else if (signals_is_forwarded((int)si.ssi_signo)) {
            kill(pid, (int)si.ssi_signo);
        }
    }
}

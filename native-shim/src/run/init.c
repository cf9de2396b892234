/* init.c - see init.h. */
#include "run/init.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "security/cloned_binary.h"

extern char **environ;

int init_fork(mb_error *err)
{
    static char *empty_env[] = { NULL };
    char pidstr[24], *argv[] = { "minibox-init", "init", pidstr, NULL };
    sigset_t all;
    pid_t child;

    /* Blocked before the fork: a signal sent to PID 1 meanwhile is queued,
     * not dropped (PID 1's default actions are ignored), and the mask
     * survives the re-exec, so init_cmd sees it. */
    sigfillset(&all);
    if (sigprocmask(SIG_BLOCK, &all, NULL) < 0)
        return mb_error_errno(err, "init: block signals");
    child = fork();
    if (child < 0)
        return mb_error_errno(err, "init: fork");
    if (child == 0) {
        sigset_t none;

        sigemptyset(&none);
        if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
            return mb_error_errno(err, "init: unblock signals");
        return 0;
    }
    snprintf(pidstr, sizeof(pidstr), "%d", (int)child);
    environ = empty_env; /* not clearenv(): fexecve refuses a NULL envp */
    cloned_binary_ensure(argv, NULL, 0, err);
    kill(child, SIGKILL);
    return -1;
}

/* Reap every exited process; 1 once `child` is among them (*status set). */
static int reap(pid_t child, int *status)
{
    int st, done = 0;
    pid_t p;

    while ((p = waitpid(-1, &st, WNOHANG)) > 0 || (p < 0 && errno == EINTR))
        if (p == child) {
            *status = st;
            done = 1;
        }
    return done;
}

int init_cmd(int argc, char **argv)
{
    sigset_t all;
    pid_t child;
    int status = 0;

    if (argc != 3 || (child = (pid_t)atoi(argv[2])) <= 0)
        return 125;
    (void)prctl(PR_SET_NAME, "minibox-init", 0, 0, 0);
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    while (!reap(child, &status)) {
        siginfo_t info;
        int sig = sigwaitinfo(&all, &info);

        if (sig > 0 && sig != SIGCHLD)
            kill(child, sig);
    }
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

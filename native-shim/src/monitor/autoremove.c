/* autoremove.c - see autoremove.h. */
#include "monitor/autoremove.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

/* The monitor exits right after the fork; give it at most 10 s. */
static void wait_parent_gone(pid_t monitor)
{
    struct timespec tick = { .tv_sec = 0, .tv_nsec = 10 * 1000 * 1000 };
    int i;

    for (i = 0; i < 1000 && getppid() == monitor; i++)
        nanosleep(&tick, NULL);
}

void autoremove_after_exit(const mb_runopts *o)
{
    char *argv[MB_AUTOREMOVE_MAX + 1];
    sigset_t none;
    pid_t monitor = getpid();
    size_t i;

    if (o->nautoremove == 0)
        return;
    for (i = 0; i < o->nautoremove; i++)
        argv[i] = (char *)o->autoremove[i];
    argv[o->nautoremove] = NULL;
    if (fork() != 0)
        return; /* the monitor (or a failed fork: the record stays for rm) */
    /* The monitor blocked the forwarded signals for its signalfd: the CLI
     * must start with the default mask. */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    wait_parent_gone(monitor);
    execv(argv[0], argv);
    _exit(127);
}

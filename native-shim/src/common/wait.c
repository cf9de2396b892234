/* wait.c - see wait.h. */
#include "common/wait.h"

#include <errno.h>
#include <sys/wait.h>

#include "common/error.h"

int wait_status_code(int status)
{
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

int wait_reap(pid_t pid)
{
    int status = 0;

    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return MB_EXIT_SETUP;
    return wait_status_code(status);
}

/* errpipe.c - see errpipe.h. */
#include "run/errpipe.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/report.h"
#include "common/trace.h"

/* The verdict, with SIGPIPE blocked: the child resets its dispositions to
 * the defaults before the execve, and a reader that is gone must turn into
 * EPIPE here, not into a silent death by SIGPIPE.  We _exit right after,
 * so the pending signal never matters. */
static int write_verdict(int fd, const char *line, size_t len)
{
    sigset_t pipe_only;

    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    (void)sigprocmask(SIG_BLOCK, &pipe_only, NULL);
    return write_all(fd, line, len);
}

/* No one reads the pipe any more: minibox-runtime's init after `start`
 * (the shim exited at create, run/oci_start.h).  As runc's init does then,
 * the message goes to the container's own stderr: the text alone, without
 * the code byte (which is the pipe's framing, not part of the message)
 * and without our "minibox: " prefix, e.g.
 *     exec: "nosuch": executable file not found in $PATH */
static void tell_stderr(const char *msg, size_t len)
{
    static const char prefix[] = "minibox: ";

    if (strncmp(msg, prefix, sizeof(prefix) - 1) == 0) {
        msg += sizeof(prefix) - 1;
        len -= sizeof(prefix) - 1;
    }
    (void)write_all(STDERR_FILENO, msg, len);
}

void errpipe_fail(int fd, const mb_error *err)
{
    char line[MB_ERRPIPE_MAX];
    size_t len;

    trace_failure(err);
    line[0] = (char)err->code;
    mb_error_format(err, line + 1, sizeof(line) - 2);
    len = 1 + strlen(line + 1);
    line[len++] = '\n';
    if (write_verdict(fd, line, len) < 0 && errno == EPIPE)
        tell_stderr(line + 1, len - 1);
    _exit(err->code);
}

int errpipe_read(int fd, char *line, size_t size, int *code)
{
    size_t len = 0;
    ssize_t n;

    while (len < size - 1) {
        n = read(fd, line + len, size - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    line[len] = '\0';
    if (len == 0)
        return 0;
    *code = (unsigned char)line[0];
    if (*code != MB_EXIT_NOEXEC && *code != MB_EXIT_NOTFOUND)
        *code = MB_EXIT_SETUP;
    memmove(line, line + 1, len);
    line[strcspn(line, "\n")] = '\0';
    return 1;
}

/* report.c - status lines for the caller on fd 4 (or stderr for errors). */
#include "common/report.h"
#include "common/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static int report_fd = -1;

void report_init(void)
{
    int flags = fcntl(MB_REPORT_FD, F_GETFD);

    if (flags < 0)
        return;
    /* The container must never inherit our report pipe, otherwise the
     * reader would not see EOF until the whole container tree exits. */
    fcntl(MB_REPORT_FD, F_SETFD, flags | FD_CLOEXEC);
    report_fd = MB_REPORT_FD;
}

int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A reader that went away is not our problem: SIGPIPE is ignored and the
 * write error dropped, the container keeps running under the shim. */
static void emit(int fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void emit(int fd, const char *fmt, ...)
{
    char line[MB_ERROR_LINE_MAX + 32];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line)) {
        n = (int)sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    (void)write_all(fd, line, (size_t)n);
}

void report_pid(pid_t pid)
{
    if (report_fd >= 0)
        emit(report_fd, "pid %d\n", (int)pid);
}

void report_error_line(int code, const char *line)
{
    trace_close(); /* the failure was traced where it happened */
    if (report_fd >= 0)
        emit(report_fd, "error %d %s\n", code, line);
    else
        emit(STDERR_FILENO, "%s\n", line);
}

void report_error(const mb_error *err)
{
    char line[MB_ERROR_LINE_MAX];

    mb_error_format(err, line, sizeof(line));
    trace_failure(err);
    report_error_line(err->code, line);
}

void report_exit(int status)
{
    trace_close();
    if (report_fd >= 0)
        emit(report_fd, "exit %d\n", status);
}

int report_usage(const char *text)
{
    mb_error err;

    mb_error_detail(&err, MB_EXIT_SETUP, "usage", "minibox-shim %s", text);
    report_error(&err);
    return err.code;
}

/* errpipe.c - see errpipe.h. */
#include "run/errpipe.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/report.h"
#include "common/trace.h"

void errpipe_fail(int fd, const mb_error *err)
{
    char line[MB_ERRPIPE_MAX];
    size_t len;

    trace_failure(err);
    line[0] = (char)err->code;
    mb_error_format(err, line + 1, sizeof(line) - 2);
    len = 1 + strlen(line + 1);
    line[len++] = '\n';
    (void)write_all(fd, line, len);
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

/* error.c - building and formatting mb_error. */
#include "common/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void set_step(mb_error *err, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void set_step(mb_error *err, const char *fmt, va_list ap)
{
    vsnprintf(err->step, sizeof(err->step), fmt, ap);
}

int mb_error_errno(mb_error *err, const char *fmt, ...)
{
    /* Capture errno first: formatting could clobber it. */
    int saved = errno;
    va_list ap;

    va_start(ap, fmt);
    set_step(err, fmt, ap);
    va_end(ap);
    err->code = MB_EXIT_SETUP;
    err->errnum = saved;
    err->detail[0] = '\0';
    return -1;
}

int mb_error_with(mb_error *err, int errnum, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    set_step(err, fmt, ap);
    va_end(ap);
    err->code = MB_EXIT_SETUP;
    err->errnum = errnum;
    err->detail[0] = '\0';
    return -1;
}

int mb_error_detail(mb_error *err, int code, const char *step,
                    const char *fmt, ...)
{
    va_list ap;

    snprintf(err->step, sizeof(err->step), "%s", step);
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
    err->code = code;
    err->errnum = 0;
    return -1;
}

void mb_error_format(const mb_error *err, char *buf, size_t len)
{
    const char *what = err->detail[0] ? err->detail : strerror(err->errnum);
    char *nl;

    snprintf(buf, len, "minibox: %s: %s", err->step, what);
    /* The report protocol is line based: a newline inside a step (e.g. from
     * a weird path) must not split the message. */
    while ((nl = strchr(buf, '\n')) != NULL)
        *nl = ' ';
}

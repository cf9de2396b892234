/* error.h - the one error type of minibox-shim.
 *
 * Every failing step fills an mb_error and returns -1.  The error knows the
 * exit code it implies (125 setup, 126/127 exec), the step that failed and
 * either an errno or a fixed detail text.  It formats as exactly one line:
 *     minibox: <step>: <strerror(errno) or detail>
 * which is what the TypeScript side shows to the user.
 */
#ifndef MINIBOX_ERROR_H
#define MINIBOX_ERROR_H

#include <stddef.h>

/* Exit codes, same meaning as docker run. */
#define MB_EXIT_SETUP 125   /* the runtime itself failed */
#define MB_EXIT_NOEXEC 126  /* program found but cannot be executed */
#define MB_EXIT_NOTFOUND 127 /* program not found */

#define MB_STEP_MAX 512
#define MB_DETAIL_MAX 512
#define MB_ERROR_LINE_MAX (MB_STEP_MAX + MB_DETAIL_MAX + 32)

typedef struct mb_error {
    int code;                   /* exit code this error implies */
    int errnum;                 /* errno of the failed call, 0 if detail set */
    char step[MB_STEP_MAX];     /* what we were doing, e.g. "mount /proc" */
    char detail[MB_DETAIL_MAX]; /* used instead of strerror() when set */
} mb_error;

/* Record a failed step with the current errno (code 125).  Returns -1 so
 * callers can write `return mb_error_errno(err, "mount %s", p);`. */
int mb_error_errno(mb_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Same, with an explicit errno value instead of the current one. */
int mb_error_with(mb_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record a failure that has no errno: step plus a literal detail text. */
int mb_error_detail(mb_error *err, int code, const char *step,
                    const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Format as one line without trailing newline; never fails. */
void mb_error_format(const mb_error *err, char *buf, size_t len);

#endif

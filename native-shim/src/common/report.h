/* report.h - the line protocol on fd 4 towards the TypeScript side.
 *
 *   pid <host pid>\n        the container init exists
 *   error <code> <msg>\n    setup or exec failed (msg is one line)
 *   exit <status>\n         the container exited (code or 128+signal)
 *
 * When fd 4 is not open, pid/exit lines are dropped and error messages go
 * to stderr instead.
 */
#ifndef MINIBOX_REPORT_H
#define MINIBOX_REPORT_H

#include <sys/types.h>

#include "common/error.h"

#define MB_REPORT_FD 4

/* Must run first, before anything can open a descriptor that lands on 4. */
void report_init(void);

void report_pid(pid_t pid);
void report_error(const mb_error *err);
/* For messages that arrive already formatted (from the child). */
void report_error_line(int code, const char *line);

/* A subcommand called wrongly: "usage: minibox-shim <text>" reported as
 * an error; returns the exit code to use. */
int report_usage(const char *text);
void report_exit(int status);

/* Write all of buf, retrying EINTR and short writes. */
int write_all(int fd, const void *buf, size_t len);

#endif

/* errpipe.h - the child -> parent error pipe of `run` (child.c) and `exec`
 * (exec/enter.c).  The write end is O_CLOEXEC in the child:
 *   one line "<code byte><message>\n"   a setup step or the execve() failed
 *   EOF without data                    the execve() worked
 * The code byte is the exit code the failure implies (125, 126 or 127).
 * A pipe no one reads any more (EPIPE: minibox-runtime's init after
 * `start`, the shim long gone) gets the message on the child's stderr
 * instead, without the code byte or the "minibox: " prefix, as runc's init
 * does. */
#ifndef MINIBOX_ERRPIPE_H
#define MINIBOX_ERRPIPE_H

#include <stddef.h>

#include "common/error.h"

/* The longest line: code byte, message, '\n'. */
#define MB_ERRPIPE_MAX (MB_ERROR_LINE_MAX + 2)

/* Child: write err as the failure line to fd (or to stderr, see above)
 * and _exit(err->code). */
void errpipe_fail(int fd, const mb_error *err) __attribute__((noreturn));

/* Parent: read the verdict.  0 when the pipe closed empty (execve worked);
 * 1 with the message in line (no code byte, no newline) and *code set. */
int errpipe_read(int fd, char *line, size_t size, int *code);

#endif

/* pty.h - pseudo-terminals: open a pair, raw mode for the caller's
 * terminal, window size copies. */
#ifndef MINIBOX_PTY_H
#define MINIBOX_PTY_H

#include "common/error.h"

/* A new master (O_CLOEXEC) and its slave (O_CLOEXEC, opened). */
int pty_open(int *master, int *slave, mb_error *err);

/* Put fd (a terminal) in raw mode, remembering the old settings; restored
 * by pty_restore(), also registered with atexit().  No-op if not a tty. */
void pty_raw(int fd);
void pty_restore(void);

/* Copy the window size of terminal `from` to pty `to` (ignored if none). */
void pty_copy_size(int from, int to);

#endif

/* pty.h - the caller's terminal: raw mode, window sizes.  (The container's
 * pty itself is opened inside the container: run/childio.h.) */
#ifndef MINIBOX_PTY_H
#define MINIBOX_PTY_H

/* Put fd (a terminal) in raw mode, remembering the old settings; restored
 * by pty_restore(), also registered with atexit().  No-op if not a tty. */
void pty_raw(int fd);
void pty_restore(void);

/* Copy the window size of terminal `from` to pty `to` (ignored if none). */
void pty_copy_size(int from, int to);

/* The window size of terminal fd: 0 with *rows and *cols set, -1 if none. */
int pty_get_size(int fd, unsigned short *rows, unsigned short *cols);

#endif

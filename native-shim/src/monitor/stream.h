/* stream.h - one stream of a foreground container's stdio (no tty),
 * between the container's pipe and the caller's fd.  Output goes with
 * splice(2) when the caller's fd takes it (a pipe, a file), else through a
 * 64 KiB buffer (a tty, an O_APPEND file); writes block, so a slow reader
 * slows the container, as a pipeline does.  Input is buffered and written
 * non-blocking, so a container that is not reading its stdin can never
 * stop the monitor from draining its output. */
#ifndef MINIBOX_STREAM_H
#define MINIBOX_STREAM_H

#include <poll.h>
#include <stddef.h>

#define STREAM_BUF (64u << 10)

typedef struct mb_outstream {
    int from;      /* the container's pipe, read end; -1 once done */
    int to;        /* the caller's fd (1 or 2), never closed here */
    int no_splice; /* splice refused by to: read/write from now on */
} mb_outstream;

typedef struct mb_instream {
    int from; /* the caller's stdin; -1 once done */
    int to;   /* the container's stdin pipe, write end; -1 once closed */
    size_t off, len;
    char buf[STREAM_BUF];
} mb_instream;

/* Move what is readable on s->from.  At EOF, or when the caller's fd
 * failed (its reader left: the container then gets EPIPE/SIGPIPE, as in
 * a pipeline), s->from is closed and set to -1. */
void stream_out(mb_outstream *s);

/* Start relaying: to becomes non-blocking.  to < 0: nothing to relay. */
void stream_in_init(mb_instream *s, int from, int to);

/* What to poll for: the caller's stdin, or the container's pipe while a
 * chunk is pending; fd -1 when done. */
void stream_in_poll(const mb_instream *s, struct pollfd *p);

/* After poll: read or write one step.  EOF on from closes to, which the
 * container reads as the end of its stdin. */
void stream_in_step(mb_instream *s);

/* Stop relaying (the container exited): close to. */
void stream_in_close(mb_instream *s);

#endif

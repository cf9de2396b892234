/* stream.c - see stream.h. */
#include "monitor/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* Wait until a non-blocking fd of the caller's can take more. */
static void wait_writable(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLOUT };

    while (poll(&p, 1, -1) < 0 && errno == EINTR)
        ;
}

/* All of buf to fd, also when the caller's fd is O_NONBLOCK (a file
 * description shared with its parent, e.g. Node's pipes): -1 on error. */
static int write_fully(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EAGAIN)
            wait_writable(fd);
        else if (n < 0 && errno != EINTR)
            return -1;
        else if (n > 0) {
            buf += n;
            len -= (size_t)n;
        }
    }
    return 0;
}

/* One splice from the pipe: bytes moved, 0 at EOF, -1 with errno. */
static ssize_t splice_once(int from, int to)
{
    for (;;) {
        ssize_t n = splice(from, NULL, to, NULL, STREAM_BUF, SPLICE_F_MOVE);

        if (n >= 0 || (errno != EINTR && errno != EAGAIN))
            return n;
        if (errno == EAGAIN)
            wait_writable(to);
    }
}

/* 1 moved, 0 EOF, -1 the caller's side failed. */
static int copy_once(mb_outstream *s)
{
    static char buf[STREAM_BUF];
    ssize_t n;

    if (!s->no_splice) {
        n = splice_once(s->from, s->to);
        if (n >= 0)
            return n > 0;
        if (errno != EINVAL && errno != ENOSYS)
            return -1;
        s->no_splice = 1; /* a tty or an O_APPEND file: nothing was moved */
    }
    do
        n = read(s->from, buf, sizeof(buf));
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return 0;
    return write_fully(s->to, buf, (size_t)n) == 0 ? 1 : -1;
}

void stream_out(mb_outstream *s)
{
    if (s->from < 0 || copy_once(s) > 0)
        return;
    close(s->from);
    s->from = -1;
}

void stream_in_init(mb_instream *s, int from, int to)
{
    s->off = s->len = 0;
    s->from = to >= 0 ? from : -1;
    s->to = to;
    if (to >= 0)
        (void)fcntl(to, F_SETFL, fcntl(to, F_GETFL) | O_NONBLOCK);
}

void stream_in_poll(const mb_instream *s, struct pollfd *p)
{
    p->revents = 0;
    if (s->to < 0 || (s->len == 0 && s->from < 0)) {
        p->fd = -1;
    } else if (s->len > 0) {
        p->fd = s->to;
        p->events = POLLOUT;
    } else {
        p->fd = s->from;
        p->events = POLLIN;
    }
}

void stream_in_close(mb_instream *s)
{
    if (s->to >= 0)
        close(s->to);
    s->to = s->from = -1;
    s->len = 0;
}

void stream_in_step(mb_instream *s)
{
    ssize_t n;

    if (s->to < 0)
        return;
    if (s->len == 0) {
        n = read(s->from, s->buf, sizeof(s->buf));
        if (n > 0) {
            s->off = 0;
            s->len = (size_t)n;
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            stream_in_close(s); /* EOF: the container's stdin ends too */
        }
        return;
    }
    n = write(s->to, s->buf + s->off, s->len);
    if (n > 0) {
        s->off += (size_t)n;
        s->len -= (size_t)n;
    } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
        stream_in_close(s); /* the container closed its stdin */
    }
}

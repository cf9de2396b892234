/* forward.c - see forward.h. */
#include "monitor/forward.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/signals.h"
#include "common/wait.h"
#include "monitor/stream.h"

/* After the exit, what is left must come quickly: the namespace is gone or
 * going; a stray holder of the pipes (exec's background child) cannot keep
 * us, and with us the exit report, forever. */
#define DRAIN_IDLE_MS 1000

int forward_until_exit(pid_t pid, int sfd, mb_parentio *io)
{
    static mb_instream in;
    mb_outstream out = { .from = io->out, .to = STDOUT_FILENO };
    mb_outstream errs = { .from = io->err, .to = STDERR_FILENO };
    struct pollfd p[4];
    int code = 0, exited = 0, n;

    stream_in_init(&in, STDIN_FILENO, io->in);
    io->out = io->err = io->in = -1; /* ours now */
    while (!exited || out.from >= 0 || errs.from >= 0) {
        p[0] = (struct pollfd){ .fd = exited ? -1 : sfd, .events = POLLIN };
        p[1] = (struct pollfd){ .fd = out.from, .events = POLLIN };
        p[2] = (struct pollfd){ .fd = errs.from, .events = POLLIN };
        stream_in_poll(&in, &p[3]);
        n = poll(p, 4, exited ? DRAIN_IDLE_MS : -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        /* Output before the exit: nothing written before it is lost. */
        if (p[1].revents)
            stream_out(&out);
        if (p[2].revents)
            stream_out(&errs);
        if (p[3].revents)
            stream_in_step(&in);
        if (p[0].revents && signals_handle_one(sfd, pid, &code)) {
            exited = 1;
            stream_in_close(&in);
        }
    }
    stream_in_close(&in);
    if (out.from >= 0)
        close(out.from);
    if (errs.from >= 0)
        close(errs.from);
    return exited ? code : wait_reap(pid); /* poll failed: never leak it */
}

/* oci_start.c - the hold between `create` and `start` (see oci_start.h). */
#include "run/oci_start.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/report.h"
#include "run/execve.h"

/* One socketpair: the child writes "ready" and reads "go" on its end.
 * Without CLONE_VM the child has its own copy of these. */
static int parent_end = -1, child_end = -1;
static int held; /* once: a restart (never asked for by the runtime) runs at once */
/* nomonitor=1: exec.fifo opened O_PATH before clone, the init's way back
 * to it once "/" is the container's; and whether the init said ready. */
static int fifo_path = -1;
static int ready;

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int active(const mb_config *cfg)
{
    return cfg->opts.execfifo != NULL && !held;
}

int oci_start_prepare(const mb_config *cfg, mb_error *err)
{
    int sv[2];

    if (!active(cfg))
        return 0;
    if (cfg->opts.tty && !cfg->opts.nomonitor)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "execfifo with a monitor does not take tty=1");
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return mb_error_errno(err, "socketpair");
    parent_end = sv[0];
    child_end = sv[1];
    if (!cfg->opts.nomonitor)
        return 0;
    /* 0600: only root may start the container.  It must be new: an old
     * fifo could have a writer that is not ours. */
    if (mkfifo(cfg->opts.execfifo, 0600) < 0)
        return mb_error_errno(err, "mkfifo %s", cfg->opts.execfifo);
    fifo_path = open(cfg->opts.execfifo, O_PATH | O_CLOEXEC);
    if (fifo_path < 0)
        return mb_error_errno(err, "open %s", cfg->opts.execfifo);
    return 0;
}

void oci_start_child_init(const mb_config *cfg)
{
    if (!active(cfg))
        return;
    close_fd(&parent_end);
}

int oci_start_child_fd(void)
{
    return child_end;
}

int oci_start_child_fifo(void)
{
    return fifo_path;
}

int oci_start_ready(void)
{
    return ready;
}

/* nomonitor=1: the init's end of exec.fifo once `start` opened it for
 * reading; the byte on it (oci_start_child_release) lets `start` go on. */
static int fifo_wr = -1;

/* nomonitor=1: say ready, then block in open(O_WRONLY) until `start`
 * opens exec.fifo for reading (runc's way).  The byte comes later, after
 * the startContainer hooks: `start` runs poststart once it has it, and
 * the spec orders startContainer first. */
static int wait_fifo(const mb_config *cfg, mb_error *err)
{
    char path[32], byte = 'r';

    /* The shim exits once we are ready: the caller (conmon, containerd's
     * shim) reaps us, so its going must not kill us. */
    if (prctl(PR_SET_PDEATHSIG, 0) < 0)
        return mb_error_errno(err, "prctl PR_SET_PDEATHSIG");
    /* A missing program is create's error, not a silent exit after start. */
    if (exec_check(cfg, err) < 0)
        return -1;
    if (write(child_end, &byte, 1) != 1)
        return mb_error_errno(err, "write ready");
    close_fd(&child_end);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fifo_path);
    do
        fifo_wr = open(path, O_WRONLY | O_CLOEXEC);
    while (fifo_wr < 0 && errno == EINTR);
    if (fifo_wr < 0)
        return mb_error_errno(err, "open exec.fifo");
    close_fd(&fifo_path);
    return 0;
}

int oci_start_child_release(mb_error *err)
{
    char byte = '0';
    int rc = 0;

    if (fifo_wr < 0)
        return 0;
    if (write(fifo_wr, &byte, 1) != 1)
        rc = mb_error_errno(err, "write exec.fifo");
    close_fd(&fifo_wr);
    return rc;
}

int oci_start_child_wait(const mb_config *cfg, mb_error *err)
{
    char byte = 'r';
    ssize_t n;

    if (!active(cfg))
        return 0;
    if (cfg->opts.nomonitor)
        return wait_fifo(cfg, err);
    if (write(child_end, &byte, 1) != 1)
        return mb_error_errno(err, "write ready");
    do
        n = read(child_end, &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return mb_error_errno(err, "read start");
    if (n == 0)
        return mb_error_detail(err, MB_EXIT_SETUP, "start", "the monitor exited before start");
    close_fd(&child_end);
    return 0;
}

/* Wait until fd is readable; 1 when it was, 0 when err_rd spoke first
 * (the child failed or died), -1 on a poll error. */
static int wait_readable(int fd, int err_rd)
{
    struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = err_rd, .events = POLLIN } };

    for (;;) {
        int n = poll(p, 2, -1);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (p[0].revents & POLLIN)
            return 1;
        if (p[1].revents)
            return 0;
        if (p[0].revents) /* POLLHUP without data: a writer came and went */
            return 1;
    }
}

/* "created" to Node, then fd 4 becomes /dev/null: Node's create reads to
 * EOF and returns while we wait for `start`. */
static void report_created(void)
{
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

    (void)write_all(MB_REPORT_FD, "created\n", 8);
    if (fd >= 0) {
        dup3(fd, MB_REPORT_FD, O_CLOEXEC);
        close(fd);
    }
}

int oci_start_hold(const mb_config *cfg, int err_rd, mb_error *err)
{
    char byte;
    int fifo = -1, r;
    ssize_t n;

    if (!active(cfg))
        return 0;
    held = 1;
    close_fd(&child_end);
    if (cfg->opts.nomonitor) { /* the init holds itself: only wait for ready */
        close_fd(&fifo_path);
        r = wait_readable(parent_end, err_rd);
        ready = r == 1 && read(parent_end, &byte, 1) == 1;
        close_fd(&parent_end);
        if (r < 0)
            return mb_error_errno(err, "poll ready pipe");
        return ready;
    }
    r = wait_readable(parent_end, err_rd);
    if (r < 0) {
        mb_error_errno(err, "poll ready pipe");
        goto fail;
    }
    /* The child failed (its line is on err_rd) or died: release() reads it. */
    if (r == 0 || read(parent_end, &byte, 1) != 1)
        goto done;
    /* Made and opened before "created": a `start` right after create
     * finds a reader.  0600: only root may start the container. */
    if (mkfifo(cfg->opts.execfifo, 0600) < 0 && errno != EEXIST) {
        mb_error_errno(err, "mkfifo %s", cfg->opts.execfifo);
        goto fail;
    }
    fifo = open(cfg->opts.execfifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fifo < 0) {
        mb_error_errno(err, "open %s", cfg->opts.execfifo);
        goto fail;
    }
    report_created();
    for (;;) {
        r = wait_readable(fifo, err_rd);
        if (r <= 0)
            goto done; /* killed while created, or a poll error: the exit tells */
        n = read(fifo, &byte, 1);
        if (n == 1)
            break;
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            goto done;
        if (n == 0) { /* a writer left without a byte: reopen to clear POLLHUP */
            close(fifo);
            fifo = open(cfg->opts.execfifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
            if (fifo < 0)
                goto done;
        }
    }
    byte = 'g';
    if (write(parent_end, &byte, 1) != 1) {
        mb_error_errno(err, "write start");
        goto fail;
    }
done:
    close_fd(&fifo);
    close_fd(&parent_end);
    return 0;
fail:
    close_fd(&fifo);
    close_fd(&parent_end);
    return -1;
}

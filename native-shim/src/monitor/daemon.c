/* daemon.c - the detached monitor (see daemon.h). */
#include "monitor/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/report.h"
#include "common/signals.h"
#include "common/trace.h"
#include "common/wait.h"
#include "monitor/attach.h"
#include "monitor/autoremove.h"
#include "monitor/cgroup_remove.h"
#include "monitor/health.h"
#include "monitor/logger.h"
#include "monitor/record.h"
#include "monitor/resident.h"
#include "monitor/restart.h"
#include "run/childio.h"
#include "run/start.h"

static mb_logstream out_log = { .name = "stdout" };
static mb_logstream err_log = { .name = "stderr" };
static mb_attach hub; /* attach.sock and its clients (attach.h) */

/* Our own session, no terminal, stdio on /dev/null. */
static int detach_self(mb_error *err)
{
    int fd, i;

    if (setsid() < 0)
        return mb_error_errno(err, "setsid");
    /* No O_CLOEXEC: if a stdio fd was closed, open() returns it, and
     * dup2 onto itself would keep the flag on what becomes stdio. */
    fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        return mb_error_errno(err, "open /dev/null");
    for (i = 0; i < 3; i++)
        if (dup2(fd, i) < 0)
            return mb_error_errno(err, "dup2 /dev/null");
    if (fd > 2)
        close(fd);
    return 0;
}

/* Node reads fd 4 to EOF: after "started" it gets /dev/null instead, so
 * later reports (restarts) go nowhere and the number stays taken. */
static void report_done(void)
{
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

    trace_close(); /* restarts are not traced: nobody reads any more */
    (void)write_all(MB_REPORT_FD, "started\n", 8);
    if (fd >= 0) {
        dup3(fd, MB_REPORT_FD, O_CLOEXEC);
        close(fd);
    }
}

/* Read one chunk of a stream into its log and to the attached clients;
 * -1 at EOF/EIO.  (The pty master is non-blocking once attach writes to
 * it: EAGAIN is no end.) */
static int pump(int fd, int logfd, mb_logstream *s)
{
    char buf[ATTACH_DATA_MAX];
    ssize_t n;

    do
        n = read(fd, buf, sizeof(buf));
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return 0;
    if (n <= 0)
        return -1;
    logger_feed(logfd, s, buf, (size_t)n);
    attach_output(&hub, s == &err_log ? ATTACH_STDERR : ATTACH_STDOUT, buf,
                  (size_t)n);
    return 0;
}

/* How long the loop must be quiet before it drops its pages again. */
#define IDLE_DROP_MS 5000

/* Log the output until the init exited and its streams reached EOF. */
static int log_until_exit(pid_t pid, int sfd, mb_parentio *io, int logfd)
{
    mb_logstream *streams[3] = { &out_log, &err_log, &out_log };
    struct pollfd p[4 + ATTACH_POLL_MAX];
    int code = 0, exited = 0, touched = 0, i, n, open_streams;

    p[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
    p[1] = (struct pollfd){ .fd = io->out, .events = POLLIN };
    p[2] = (struct pollfd){ .fd = io->err, .events = POLLIN };
    p[3] = (struct pollfd){ .fd = io->master, .events = POLLIN };
    /* The (re)start is done: its code need not stay resident while the
     * container runs, only the little this loop runs. */
    resident_drop_setup_pages();
    for (;;) {
        open_streams = (p[1].fd >= 0) + (p[2].fd >= 0) + (p[3].fd >= 0);
        if (exited && open_streams == 0)
            break;
        /* After the exit, what is left must come quickly (the namespace
         * is dead); a stray holder of the pipe cannot keep us forever. */
        attach_poll(&hub, p + 4);
        /* Output and attach clients fault in the logger's code (printf,
         * strftime): once quiet for a while, give those pages back too. */
        n = poll(p, 4 + ATTACH_POLL_MAX,
                 exited ? 1000 : touched ? IDLE_DROP_MS : -1);
        if (n == 0 && !exited) {
            resident_drop_setup_pages();
            touched = 0;
            continue;
        }
        if (n < 0 && errno == EINTR && !exited)
            continue;
        if (n <= 0)
            break;
        touched = 1;
        for (i = 1; i < 4; i++)
            if (p[i].revents && pump(p[i].fd, logfd, streams[i - 1]) < 0)
                p[i].fd = -1;
        if (p[0].revents && signals_handle_one(sfd, pid, &code)) {
            exited = 1;
            p[0].fd = -1;
            hub.pid = 0; /* reaped: its pid is no one's to signal now */
        }
        attach_handle(&hub, p + 4);
    }
    logger_flush(logfd, &out_log);
    logger_flush(logfd, &err_log);
    return code;
}

/* Prepare stdio and start the container once: 0, or a reported code. */
static int start_once(const mb_config *cfg, mb_parentio *io, pid_t *pid)
{
    mb_child_ctx ctx = { .cfg = cfg };
    mb_error err;
    int code;

    if (childio_prepare(&cfg->opts, 1, &ctx, io, &err) < 0) {
        report_error(&err);
        childio_close_child(&ctx);
        childio_close_parent(io);
        return err.code;
    }
    code = start_container(cfg, &ctx, pid);
    if (code != 0)
        childio_close_parent(io);
    else
        attach_run(&hub, io, cfg->opts.stdin_open, *pid);
    return code;
}

/* The back-off before a restart; 0 when stop/kill (marker or signal)
 * cancelled it. */
static int wait_delay(int sfd, long ms, const char *statedir)
{
    struct pollfd p = { .fd = sfd, .events = POLLIN };
    struct signalfd_siginfo si;

    for (; ms > 0; ms -= 50) {
        if (record_stopped(statedir))
            return 0;
        if (poll(&p, 1, ms < 50 ? (int)ms : 50) > 0
            && read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)
            && signals_is_forwarded((int)si.ssi_signo))
            return 0;
    }
    return !record_stopped(statedir);
}

static int open_log(const char *path, mb_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

    if (fd < 0)
        return mb_error_errno(err, "open log %s", path);
    return fd;
}

/* Supervise runs until the container is gone for good. */
static int supervise_runs(const mb_config *cfg, int sfd, int logfd,
                          mb_parentio *io, pid_t pid)
{
    const mb_runopts *o = &cfg->opts;
    int restarts = 0, code;
    long oom;
    pid_t checker = health_start(cfg, pid);

    for (;;) {
        oom = record_oom_kills(o->oom);
        code = log_until_exit(pid, sfd, io, logfd);
        health_stop(checker); /* checks only while the container runs */
        checker = 0;
        childio_close_parent(io);
        record_exit(o->statedir, code, record_oom_kills(o->oom) > oom,
                    restarts);
        /* After the last of the output, and once ps says it: an attached
         * client that returns sees the container exited. */
        attach_exit(&hub, code);
        if (!restart_wanted(o->restart, code, restarts, o->statedir)
            || !wait_delay(sfd, restart_delay_ms(restarts), o->statedir))
            return code;
        restarts++;
        code = start_once(cfg, io, &pid);
        if (code != 0) {
            record_exit(o->statedir, code, 0, restarts);
            return code;
        }
        record_started(o->statedir, pid, restarts);
        record_clear_exit(o->statedir);
        checker = health_start(cfg, pid); /* "starting" again, as Docker */
    }
}

static int monitor_main(const mb_config *cfg, int sfd)
{
    mb_parentio io;
    mb_error err;
    pid_t pid;
    int logfd, code;

    if (detach_self(&err) < 0 || (logfd = open_log(cfg->opts.log, &err)) < 0) {
        attach_close(&hub);
        report_error(&err);
        return err.code;
    }
    dprintf(MB_REPORT_FD, "monitor %d\n", (int)getpid());
    code = start_once(cfg, &io, &pid);
    if (code != 0) {
        attach_close(&hub);
        return code;
    }
    record_started(cfg->opts.statedir, pid, 0);
    /* Before "started": whoever reads our RSS once `run -d` returned sees
     * the monitor without its setup (log_until_exit drops again). */
    resident_drop_setup_pages();
    report_done();
    code = supervise_runs(cfg, sfd, logfd, &io, pid);
    attach_close(&hub);
    close(logfd);
    cgroup_remove_all(&cfg->cgroups);
    autoremove_after_exit(&cfg->opts); /* run -d --rm */
    return code;
}

int daemon_run(const mb_config *cfg)
{
    mb_error err;
    int sfd;
    pid_t m;

    if (cfg->opts.log == NULL || cfg->opts.statedir == NULL) {
        mb_error_detail(&err, MB_EXIT_SETUP, "config",
                        "detach=1 needs log and statedir");
        report_error(&err);
        return err.code;
    }
    if (restart_validate(cfg->opts.restart, &err) < 0) {
        report_error(&err);
        return err.code;
    }
    /* Blocked before the fork: the monitor inherits the mask and the fd. */
    sfd = signals_open_fd(&err);
    if (sfd < 0) {
        report_error(&err);
        return err.code;
    }
    /* Before the fork, as the signal fd: the monitor inherits the socket,
     * and the code that made it is not in the monitor's resident set. */
    attach_open(&hub, cfg->opts.statedir);
    m = fork();
    if (m < 0) {
        attach_close(&hub);
        mb_error_errno(&err, "fork monitor");
        report_error(&err);
        return err.code;
    }
    if (m > 0)
        return 0; /* Node's child: done; the monitor reports on fd 4 */
    _exit(monitor_main(cfg, sfd));
}

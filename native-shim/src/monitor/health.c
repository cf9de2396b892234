/* health.c - the checker process (see health.h). */
#include "monitor/health.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/report.h"
#include "exec/enter.h"
#include "monitor/health_json.h"

static long ms_since(const struct timespec *since)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* One check in flight: the fork that enters the container, its output
 * pipe (stdout and stderr) and its report pipe (fd 4: "pid N" for the
 * program inside, "error C msg" when it could not be started). */
typedef struct mb_check {
    pid_t enter;
    pid_t program; /* 0 until reported */
    int out, rep;
    size_t replen;
    char rep_line[256];
} mb_check;

/* The report lines read so far: the program's pid; an error goes to the
 * output, where Docker shows why a check could not run. */
static void on_report(mb_check *c, mb_probe *p)
{
    char *nl, *line = c->rep_line;
    int pid, code, at;

    while ((nl = memchr(line, '\n', c->replen - (size_t)(line - c->rep_line))) != NULL) {
        *nl = '\0';
        if (sscanf(line, "pid %d", &pid) == 1)
            c->program = pid;
        else if (sscanf(line, "error %d %n", &code, &at) == 1 && p->len == 0)
            p->len = (size_t)snprintf(p->out, sizeof(p->out), "%s\n", line + at);
        line = nl + 1;
    }
    c->replen -= (size_t)(line - c->rep_line);
    memmove(c->rep_line, line, c->replen);
    if (c->replen == sizeof(c->rep_line))
        c->replen = 0; /* a line that long is not ours */
}

/* Read from fd into the probe's output (what is past MB_HEALTH_OUTPUT
 * bytes is read and dropped, as Docker does) or the report line: 0 at EOF. */
static int drain(mb_check *c, int fd, mb_probe *p)
{
    char sink[512], *to = sink;
    size_t room = sizeof(sink);
    ssize_t n;

    if (fd == c->rep) {
        to = c->rep_line + c->replen;
        room = sizeof(c->rep_line) - c->replen;
    } else if (p->len < sizeof(p->out)) {
        to = p->out + p->len;
        room = sizeof(p->out) - p->len;
    }
    n = read(fd, to, room);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN;
    if (n == 0)
        return 0;
    if (fd == c->rep) {
        c->replen += (size_t)n;
        on_report(c, p);
    } else if (to != sink) {
        p->len += (size_t)n;
    }
    return 1;
}

/* Until both pipes reach EOF (0) or the deadline (-1). */
static int probe_collect(mb_check *c, long timeout_ms, mb_probe *p)
{
    struct pollfd pf[2] = { { .fd = c->out, .events = POLLIN },
                            { .fd = c->rep, .events = POLLIN } };
    struct timespec t0;
    long left;
    int i;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (pf[0].fd >= 0 || pf[1].fd >= 0) {
        left = timeout_ms - ms_since(&t0);
        if (left <= 0)
            return -1;
        if (poll(pf, 2, left > INT_MAX ? INT_MAX : (int)left) <= 0)
            continue; /* EINTR or the deadline: checked above */
        for (i = 0; i < 2; i++)
            if (pf[i].fd >= 0 && pf[i].revents && !drain(c, pf[i].fd, p))
                pf[i].fd = -1;
    }
    return 0;
}

/* A duration as Go prints it (200ms, 30s, 1m30s, 1.5s), for the message. */
static const char *probe_duration(long ms)
{
    static char b[48];
    size_t n = 0;
    long s = (ms % 60000) / 1000, frac = ms % 1000;

    if (ms < 1000) {
        snprintf(b, sizeof(b), "%ldms", ms);
        return b;
    }
    if (ms >= 3600000)
        n += (size_t)snprintf(b + n, sizeof(b) - n, "%ldh", ms / 3600000);
    if (ms >= 60000)
        n += (size_t)snprintf(b + n, sizeof(b) - n, "%ldm", (ms / 60000) % 60);
    if (frac == 0)
        snprintf(b + n, sizeof(b) - n, "%lds", s);
    else if (frac % 100 == 0)
        snprintf(b + n, sizeof(b) - n, "%ld.%lds", s, frac / 100);
    else if (frac % 10 == 0)
        snprintf(b + n, sizeof(b) - n, "%ld.%02lds", s, frac / 10);
    else
        snprintf(b + n, sizeof(b) - n, "%ld.%03lds", s, frac);
    return b;
}

/* The fork that becomes "minibox exec" of the check (exec/enter.h). */
static void __attribute__((noreturn))
enter_check(const mb_config *cfg, const char *initpid, int out, int rep,
            pid_t checker)
{
    mb_config hc = *cfg;

    /* Gone with the checker (stopped with the container, or the monitor
     * killed): no check outlives them. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != checker)
        _exit(125);
    if (dup2(out, 1) < 0 || dup2(out, 2) < 0 || dup2(rep, MB_REPORT_FD) < 0)
        _exit(125);
    hc.args.items = (char **)cfg->health.args;
    hc.args.len = (size_t)cfg->health.nargs;
    hc.opts.pid = initpid;
    hc.opts.tty = 0;
    hc.opts.stdin_open = 0;
    _exit(enter_run(&hc) & 0xff);
}

/* Run one check: fill *p (times, exit code, output). */
static void run_check(const mb_config *cfg, const char *initpid,
                      long timeout_ms, mb_probe *p)
{
    mb_check c = { .out = -1, .rep = -1 };
    pid_t self = getpid();
    int o[2], r[2], st;

    clock_gettime(CLOCK_REALTIME, &p->start);
    p->len = 0;
    p->code = -1;
    if (pipe2(o, O_CLOEXEC) < 0) {
        r[0] = r[1] = -1;
    } else if (pipe2(r, O_CLOEXEC) < 0) {
        close(o[0]);
        close(o[1]);
        r[0] = r[1] = -1;
    }
    if (r[0] < 0) {
        p->len = (size_t)snprintf(p->out, sizeof(p->out), "pipe: %s", strerror(errno));
        clock_gettime(CLOCK_REALTIME, &p->end);
        return;
    }
    c.enter = fork();
    if (c.enter == 0)
        enter_check(cfg, initpid, o[1], r[1], self);
    close(o[1]);
    close(r[1]);
    c.out = o[0];
    c.rep = r[0];
    if (c.enter < 0) {
        p->len = (size_t)snprintf(p->out, sizeof(p->out), "fork: %s", strerror(errno));
    } else if (probe_collect(&c, timeout_ms, p) < 0) {
        /* The program first: its PDEATHSIG does not survive a switch to
         * a non-root user.  Its pid can only be reused once c.enter has
         * reaped it, and then c.enter is about to exit: a narrow race. */
        if (c.program > 0)
            kill(c.program, SIGKILL);
        kill(c.enter, SIGKILL);
        waitpid(c.enter, NULL, 0);
        p->code = -1;
        p->len = (size_t)snprintf(p->out, sizeof(p->out),
                                  "Health check exceeded timeout (%s)",
                                  probe_duration(timeout_ms));
    } else if (waitpid(c.enter, &st, 0) == c.enter) {
        p->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    close(c.out);
    close(c.rep);
    clock_gettime(CLOCK_REALTIME, &p->end);
}

/* Whether `file` under `dir` starts with `prefix` (0 when it cannot be read). */
static int file_starts(const char *dir, const char *file, const char *prefix)
{
    char path[PATH_MAX], buf[16];
    ssize_t n;
    int fd;

    if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
        return 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strncmp(buf, prefix, strlen(prefix)) == 0;
}

/* Paused (pause, or cp's freeze), also half-way: v1 freezer.state not
 * THAWED, v2 cgroup.freeze 1 (what was asked; cgroup.events says when the
 * kernel got there).  Docker runs no probe then: one entering the frozen
 * cgroup would only freeze too and count as a timeout. */
static int container_frozen(const mb_strv *cgroups)
{
    size_t i;

    for (i = 0; i < cgroups->len; i++)
        if (file_starts(cgroups->items[i], "freezer.state", "FREEZING")
            || file_starts(cgroups->items[i], "freezer.state", "FROZEN")
            || file_starts(cgroups->items[i], "cgroup.freeze", "1"))
            return 1;
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

    while (nanosleep(&t, &t) < 0 && errno == EINTR)
        ;
}

/* The checker: its own fds only.  Stdio and fd 4 on /dev/null: the
 * detached monitor's stdio are already, but a foreground monitor's are the
 * caller's terminal or pipes, which a check must neither read nor hold open
 * (the caller waits for their EOF); and no report may land in a check's
 * output pipe. */
static void __attribute__((noreturn))
checker_main(const mb_config *cfg, pid_t init, pid_t monitor)
{
    const mb_health_config *h = &cfg->health;
    long interval = h->interval_ms > 0 ? h->interval_ms : 30000;
    long timeout = h->timeout_ms > 0 ? h->timeout_ms : 30000;
    long retries = h->retries > 0 ? h->retries : 3;
    char initpid[24];
    struct timespec t0;
    mb_health_state hs;
    int fd;

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != monitor)
        _exit(0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    close_range(3, ~0U, 0);
    fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        dup2(fd, MB_REPORT_FD);
        if (fd > STDERR_FILENO && fd != MB_REPORT_FD)
            close(fd);
    }
    snprintf(initpid, sizeof(initpid), "%d", (int)init);
    health_state_init(&hs);
    health_state_write(cfg->opts.statedir, &hs);
    for (;;) {
        mb_probe *p;

        mb_probe probe;

        sleep_ms(interval);
        if (container_frozen(&cfg->cgroups))
            continue;
        run_check(cfg, initpid, timeout, &probe);
        /* Paused while it ran: Docker drops such a probe unrecorded. */
        if (container_frozen(&cfg->cgroups))
            continue;
        p = health_state_next(&hs);
        *p = probe;
        health_state_record(&hs, p->code == 0, ms_since(&t0) < h->start_ms,
                            retries);
        health_state_write(cfg->opts.statedir, &hs);
    }
}

pid_t health_start(const mb_config *cfg, pid_t init)
{
    pid_t monitor = getpid(), c;

    if (cfg->health.nargs == 0 || cfg->opts.statedir == NULL)
        return 0;
    c = fork();
    if (c == 0)
        checker_main(cfg, init, monitor);
    return c > 0 ? c : 0;
}

void health_stop(pid_t checker)
{
    if (checker <= 0)
        return;
    kill(checker, SIGKILL);
    while (waitpid(checker, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* childio.c - see childio.h. */
#include "run/childio.h"
#include "common/trace.h"
#include "run/oci_start.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

static int make_pipe(int *rd, int *wr, mb_error *err)
{
    int fds[2];

    if (pipe2(fds, O_CLOEXEC) < 0)
        return mb_error_errno(err, "pipe");
    *rd = fds[0];
    *wr = fds[1];
    return 0;
}

/* Without a tty: stdout/stderr pipes; stdin /dev/null, or a pipe (-i): the
 * foreground monitor relays the caller's stdin into it, the detached one
 * holds it open for attach (monitor/attach.h).  Never the caller's own
 * fds: a container holding the caller's terminal could TIOCSTI into it. */
static int prepare_pipes(const mb_runopts *o, mb_child_ctx *ctx,
                         mb_parentio *p, mb_error *err)
{
    if (make_pipe(&p->out, &ctx->io[1], err) < 0
        || make_pipe(&p->err, &ctx->io[2], err) < 0)
        return -1;
    if (o->stdin_open)
        return make_pipe(&ctx->io[0], &p->in, err);
    ctx->io[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (ctx->io[0] < 0)
        return mb_error_errno(err, "open /dev/null");
    return 0;
}

/* With a tty: the socketpair the master comes back on; stdio /dev/null
 * until the child has its pty (never the caller's fds, not even then). */
static int prepare_tty(int detached, mb_child_ctx *ctx, mb_parentio *p,
                       mb_error *err)
{
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return mb_error_errno(err, "socketpair");
    p->pty_sock = sv[0];
    ctx->pty_sock = sv[1];
    ctx->io[0] = ctx->io[1] = ctx->io[2] = open("/dev/null",
                                                O_RDWR | O_CLOEXEC);
    if (ctx->io[0] < 0)
        return mb_error_errno(err, "open /dev/null");
    ctx->ctty = 1;
    ctx->ws_set = !detached && ioctl(STDIN_FILENO, TIOCGWINSZ, &ctx->ws) == 0;
    return 0;
}

int childio_prepare(const mb_runopts *o, int detached, mb_child_ctx *ctx,
                    mb_parentio *p, mb_error *err)
{
    p->out = p->err = p->master = p->in = p->pty_sock = -1;
    ctx->io[0] = ctx->io[1] = ctx->io[2] = -1;
    ctx->ctty = 0;
    ctx->pty_sock = -1;
    ctx->ws_set = 0;
    ctx->parent = p;
    if (o->tty)
        return prepare_tty(detached, ctx, p, err);
    return prepare_pipes(o, ctx, p, err);
}

void childio_close_child(mb_child_ctx *ctx)
{
    int i;

    for (i = 0; i < 3; i++) {
        if (ctx->io[i] > 2 && (i == 0 || ctx->io[i] != ctx->io[i - 1]))
            close(ctx->io[i]);
    }
    ctx->io[0] = ctx->io[1] = ctx->io[2] = -1;
    if (ctx->pty_sock >= 0)
        close(ctx->pty_sock);
    ctx->pty_sock = -1;
}

void childio_close_parent(mb_parentio *p)
{
    int *fds[] = { &p->out, &p->err, &p->master, &p->in, &p->pty_sock };
    size_t i;

    for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
}

/* Close lo..hi-1 (hi = ~0U: all above lo) except --preserve-fds' range. */
static int close_below(const mb_runopts *o, unsigned lo, unsigned hi)
{
    unsigned from = (unsigned)o->preserve_from;
    unsigned to = from + (unsigned)o->preserve_n; /* exclusive */
    int r = 0;

    if (o->preserve_n > 0 && from < hi && to > lo) {
        if (from > lo)
            r = close_range(lo, from - 1, 0);
        lo = to;
    }
    if (r == 0 && hi > lo)
        r = close_range(lo, hi == ~0U ? ~0U : hi - 1, 0);
    return r;
}

/* Every fd above stdio except the kept ones (-1: unused), for real (not
 * close-on-exec): a leaked host fd must not even serve as a cwd
 * (-w /proc/self/fd/N, the CVE-2024-21626 class) before the execve. */
static int close_others(const mb_runopts *o, int *keep, size_t n,
                        mb_error *err)
{
    unsigned lo = 3;
    size_t i, j;
    int r = 0, t;

    for (i = 1; i < n; i++) /* ascending: a handful, insertion sort */
        for (j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
            t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    for (i = 0; i < n && r == 0; i++) {
        if (keep[i] < (int)lo) /* stdio, unused, or a duplicate */
            continue;
        r = close_below(o, lo, (unsigned)keep[i]);
        lo = (unsigned)keep[i] + 1;
    }
    if (r == 0)
        r = close_below(o, lo, ~0U);
    if (r < 0 && errno != ENOSYS)
        return mb_error_errno(err, "close inherited fds");
    return 0;
}

int childio_setup(const mb_child_ctx *ctx, mb_error *err)
{
    int i;

    /* Our own session: no controlling terminal until it is our pty. */
    if (setsid() < 0)
        return mb_error_errno(err, "setsid");
    for (i = 0; i < 3; i++)
        if (ctx->io[i] > 2 && dup2(ctx->io[i], i) < 0)
            return mb_error_errno(err, "dup2 stdio");
    /* execfifo: its hold socket and (nomonitor) the fifo are kept too;
     * --explain's trace pipe (close-on-exec, a pipe: no cwd) as well. */
    int keep[] = { ctx->err_wr, ctx->pty_sock, oci_start_child_fd(),
                   oci_start_child_fifo(), mb_trace_fd };

    return close_others(&ctx->cfg->opts, keep, sizeof(keep) / sizeof(keep[0]), err);
}

/* The multiplexer of the devpts we are looking at, and nothing that the
 * container could have put in its place (its /dev is a writable tmpfs, so
 * /dev/ptmx is not trusted: /dev/pts is a mount point it cannot replace
 * without CAP_SYS_ADMIN). */
static int open_ptmx(mb_error *err)
{
    struct statfs fs;
    struct stat st;
    int m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);

    if (m < 0)
        return mb_error_errno(err, "open /dev/pts/ptmx");
    if (fstatfs(m, &fs) < 0 || fs.f_type != DEVPTS_SUPER_MAGIC
        || fstat(m, &st) < 0 || !S_ISCHR(st.st_mode)
        || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2) {
        close(m);
        return mb_error_detail(err, MB_EXIT_SETUP, "open /dev/pts/ptmx",
                               "not the container's devpts multiplexer");
    }
    return m;
}

/* The slave of m, by the master itself (no path the container could
 * race), else by its number in the same devpts. */
static int open_slave(int m, mb_error *err)
{
    char path[32];
    int s, n;

    s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s >= 0 || errno != EINVAL)
        return s >= 0 ? s : mb_error_errno(err, "ioctl TIOCGPTPEER");
    if (ioctl(m, TIOCGPTN, &n) < 0)
        return mb_error_errno(err, "ioctl TIOCGPTN");
    snprintf(path, sizeof(path), "/dev/pts/%d", n);
    s = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0)
        return mb_error_errno(err, "open %s", path);
    return s;
}

static int send_fd(int sock, int fd, mb_error *err)
{
    char data = 'm';
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u;
    struct iovec iov = { .iov_base = &data, .iov_len = 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = u.buf,
                          .msg_controllen = sizeof(u.buf) };
    struct cmsghdr *c;
    ssize_t n;

    memset(&u, 0, sizeof(u));
    c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    do
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : mb_error_errno(err, "send pty master");
}

int childio_open_pty(const mb_child_ctx *ctx, mb_error *err)
{
    int zero = 0, m, s, i, r = -1;

    if (!ctx->ctty)
        return 0;
    m = open_ptmx(err);
    if (m < 0)
        return -1;
    if (ioctl(m, TIOCSPTLCK, &zero) < 0) {
        mb_error_errno(err, "unlockpt");
        goto out_m;
    }
    if (ctx->ws_set)
        (void)ioctl(m, TIOCSWINSZ, &ctx->ws);
    s = open_slave(m, err);
    if (s < 0)
        goto out_m;
    /* We lead our session (childio_setup): the slave becomes its tty. */
    if (ioctl(s, TIOCSCTTY, 0) < 0) {
        mb_error_errno(err, "ioctl TIOCSCTTY");
        goto out_s;
    }
    for (i = 0; i < 3; i++) {
        if (dup2(s, i) < 0) {
            mb_error_errno(err, "dup2 pty");
            goto out_s;
        }
    }
    r = send_fd(ctx->pty_sock, m, err);
out_s:
    close(s);
out_m:
    close(m); /* the parent holds it now; the container never does */
    close(ctx->pty_sock);
    return r;
}

int childio_bind_console(const mb_child_ctx *ctx, mb_error *err)
{
    struct stat st;
    int fd;

    if (!ctx->ctty)
        return 0;
    /* Our fresh /dev has none, unless --device/--privileged made a node:
     * it is mounted over, never opened (that would be the host's console). */
    if (lstat("/dev/console", &st) < 0) {
        fd = open("/dev/console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
                                  | O_CLOEXEC, 0600);
        if (fd < 0)
            return mb_error_errno(err, "create /dev/console");
        close(fd);
    } else if (S_ISLNK(st.st_mode)) {
        return mb_error_detail(err, MB_EXIT_SETUP, "mount /dev/console",
                               "is a symlink");
    }
    if (mount("/proc/self/fd/0", "/dev/console", NULL, MS_BIND, NULL) < 0)
        return mb_error_errno(err, "mount /dev/console");
    return 0;
}

int childio_chown_tty(const mb_child_ctx *ctx, uid_t uid, gid_t gid,
                      mb_error *err)
{
    if (ctx->ctty && fchown(STDIN_FILENO, uid, gid) < 0)
        return mb_error_errno(err, "chown pty");
    return 0;
}

int childio_receive_master(mb_child_ctx *ctx, mb_error *err)
{
    mb_parentio *p = ctx->parent;
    char data;
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u;
    struct iovec iov = { .iov_base = &data, .iov_len = 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = u.buf,
                          .msg_controllen = sizeof(u.buf) };
    struct cmsghdr *c;
    ssize_t n;
    int fd = -1;

    if (p == NULL || p->pty_sock < 0)
        return 0;
    /* Sent before the execve we already saw: never blocks. */
    do
        n = recvmsg(p->pty_sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    c = n == 1 ? CMSG_FIRSTHDR(&msg) : NULL;
    if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
        && c->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(&fd, CMSG_DATA(c), sizeof(int));
    close(p->pty_sock);
    p->pty_sock = -1;
    if (fd < 0)
        return mb_error_detail(err, MB_EXIT_SETUP, "pty",
                               "the container sent no pty master");
    p->master = fd;
    return 0;
}

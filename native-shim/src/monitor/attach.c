/* attach.c - see attach.h. */
#include "monitor/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* The kernel keeps this much output for a client before we give up on
 * it; socket buffers are kernel memory, not the monitor's RSS. */
#define CLIENT_SNDBUF (256 << 10)

static int sock_addr(const mb_attach *a, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    return snprintf(sa->sun_path, sizeof(sa->sun_path),
                    "/proc/self/fd/%d/" ATTACH_SOCK, a->dirfd);
}

void attach_open(mb_attach *a, const char *statedir)
{
    struct sockaddr_un sa;
    mode_t old;
    int i, fd;

    a->listen_fd = -1;
    a->target = a->master = -1;
    a->pid = 0;
    a->flags = 0;
    a->in_off = a->in_len = 0;
    for (i = 0; i < ATTACH_MAX_CLIENTS; i++)
        a->clients[i] = -1;
    a->dirfd = open(statedir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (a->dirfd < 0)
        return;
    (void)unlinkat(a->dirfd, ATTACH_SOCK, 0); /* an earlier monitor's */
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return;
    sock_addr(a, &sa);
    old = umask(0177); /* 0600 from the start, no window */
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0
        || listen(fd, ATTACH_MAX_CLIENTS) < 0) {
        umask(old);
        close(fd);
        return;
    }
    umask(old);
    a->listen_fd = fd;
}

void attach_run(mb_attach *a, const mb_parentio *io, int stdin_open,
                pid_t pid)
{
    a->pid = pid;
    a->master = io->master;
    a->flags = io->master >= 0 ? ATTACH_F_TTY : 0;
    a->target = -1;
    if (stdin_open)
        a->target = io->master >= 0 ? io->master : io->in;
    if (a->target >= 0) {
        a->flags |= ATTACH_F_STDIN;
        (void)fcntl(a->target, F_SETFL,
                    fcntl(a->target, F_GETFL) | O_NONBLOCK);
    }
    a->in_off = a->in_len = 0;
}

static void drop(mb_attach *a, int i)
{
    close(a->clients[i]);
    a->clients[i] = -1;
}

/* One packet, all or nothing, never blocking: 0, or -1 (drop the client). */
static int send_packet(int fd, char type, const void *data, size_t n)
{
    struct iovec iov[2] = { { .iov_base = &type, .iov_len = 1 },
                            { .iov_base = (void *)data, .iov_len = n } };
    struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n > 0 ? 2 : 1 };
    ssize_t r;

    do
        r = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    return r == (ssize_t)(1 + n) ? 0 : -1;
}

static void accept_one(mb_attach *a)
{
    int fd = accept4(a->listen_fd, NULL, NULL,
                     SOCK_CLOEXEC | SOCK_NONBLOCK);
    int i, sz = CLIENT_SNDBUF;

    if (fd < 0)
        return;
    for (i = 0; i < ATTACH_MAX_CLIENTS && a->clients[i] >= 0; i++)
        ;
    if (i == ATTACH_MAX_CLIENTS) { /* full: the client sees EOF */
        close(fd);
        return;
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    if (send_packet(fd, ATTACH_HELLO, &a->flags, 1) < 0) {
        close(fd);
        return;
    }
    a->clients[i] = fd;
    a->reading[i] = 1;
}

/* Write pending input; what the target does not take now stays. */
static void flush_input(mb_attach *a)
{
    ssize_t n;

    while (a->in_len > 0) {
        n = write(a->target, a->in_buf + a->in_off, a->in_len);
        if (n > 0) {
            a->in_off += (size_t)n;
            a->in_len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            if (n < 0 && errno != EAGAIN) /* its stdin is gone */
                a->in_len = 0;
            return;
        }
    }
}

static void on_packet(mb_attach *a, int i, const char *pkt, size_t n)
{
    unsigned short ws[2];
    int32_t sig;

    if (pkt[0] == ATTACH_INPUT && a->reading[i] && a->target >= 0
        && n > 1) {
        memcpy(a->in_buf, pkt + 1, n - 1);
        a->in_off = 0;
        a->in_len = n - 1;
        flush_input(a);
    } else if (pkt[0] == ATTACH_RESIZE && a->master >= 0
               && n == 1 + sizeof(ws)) {
        struct winsize w = { 0 };

        memcpy(ws, pkt + 1, sizeof(ws));
        w.ws_row = ws[0];
        w.ws_col = ws[1];
        (void)ioctl(a->master, TIOCSWINSZ, &w);
    } else if (pkt[0] == ATTACH_CLOSE) {
        a->reading[i] = 0;
    } else if (pkt[0] == ATTACH_SIGNAL && n == 1 + sizeof(sig) && a->pid > 0) {
        memcpy(&sig, pkt + 1, sizeof(sig));
        if (sig > 0 && sig < NSIG)
            kill(a->pid, (int)sig);
    }
}

/* One packet from client i, or its end. */
static void read_client(mb_attach *a, int i)
{
    char pkt[ATTACH_PACKET_MAX];
    ssize_t n;

    do
        n = recv(a->clients[i], pkt, sizeof(pkt), MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        on_packet(a, i, pkt, (size_t)n);
    else if (n == 0 || errno != EAGAIN)
        drop(a, i);
}

void attach_poll(const mb_attach *a, struct pollfd *p)
{
    int i;

    p[0] = (struct pollfd){ .fd = a->listen_fd, .events = POLLIN };
    p[1] = (struct pollfd){ .fd = a->in_len > 0 ? a->target : -1,
                            .events = POLLOUT };
    /* While input is pending, clients are not read (their input waits in
     * their socket); their hang-ups still show. */
    for (i = 0; i < ATTACH_MAX_CLIENTS; i++)
        p[2 + i] = (struct pollfd){ .fd = a->clients[i],
                                    .events = a->in_len > 0 ? 0 : POLLIN };
}

void attach_handle(mb_attach *a, const struct pollfd *p)
{
    int i;

    if (p[1].revents & (POLLERR | POLLHUP))
        a->in_len = 0;
    else if (p[1].revents)
        flush_input(a);
    for (i = 0; i < ATTACH_MAX_CLIENTS; i++) {
        if (a->clients[i] < 0 || p[2 + i].fd != a->clients[i]
            || !p[2 + i].revents)
            continue;
        if (a->in_len == 0 || (p[2 + i].revents & (POLLERR | POLLHUP)))
            read_client(a, i);
    }
    if (p[0].revents)
        accept_one(a);
}

void attach_output(mb_attach *a, char type, const char *data, size_t n)
{
    int i;

    for (i = 0; i < ATTACH_MAX_CLIENTS; i++)
        if (a->clients[i] >= 0
            && send_packet(a->clients[i], type, data, n) < 0)
            drop(a, i); /* too slow or gone: never wait for it */
}

void attach_exit(mb_attach *a, int code)
{
    int32_t status = code;
    int i;

    for (i = 0; i < ATTACH_MAX_CLIENTS; i++) {
        if (a->clients[i] < 0)
            continue;
        (void)send_packet(a->clients[i], ATTACH_EXIT, &status,
                          sizeof(status));
        drop(a, i);
    }
    a->target = a->master = -1;
    a->pid = 0;
    a->in_len = 0;
}

void attach_close(mb_attach *a)
{
    if (a->listen_fd >= 0) {
        close(a->listen_fd);
        (void)unlinkat(a->dirfd, ATTACH_SOCK, 0);
    }
    a->listen_fd = -1;
    if (a->dirfd >= 0)
        close(a->dirfd);
    a->dirfd = -1;
}

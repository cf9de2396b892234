/* attach_client.c - see attach_client.h. */
#include "exec/attach_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/pty.h"
#include "common/report.h"
#include "monitor/attach_proto.h"

#define KEYS_MAX 16

typedef struct attach_opts {
    const char *statedir;
    unsigned char keys[KEYS_MAX];
    size_t nkeys;
    int no_stdin;
    int sig_proxy;
} attach_opts;

/* The detach sequence as it is being typed. */
typedef struct escape {
    const unsigned char *keys;
    size_t n, matched;
} escape;

static const int proxied[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
                               SIGUSR2 };

static int fail(const char *msg)
{
    pty_restore();
    fprintf(stderr, "minibox: %s\n", msg);
    return 1;
}

static int parse_keys(const char *list, attach_opts *o)
{
    char *end;
    unsigned long b;

    o->nkeys = 0;
    while (*list != '\0') {
        b = strtoul(list, &end, 10);
        if (end == list || b > 255 || o->nkeys == KEYS_MAX
            || (*end != ',' && *end != '\0'))
            return -1;
        o->keys[o->nkeys++] = (unsigned char)b;
        list = *end == ',' ? end + 1 : end;
    }
    return 0;
}

static int parse_args(int argc, char **argv, attach_opts *o)
{
    int i;

    memset(o, 0, sizeof(*o));
    o->keys[0] = 16; /* ctrl-p */
    o->keys[1] = 17; /* ctrl-q */
    o->nkeys = 2;
    for (i = 2; i < argc; i++) {
        if (strncmp(argv[i], "--keys=", 7) == 0) {
            if (parse_keys(argv[i] + 7, o) < 0)
                return -1;
        } else if (strcmp(argv[i], "--no-stdin") == 0) {
            o->no_stdin = 1;
        } else if (strcmp(argv[i], "--sig-proxy") == 0) {
            o->sig_proxy = 1;
        } else if (argv[i][0] != '-' && o->statedir == NULL) {
            o->statedir = argv[i];
        } else {
            return -1;
        }
    }
    return o->statedir == NULL ? -1 : 0;
}

/* Through the dir's fd: a state root's paths outgrow sun_path. */
static int connect_monitor(const char *statedir)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int dir, fd, r;

    dir = open(statedir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return -1;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dir,
             ATTACH_SOCK);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        close(dir);
        return -1;
    }
    r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    close(dir);
    if (r < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_packet(int fd, char type, const void *data, size_t n)
{
    struct iovec iov[2] = { { .iov_base = &type, .iov_len = 1 },
                            { .iov_base = (void *)data, .iov_len = n } };
    struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n > 0 ? 2 : 1 };

    while (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR)
        ;
}

static void send_size(int sock, int rows_extra)
{
    unsigned short ws[2];
    int fd = isatty(STDOUT_FILENO) ? STDOUT_FILENO : STDIN_FILENO;

    if (pty_get_size(fd, &ws[0], &ws[1]) < 0)
        return;
    ws[0] = (unsigned short)(ws[0] + rows_extra);
    ws[1] = (unsigned short)(ws[1] + rows_extra);
    send_packet(sock, ATTACH_RESIZE, ws, sizeof(ws));
}

/* The signals this client reads: SIGWINCH with a tty, the proxied ones
 * with --sig-proxy and no tty (Docker proxies only then). */
static int open_signals(int tty, int proxy)
{
    sigset_t set;
    size_t i;

    sigemptyset(&set);
    if (tty)
        sigaddset(&set, SIGWINCH);
    for (i = 0; proxy && !tty && i < sizeof(proxied) / sizeof(proxied[0]); i++)
        sigaddset(&set, proxied[i]);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -1;
    return signalfd(-1, &set, SFD_CLOEXEC);
}

static void send_input(int sock, const unsigned char *buf, size_t len)
{
    size_t i;

    for (i = 0; i < len; i += ATTACH_DATA_MAX)
        send_packet(sock, ATTACH_INPUT, buf + i,
                    len - i < ATTACH_DATA_MAX ? len - i : ATTACH_DATA_MAX);
}

/* Input through the escape matcher: 1 when the detach sequence is
 * complete (what came before it is sent, the sequence is not).  Bytes that
 * may start it are held back until they do not. */
static int forward_input(int sock, escape *e, const unsigned char *in,
                         size_t n)
{
    unsigned char out[2 * ATTACH_DATA_MAX];
    size_t len = 0, i;

    for (i = 0; i < n; i++) {
        if (e->n > 0 && in[i] == e->keys[e->matched]) {
            if (++e->matched == e->n) {
                send_input(sock, out, len);
                return 1;
            }
            continue;
        }
        memcpy(out + len, e->keys, e->matched); /* not the sequence after all */
        len += e->matched;
        e->matched = 0;
        /* it may start again here (a one-key sequence matched above) */
        if (e->n > 0 && in[i] == e->keys[0]) {
            e->matched = 1;
            continue;
        }
        out[len++] = in[i];
    }
    send_input(sock, out, len);
    return 0;
}

/* A packet from the monitor: 1 and *code at the exit, -1 at EOF. */
static int on_packet(int sock, int *code)
{
    char pkt[ATTACH_PACKET_MAX];
    int32_t status;
    ssize_t n;

    do
        n = recv(sock, pkt, sizeof(pkt), 0);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return -1;
    if (pkt[0] == ATTACH_STDOUT || pkt[0] == ATTACH_STDERR) {
        (void)write_all(pkt[0] == ATTACH_STDOUT ? STDOUT_FILENO : STDERR_FILENO,
                        pkt + 1, (size_t)n - 1);
    } else if (pkt[0] == ATTACH_EXIT && n == 1 + (ssize_t)sizeof(status)) {
        memcpy(&status, pkt + 1, sizeof(status));
        *code = (int)status;
        return 1;
    }
    return 0;
}

static void on_signal(int sfd, int sock)
{
    struct signalfd_siginfo si;
    int32_t sig;

    if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return;
    if (si.ssi_signo == SIGWINCH) {
        send_size(sock, 0);
        return;
    }
    sig = (int32_t)si.ssi_signo;
    send_packet(sock, ATTACH_SIGNAL, &sig, sizeof(sig));
}

/* 1 detached, 0 stdin ended, 2 forwarded. */
static int on_stdin(int sock, escape *e)
{
    unsigned char buf[ATTACH_DATA_MAX];
    ssize_t n;

    do
        n = read(STDIN_FILENO, buf, sizeof(buf));
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        send_packet(sock, ATTACH_CLOSE, NULL, 0);
        return 0;
    }
    return forward_input(sock, e, buf, (size_t)n) ? 1 : 2;
}

static int relay(int sock, int sfd, int with_stdin, int tty,
                 const attach_opts *o)
{
    /* Docker looks for the detach keys only in a tty's input. */
    escape e = { .keys = o->keys, .n = tty ? o->nkeys : 0, .matched = 0 };
    struct pollfd p[3];
    int code = 0, r;

    p[0] = (struct pollfd){ .fd = sock, .events = POLLIN };
    p[1] = (struct pollfd){ .fd = with_stdin ? STDIN_FILENO : -1,
                            .events = POLLIN };
    p[2] = (struct pollfd){ .fd = sfd, .events = POLLIN };
    for (;;) {
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return fail("attach: poll failed");
        }
        if (p[0].revents) {
            r = on_packet(sock, &code);
            if (r > 0)
                break;
            if (r < 0)
                return fail("attach: disconnected by the container's monitor (this "
                            "terminal fell behind its output, or the monitor "
                            "is gone)");
        }
        if (p[1].revents) {
            r = on_stdin(sock, &e);
            if (r == 1) {
                pty_restore();
                fputs("read escape sequence\n", stderr);
                return 1;
            }
            if (r == 0)
                p[1].fd = -1;
        }
        if (p[2].revents)
            on_signal(sfd, sock);
    }
    pty_restore();
    return code;
}

int attach_cmd(int argc, char **argv)
{
    attach_opts o;
    char hello[2];
    int sock, sfd, tty, with_stdin;

    if (parse_args(argc, argv, &o) < 0)
        return report_usage("attach STATEDIR [--keys=B,...] [--no-stdin] "
                            "[--sig-proxy]");
    signal(SIGPIPE, SIG_IGN);
    sock = connect_monitor(o.statedir);
    if (sock < 0)
        return fail("You cannot attach to a stopped container, start it first");
    if (recv(sock, hello, sizeof(hello), 0) != 2 || hello[0] != ATTACH_HELLO)
        return fail("attach: the container's monitor refused the connection"
                    " (too many clients attached?)");
    tty = (hello[1] & ATTACH_F_TTY) != 0;
    with_stdin = (hello[1] & ATTACH_F_STDIN) && !o.no_stdin;
    sfd = open_signals(tty, o.sig_proxy);
    if (sfd < 0)
        return fail("attach: signalfd failed");
    if (tty && with_stdin)
        pty_raw(STDIN_FILENO);
    if (tty) {
        /* One row and column more, then the real size: the program redraws
         * (a shell its prompt) for the newcomer, as Docker's CLI does. */
        send_size(sock, 1);
        send_size(sock, 0);
    }
    return relay(sock, sfd, with_stdin, tty, &o);
}

/* console_socket.c - see console_socket.h. */
#include "run/console_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The slave's name as the container sees it: its own devpts. */
static int pty_name(int master, char *out, size_t size, mb_error *err)
{
    int n;

    if (ioctl(master, TIOCGPTN, &n) < 0)
        return mb_error_errno(err, "ioctl TIOCGPTN");
    snprintf(out, size, "/dev/pts/%d", n);
    return 0;
}

int console_socket_connect(const char *path, mb_error *err)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int s;

    if (strlen(path) >= sizeof(addr.sun_path))
        return mb_error_detail(err, MB_EXIT_SETUP, "console-socket",
                               "path too long: %s", path);
    strcpy(addr.sun_path, path);
    s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return mb_error_errno(err, "socket");
    if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        mb_error_errno(err, "connect %s", path);
        close(s);
        return -1;
    }
    return s;
}

int console_socket_send(int s, int master, mb_error *err)
{
    char name[32];
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u;
    struct iovec iov;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = u.buf,
                          .msg_controllen = sizeof(u.buf) };
    struct cmsghdr *c;
    ssize_t n;

    if (pty_name(master, name, sizeof(name), err) < 0)
        return -1;
    iov = (struct iovec){ .iov_base = name, .iov_len = strlen(name) };
    memset(&u, 0, sizeof(u));
    c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &master, sizeof(int));
    do
        n = sendmsg(s, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)iov.iov_len)
        return mb_error_errno(err, "send to the console socket");
    return 0;
}

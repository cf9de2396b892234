/* pty.c - see pty.h. */
#include "common/pty.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

int pty_open(int *master, int *slave, mb_error *err)
{
    char name[64];
    int m, s;

    m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0)
        return mb_error_errno(err, "posix_openpt");
    if (grantpt(m) < 0 || unlockpt(m) < 0
        || ptsname_r(m, name, sizeof(name)) != 0) {
        mb_error_errno(err, "unlockpt");
        close(m);
        return -1;
    }
    s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        mb_error_errno(err, "open %s", name);
        close(m);
        return -1;
    }
    *master = m;
    *slave = s;
    return 0;
}

static struct termios saved;
static int saved_fd = -1;

void pty_restore(void)
{
    if (saved_fd >= 0)
        tcsetattr(saved_fd, TCSADRAIN, &saved);
    saved_fd = -1;
}

void pty_raw(int fd)
{
    static int registered;
    struct termios raw;

    if (saved_fd >= 0 || tcgetattr(fd, &saved) < 0)
        return;
    raw = saved;
    cfmakeraw(&raw);
    if (tcsetattr(fd, TCSADRAIN, &raw) < 0)
        return;
    saved_fd = fd;
    if (!registered && atexit(pty_restore) == 0)
        registered = 1;
}

void pty_copy_size(int from, int to)
{
    struct winsize ws;

    if (ioctl(from, TIOCGWINSZ, &ws) == 0)
        ioctl(to, TIOCSWINSZ, &ws);
}

/* pty.c - see pty.h. */
#include "common/pty.h"

#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

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

int pty_get_size(int fd, unsigned short *rows, unsigned short *cols)
{
    struct winsize ws;

    if (ioctl(fd, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0)
        return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}

/* nshold.c - see nshold.h. */
#include "net/nshold.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int nshold_open(const char *nshold, pid_t pid)
{
    char path[64];

    if (nshold == NULL)
        return -1;
    snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
    return open(path, O_RDONLY | O_CLOEXEC);
}

void nshold_release(const char *nshold, int netns)
{
    char buf[64];
    int fd;

    if (nshold == NULL)
        return;
    fd = atoi(nshold);
    while (fd > 2) {
        ssize_t n = read(fd, buf, sizeof(buf));

        if (n == 0 || (n < 0 && errno != EINTR))
            break;
    }
    if (netns >= 0)
        close(netns);
}

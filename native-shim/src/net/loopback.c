/* loopback.c - bring up the loopback interface with plain ioctls (no netlink,
 * no libraries: one flag on one interface does not need more). */
#include "net/loopback.h"

#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int net_lo_up(mb_error *err)
{
    struct ifreq ifr;
    int fd, rc = 0;

    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return mb_error_errno(err, "bring lo up: socket");
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
        rc = mb_error_errno(err, "bring lo up: SIOCGIFFLAGS");
    } else {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
            rc = mb_error_errno(err, "bring lo up: SIOCSIFFLAGS");
    }
    close(fd);
    return rc;
}

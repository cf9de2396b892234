/* netlink.c - build rtnetlink requests and wait for their acks. */
#include "net/netlink.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void nlm_init(mb_nlmsg *m, uint16_t type, uint16_t flags, const void *fam,
              size_t fam_len)
{
    memset(m, 0, sizeof(*m));
    m->u.h.nlmsg_len = NLMSG_LENGTH(fam_len);
    m->u.h.nlmsg_type = type;
    m->u.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    memcpy(NLMSG_DATA(&m->u.h), fam, fam_len);
}

int nlm_put_raw(mb_nlmsg *m, const void *data, size_t len)
{
    size_t at = NLMSG_ALIGN(m->u.h.nlmsg_len);

    if (at + NLMSG_ALIGN(len) > sizeof(m->u.buf)) {
        m->overflow = 1;
        return -1;
    }
    memcpy(m->u.buf + at, data, len);
    m->u.h.nlmsg_len = (uint32_t)(at + NLMSG_ALIGN(len));
    return 0;
}

struct rtattr *nlm_put(mb_nlmsg *m, uint16_t type, const void *data,
                       size_t len)
{
    size_t at = NLMSG_ALIGN(m->u.h.nlmsg_len);
    struct rtattr *rta;

    if (at + RTA_SPACE(len) > sizeof(m->u.buf)) {
        m->overflow = 1;
        return NULL;
    }
    rta = (struct rtattr *)(void *)(m->u.buf + at);
    rta->rta_type = type;
    rta->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len > 0)
        memcpy(RTA_DATA(rta), data, len);
    m->u.h.nlmsg_len = (uint32_t)(at + RTA_SPACE(len));
    return rta;
}

struct rtattr *nlm_put_str(mb_nlmsg *m, uint16_t type, const char *s)
{
    return nlm_put(m, type, s, strlen(s) + 1);
}

struct rtattr *nlm_put_u32(mb_nlmsg *m, uint16_t type, uint32_t v)
{
    return nlm_put(m, type, &v, sizeof(v));
}

struct rtattr *nlm_nest_begin(mb_nlmsg *m, uint16_t type)
{
    return nlm_put(m, type, NULL, 0);
}

void nlm_nest_end(mb_nlmsg *m, struct rtattr *nest)
{
    if (nest != NULL)
        nest->rta_len = (unsigned short)(m->u.buf + m->u.h.nlmsg_len
                                         - (char *)nest);
}

/* Wait for the NLMSG_ERROR that acks our request (error 0 = success). */
static int read_ack(int fd, uint32_t seq)
{
    char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));

    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        struct nlmsghdr *h;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        for (h = (struct nlmsghdr *)(void *)buf; NLMSG_OK(h, (size_t)n);
             h = NLMSG_NEXT(h, n)) {
            struct nlmsgerr *e = NLMSG_DATA(h);

            if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
                continue;
            return e->error; /* already negative errno, or 0 */
        }
    }
}

int nl_talk(mb_nlmsg *m)
{
    static uint32_t seq;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    int fd, rc;

    if (m->overflow)
        return -EMSGSIZE;
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return -errno;
    m->u.h.nlmsg_seq = ++seq;
    if (sendto(fd, m->u.buf, m->u.h.nlmsg_len, 0, (struct sockaddr *)&kernel,
               sizeof(kernel)) < 0)
        rc = -errno;
    else
        rc = read_ack(fd, m->u.h.nlmsg_seq);
    close(fd);
    return rc;
}

/* Count the RTM_NEWLINK answers of a dump whose IFLA_GROUP is group. */
static int count_in(const char *buf, ssize_t n, uint32_t seq, uint32_t group,
                    int *count, int *done)
{
    const struct nlmsghdr *h;

    for (h = (const struct nlmsghdr *)(const void *)buf;
         NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
        const struct ifinfomsg *ifi = NLMSG_DATA(h);
        const struct rtattr *a;
        int len;

        if (h->nlmsg_seq != seq)
            continue;
        if (h->nlmsg_type == NLMSG_DONE) {
            *done = 1;
            return 0;
        }
        if (h->nlmsg_type == NLMSG_ERROR)
            return ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
        if (h->nlmsg_type != RTM_NEWLINK)
            continue;
        len = (int)IFLA_PAYLOAD(h);
        for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
            if (a->rta_type == IFLA_GROUP
                && *(const uint32_t *)RTA_DATA(a) == group)
                (*count)++;
    }
    return 0;
}

int nl_count_group(uint32_t group)
{
    static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
    mb_nlmsg m;
    int fd, rc = 0, count = 0, done = 0;

    nlm_init(&m, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
    m.u.h.nlmsg_flags &= (uint16_t)~NLM_F_ACK;
    m.u.h.nlmsg_seq = 0x6d62; /* one dump per socket: any fixed seq will do */
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return -errno;
    if (sendto(fd, m.u.buf, m.u.h.nlmsg_len, 0, (struct sockaddr *)&kernel,
               sizeof(kernel)) < 0)
        rc = -errno;
    while (rc == 0 && !done) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = -errno;
        else
            rc = count_in(buf, n, m.u.h.nlmsg_seq, group, &count, &done);
    }
    close(fd);
    return rc < 0 ? rc : count;
}

/* netlink.h - just enough rtnetlink to make links, addresses and routes.
 *
 * Raw sockets instead of libmnl: a dozen messages of fixed shape do not
 * justify a dependency.  Requests are built in one fixed buffer; nl_talk()
 * sends one with NLM_F_ACK and returns the kernel's answer as 0 or -errno,
 * so callers can decide that EEXIST is fine.
 */
#ifndef MINIBOX_NETLINK_H
#define MINIBOX_NETLINK_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define MB_NLMSG_MAX 1024

typedef struct mb_nlmsg {
    union {
        struct nlmsghdr h;
        char buf[MB_NLMSG_MAX];
    } u;
    int overflow; /* set when an attribute did not fit; nl_talk refuses */
} mb_nlmsg;

/* Start a request: header type/flags plus the family header (ifinfomsg,
 * ifaddrmsg, rtmsg) copied in after it. */
void nlm_init(mb_nlmsg *m, uint16_t type, uint16_t flags, const void *fam,
              size_t fam_len);

/* Append an attribute; returns it (for nesting) or NULL on overflow. */
struct rtattr *nlm_put(mb_nlmsg *m, uint16_t type, const void *data,
                       size_t len);
struct rtattr *nlm_put_str(mb_nlmsg *m, uint16_t type, const char *s);
struct rtattr *nlm_put_u32(mb_nlmsg *m, uint16_t type, uint32_t v);

/* Nested attributes: begin returns the container, end fixes its length. */
struct rtattr *nlm_nest_begin(mb_nlmsg *m, uint16_t type);
void nlm_nest_end(mb_nlmsg *m, struct rtattr *nest);

/* Append raw bytes (a family header inside a nest, e.g. VETH_INFO_PEER). */
int nlm_put_raw(mb_nlmsg *m, const void *data, size_t len);

/* One request/ack round trip on a fresh NETLINK_ROUTE socket of the
 * calling thread's network namespace.  0, or -errno (kernel or socket). */
int nl_talk(mb_nlmsg *m);

/* How many links of the calling thread's network namespace are in link
 * group `group` (a dump of RTM_GETLINK): >= 0, or -errno. */
int nl_count_group(uint32_t group);

#endif

/* network.c - bridge, veth pair and eth0 through rtnetlink. */
#include "net/network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "common/trace.h"
#include "net/loopback.h"
#include "net/netlink.h"

int net_clone_flags(const mb_net_config *n, int flags)
{
    return strcmp(n->mode, "host") == 0 ? flags & ~CLONE_NEWNET : flags;
}

/* "A.B.C.D/N" -> address + prefix (validated by netconfig already). */
static int parse_cidr(const char *cidr, struct in_addr *a, unsigned char *len)
{
    char ip[INET_ADDRSTRLEN] = { 0 };
    const char *slash = strchr(cidr, '/');

    if (slash == NULL || (size_t)(slash - cidr) >= sizeof(ip))
        return -1;
    memcpy(ip, cidr, (size_t)(slash - cidr));
    *len = (unsigned char)atoi(slash + 1);
    return inet_pton(AF_INET, ip, a) == 1 ? 0 : -1;
}

static int ifindex(const char *name, mb_error *err)
{
    unsigned idx = if_nametoindex(name);

    if (idx == 0)
        return mb_error_errno(err, "network: find interface %s", name);
    return (int)idx;
}

/* RTM_NEWADDR; an address already there (concurrent run) is fine. */
static int addr_add(int idx, const char *cidr, const char *shown,
                    mb_error *err)
{
    struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_index = (unsigned)idx };
    struct in_addr a, brd;
    mb_nlmsg m;
    int rc;

    if (parse_cidr(cidr, &a, &ifa.ifa_prefixlen) < 0)
        return mb_error_detail(err, MB_EXIT_SETUP, "network", "bad address %s", cidr);
    brd.s_addr = a.s_addr | htonl(ifa.ifa_prefixlen >= 32 ? 0 : 0xffffffffu >> ifa.ifa_prefixlen);
    nlm_init(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
    nlm_put(&m, IFA_LOCAL, &a, sizeof(a));
    nlm_put(&m, IFA_ADDRESS, &a, sizeof(a));
    nlm_put(&m, IFA_BROADCAST, &brd, sizeof(brd));
    rc = nl_talk(&m);
    if (rc < 0 && rc != -EEXIST)
        return mb_error_with(err, -rc, "network: address %s on %s", cidr, shown);
    return 0;
}

static int link_up(int idx, const char *shown, mb_error *err)
{
    struct ifinfomsg ifi = { .ifi_index = idx, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
    mb_nlmsg m;
    int rc;

    nlm_init(&m, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
    rc = nl_talk(&m);
    if (rc < 0)
        return mb_error_with(err, -rc, "network: bring %s up", shown);
    return 0;
}

/* Published ports reach 127.0.0.1 through DNAT to the bridge: the kernel
 * drops 127/8 sources on a non-loopback device unless route_localnet. */
static void set_route_localnet(const char *bridge)
{
    char path[128];
    int fd;

    snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)!write(fd, "1", 1);
        close(fd);
    }
}

int net_bridge_up(const char *name, const char *cidr, mb_error *err)
{
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
    struct rtattr *info;
    mb_nlmsg m;
    int idx, rc;

    if (if_nametoindex(name) == 0) {
        nlm_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
        nlm_put_str(&m, IFLA_IFNAME, name);
        info = nlm_nest_begin(&m, IFLA_LINKINFO);
        nlm_put_str(&m, IFLA_INFO_KIND, "bridge");
        nlm_nest_end(&m, info);
        rc = nl_talk(&m);
        if (rc < 0 && rc != -EEXIST) /* EEXIST: a concurrent run won */
            return mb_error_with(err, -rc, "network: create bridge %s", name);
        if (trace_on() && rc == 0)
            trace_step("ip link add", name, "type bridge", "created (RTM_NEWLINK)", "bridge");
    }
    if ((idx = ifindex(name, err)) < 0 || addr_add(idx, cidr, name, err) < 0
        || link_up(idx, name, err) < 0)
        return -1;
    set_route_localnet(name);
    return 0;
}

/* The container side's MAC from its address, as Docker makes it: 02:42 (locally
 * administered) then the four IPv4 bytes. An address taken again by a later
 * container then comes with the same MAC, so its peers' ARP caches stay right;
 * with a random MAC they would send to the old one until the entry goes stale
 * (30 s and more), and names that resolve to the address would not answer. */
static int mac_of_cidr(const char *cidr, unsigned char mac[6])
{
    char ip[INET_ADDRSTRLEN];
    struct in_addr a;
    size_t n = strcspn(cidr, "/");

    if (n >= sizeof(ip))
        return -1;
    memcpy(ip, cidr, n);
    ip[n] = '\0';
    if (inet_pton(AF_INET, ip, &a) != 1)
        return -1;
    mac[0] = 0x02;
    mac[1] = 0x42;
    memcpy(mac + 2, &a.s_addr, 4); /* network order: the address's bytes as written */
    return 0;
}

/* One request: veth NAME (up, enslaved to the bridge) whose peer is born
 * as PEER inside the netns of pid. */
int net_veth_create(const char *veth, int master, const char *peer,
                       pid_t pid, const char *peer_cidr, mb_error *err)
{
    unsigned char mac[6];
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
    struct ifinfomsg peer_ifi = { .ifi_family = AF_UNSPEC };
    struct rtattr *info, *data, *peer_nest;
    mb_nlmsg m;
    int rc;

    nlm_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
    nlm_put_str(&m, IFLA_IFNAME, veth);
    nlm_put_u32(&m, IFLA_MASTER, (uint32_t)master);
    info = nlm_nest_begin(&m, IFLA_LINKINFO);
    nlm_put_str(&m, IFLA_INFO_KIND, "veth");
    data = nlm_nest_begin(&m, IFLA_INFO_DATA);
    peer_nest = nlm_nest_begin(&m, VETH_INFO_PEER);
    nlm_put_raw(&m, &peer_ifi, sizeof(peer_ifi));
    nlm_put_str(&m, IFLA_IFNAME, peer);
    if (peer_cidr && mac_of_cidr(peer_cidr, mac) == 0)
        nlm_put(&m, IFLA_ADDRESS, mac, sizeof(mac));
    nlm_put_u32(&m, IFLA_NET_NS_PID, (uint32_t)pid);
    nlm_nest_end(&m, peer_nest);
    nlm_nest_end(&m, data);
    nlm_nest_end(&m, info);
    rc = nl_talk(&m);
    if (rc < 0)
        return mb_error_with(err, -rc, "network: create veth %s", veth);
    if (trace_on()) {
        char target[64];

        snprintf(target, sizeof(target), "%s \xe2\x86\x94 %s in netns of pid %d", veth, peer, (int)pid);
        trace_step("veth", target, NULL, "created (RTM_NEWLINK)", "veth");
    }
    return 0;
}

int net_parent_setup(const mb_net_config *n, pid_t pid, mb_error *err)
{
    int master;

    if (strcmp(n->mode, "bridge") != 0)
        return 0;
    if (net_bridge_up(n->bridge, n->bridge_addr, err) < 0
        || (master = ifindex(n->bridge, err)) < 0)
        return -1;
    return net_veth_create(n->veth, master, "eth0", pid, n->addr, err);
}

static int route_default(int idx, const char *gateway, mb_error *err)
{
    struct rtmsg rt = {
        .rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT,
        .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST,
    };
    struct in_addr gw;
    mb_nlmsg m;
    int rc;

    if (inet_pton(AF_INET, gateway, &gw) != 1)
        return mb_error_detail(err, MB_EXIT_SETUP, "network", "bad gateway %s", gateway);
    nlm_init(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof(rt));
    nlm_put(&m, RTA_GATEWAY, &gw, sizeof(gw));
    nlm_put_u32(&m, RTA_OIF, (uint32_t)idx);
    rc = nl_talk(&m);
    if (rc < 0)
        return mb_error_with(err, -rc, "network: default route via %s", gateway);
    return 0;
}

/* Address and up an interface of the current netns; route if gateway. */
int net_iface_configure(const char *name, const char *cidr,
                           const char *gateway, mb_error *err)
{
    int idx = ifindex(name, err);

    if (idx < 0 || addr_add(idx, cidr, name, err) < 0 || link_up(idx, name, err) < 0)
        return -1;
    if (trace_on())
        trace_step("ip addr add", name, cidr, "up (RTM_NEWADDR, RTM_NEWLINK)", NULL);
    return gateway != NULL ? route_default(idx, gateway, err) : 0;
}

int net_child_setup(const mb_net_config *n, mb_error *err)
{
    if (strcmp(n->mode, "host") == 0)
        return 0;
    if (net_lo_up(err) < 0)
        return -1;
    if (strcmp(n->mode, "bridge") != 0)
        return 0;
    return net_iface_configure("eth0", n->addr, n->gateway, err);
}

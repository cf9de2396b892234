/* netcmd.c - network subcommands of minibox-shim, used by the CLI outside
 * of a container start:
 *
 *   minibox-shim link-del NAME...      delete links (bridges at prune, a
 *                                      veth at disconnect); missing = fine
 *   minibox-shim net-attach PID BRIDGE BRIDGE_CIDR VETH IFNAME CIDR
 *                                      connect a running container: veth
 *                                      peer IFNAME born in PID's netns,
 *                                      addressed and up from inside it
 */
#include "net/network.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/report.h"
#include "net/netlink.h"

int net_link_delete(const char *name, mb_error *err)
{
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
    mb_nlmsg m;
    int rc;

    ifi.ifi_index = (int)if_nametoindex(name);
    if (ifi.ifi_index == 0)
        return 0;
    nlm_init(&m, RTM_DELLINK, 0, &ifi, sizeof(ifi));
    rc = nl_talk(&m);
    if (rc < 0 && rc != -ENODEV)
        return mb_error_with(err, -rc, "network: delete link %s", name);
    return 0;
}

static int set_group(int index, uint32_t group)
{
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };
    mb_nlmsg m;

    nlm_init(&m, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
    nlm_put_u32(&m, IFLA_GROUP, group);
    return nl_talk(&m);
}

/* Delete several links in one kernel batch.  Each RTM_DELLINK of one link
 * is a batch of its own, and every batch waits on RCU grace periods
 * (~25 ms for a veth, ~40 ms for a bridge here), one after the other.  The
 * kernel deletes a whole link group in one batch, so: put the links in a
 * fresh random group, check that nothing else on the host is in it (a
 * group is host-wide: never delete what is not ours), delete the group.
 * 1 when done, 0 when the caller should delete one by one instead. */
static int delete_together(char **names, int n)
{
    int index[16], present = 0, i, rc;
    uint32_t group;

    if (n > 16 || getrandom(&group, sizeof(group), 0) != sizeof(group))
        return 0;
    group |= 0x80000000u; /* never 0, the default group of every link */
    for (i = 0; i < n; i++) {
        int idx = (int)if_nametoindex(names[i]);

        if (idx != 0)
            index[present++] = idx;
    }
    if (present < 2)
        return 0;
    for (i = 0; i < present; i++)
        if (set_group(index[i], group) < 0) {
            /* Gone meanwhile: one by one copes with that, but the links
             * already moved go back to the default group first. */
            while (i-- > 0)
                set_group(index[i], 0);
            return 0;
        }
    if (nl_count_group(group) == present) {
        struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
        mb_nlmsg m;

        nlm_init(&m, RTM_DELLINK, 0, &ifi, sizeof(ifi));
        nlm_put_u32(&m, IFLA_GROUP, group);
        rc = nl_talk(&m);
        if (rc == 0)
            return 1;
    }
    for (i = 0; i < present; i++)
        set_group(index[i], 0);
    return 0;
}

int net_cmd_link_del(int argc, char **argv)
{
    mb_error err;
    int i;

    if (argc < 3)
        return report_usage("link-del NAME...");
    if (delete_together(argv + 2, argc - 2))
        return 0;
    for (i = 2; i < argc; i++)
        if (net_link_delete(argv[i], &err) < 0) {
            report_error(&err);
            return err.code;
        }
    return 0;
}

/* Enter the netns of pid for good: this process does nothing else. */
static int enter_netns(pid_t pid, mb_error *err)
{
    char path[64];
    int fd, rc;

    snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mb_error_errno(err, "network: open %s", path);
    rc = setns(fd, CLONE_NEWNET);
    close(fd);
    if (rc < 0)
        return mb_error_errno(err, "network: setns %s", path);
    return 0;
}

int net_cmd_attach(int argc, char **argv)
{
    mb_net_config n = { .mode = "bridge" };
    mb_error err;
    pid_t pid;
    int master;

    if (argc != 8)
        return report_usage("net-attach PID BRIDGE BRIDGE_CIDR VETH IFNAME CIDR");
    pid = (pid_t)atoi(argv[2]);
    n.bridge = argv[3];
    n.bridge_addr = argv[4];
    n.veth = argv[5];
    n.addr = argv[7];
    if (pid <= 0)
        return report_usage("net-attach: PID must be a positive number");
    if (net_bridge_up(n.bridge, n.bridge_addr, &err) < 0)
        goto fail;
    master = (int)if_nametoindex(n.bridge);
    if (master == 0) {
        mb_error_errno(&err, "network: find interface %s", n.bridge);
        goto fail;
    }
    if (net_veth_create(n.veth, master, argv[6], pid, n.addr, &err) < 0
        || enter_netns(pid, &err) < 0
        || net_iface_configure(argv[6], n.addr, NULL, &err) < 0)
        goto fail;
    return 0;
fail:
    report_error(&err);
    return err.code;
}

/* network.h - the container's network: bridge, veth pair, eth0, /etc files.
 *
 * Split along the sync pipe: the parent (host netns) makes sure the bridge
 * exists and creates the veth pair with its peer born as "eth0" directly in
 * the child's netns (IFLA_NET_NS_PID); the child, released after that,
 * addresses eth0, brings it up and adds the default route from inside.
 */
#ifndef MINIBOX_NETWORK_H
#define MINIBOX_NETWORK_H

#include <sys/types.h>

#include "common/error.h"
#include "config/netconfig.h"

/* Namespaces to clone: MB_CLONE_NAMESPACES minus CLONE_NEWNET for host. */
int net_clone_flags(const mb_net_config *n, int flags);

/* Parent, after the cgroup join: bridge + veth (bridge mode only). */
int net_parent_setup(const mb_net_config *n, pid_t pid, mb_error *err);

/* Child, in its netns: lo up; in bridge mode eth0 address, up, route. */
int net_child_setup(const mb_net_config *n, mb_error *err);

/* Child, before pivot_root: bind the generated /etc files in. */
int net_bind_etc(const mb_net_config *n, const char *rootfs, mb_error *err);

/* Idempotent: create bridge NAME with address CIDR and bring it up. */
int net_bridge_up(const char *name, const char *cidr, mb_error *err);

/* Delete a link by name; a missing link is not an error. */
int net_link_delete(const char *name, mb_error *err);

/* veth VETH (up, on bridge ifindex master) with peer PEER born in pid's netns;
 * the peer's MAC is 02:42 + the IPv4 address of peer_cidr (when given). */
int net_veth_create(const char *veth, int master, const char *peer, pid_t pid,
                    const char *peer_cidr, mb_error *err);

/* In the current netns: address NAME, bring it up, default route if
 * gateway is not NULL. */
int net_iface_configure(const char *name, const char *cidr,
                        const char *gateway, mb_error *err);

/* Subcommands (main.c's table). */
int net_cmd_link_del(int argc, char **argv);
int net_cmd_attach(int argc, char **argv);

#endif

/* netconfig.h - the network part of the fd 3 config (keys "net.*").
 *
 *   net.mode=none|host|bridge   default none: own netns with lo only
 *   net.bridge=NAME             bridge mode: the host bridge (made if missing)
 *   net.bridge_addr=A.B.C.D/N   the bridge's own address (the gateway)
 *   net.veth=NAME               host side of the veth pair (<= 15 bytes)
 *   net.addr=A.B.C.D/N          the container's eth0 address
 *   net.gateway=A.B.C.D         its default route
 *   net.etc=DEST:SRC            repeated: bind host file SRC onto DEST
 *                               (absolute, inside the container root)
 */
#ifndef MINIBOX_NETCONFIG_H
#define MINIBOX_NETCONFIG_H

#include <stddef.h>

#include "common/error.h"

typedef struct mb_net_config {
    const char *mode;
    const char *bridge;
    const char *bridge_addr;
    const char *veth;
    const char *addr;
    const char *gateway;
    char **etc;  /* NULL-terminated "DEST:SRC" list */
    size_t n_etc;
} mb_net_config;

/* Take one "net.*" record; value points into the config buffer. */
int netconfig_apply(mb_net_config *n, const char *key, char *value,
                    mb_error *err);

/* Defaults and cross-key checks, after all records are read. */
int netconfig_validate(mb_net_config *n, mb_error *err);

void netconfig_free(mb_net_config *n);

#endif

/* netconfig.c - read and check the "net.*" config records. */
#include "config/netconfig.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

static int push_etc(mb_net_config *n, char *value, mb_error *err)
{
    char **items = realloc(n->etc, (n->n_etc + 2) * sizeof(*items));

    if (items == NULL)
        return mb_error_errno(err, "config");
    items[n->n_etc++] = value;
    items[n->n_etc] = NULL;
    n->etc = items;
    return 0;
}

int netconfig_apply(mb_net_config *n, const char *key, char *value,
                    mb_error *err)
{
    static const struct { const char *key; size_t off; } single[] = {
        { "net.mode", offsetof(mb_net_config, mode) },
        { "net.bridge", offsetof(mb_net_config, bridge) },
        { "net.bridge_addr", offsetof(mb_net_config, bridge_addr) },
        { "net.veth", offsetof(mb_net_config, veth) },
        { "net.addr", offsetof(mb_net_config, addr) },
        { "net.gateway", offsetof(mb_net_config, gateway) },
    };
    size_t i;

    if (strcmp(key, "net.etc") == 0)
        return push_etc(n, value, err);
    for (i = 0; i < sizeof(single) / sizeof(single[0]); i++)
        if (strcmp(key, single[i].key) == 0)
            return config_set_once((const char **)(void *)((char *)n + single[i].off),
                        key, value, err);
    return mb_error_detail(err, MB_EXIT_SETUP, "config", "unknown key %s", key);
}

/* "A.B.C.D/N" with N in 1..32. */
static int check_cidr(const char *cidr, const char *key, mb_error *err)
{
    char ip[INET_ADDRSTRLEN];
    const char *slash = strchr(cidr, '/');
    struct in_addr a;
    char *end;
    long prefix;

    if (slash == NULL || (size_t)(slash - cidr) >= sizeof(ip))
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "%s is not A.B.C.D/N: %s", key, cidr);
    memcpy(ip, cidr, (size_t)(slash - cidr));
    ip[slash - cidr] = '\0';
    prefix = strtol(slash + 1, &end, 10);
    if (inet_pton(AF_INET, ip, &a) != 1 || *end != '\0' || prefix < 1
        || prefix > 32)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "%s is not A.B.C.D/N: %s", key, cidr);
    return 0;
}

static int check_bridge(mb_net_config *n, mb_error *err)
{
    struct in_addr a;

    if (n->bridge == NULL || n->bridge_addr == NULL || n->veth == NULL
        || n->addr == NULL || n->gateway == NULL)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "net.mode=bridge needs net.bridge, "
                               "net.bridge_addr, net.veth, net.addr, net.gateway");
    if (strlen(n->bridge) >= IFNAMSIZ || strlen(n->veth) >= IFNAMSIZ)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "interface name longer than %d bytes",
                               IFNAMSIZ - 1);
    if (inet_pton(AF_INET, n->gateway, &a) != 1)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "net.gateway is not A.B.C.D: %s", n->gateway);
    if (check_cidr(n->bridge_addr, "net.bridge_addr", err) < 0
        || check_cidr(n->addr, "net.addr", err) < 0)
        return -1;
    return 0;
}

int netconfig_validate(mb_net_config *n, mb_error *err)
{
    size_t i;

    if (n->mode == NULL)
        n->mode = "none";
    for (i = 0; i < n->n_etc; i++) {
        const char *colon = strchr(n->etc[i], ':');

        if (n->etc[i][0] != '/' || colon == NULL || colon[1] != '/')
            return mb_error_detail(err, MB_EXIT_SETUP, "config",
                                   "net.etc must be /DEST:/SRC: %s", n->etc[i]);
    }
    if (strcmp(n->mode, "bridge") == 0)
        return check_bridge(n, err);
    if (strcmp(n->mode, "none") != 0 && strcmp(n->mode, "host") != 0)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "unknown net.mode %s", n->mode);
    return 0;
}

void netconfig_free(mb_net_config *n)
{
    free(n->etc);
    memset(n, 0, sizeof(*n));
}

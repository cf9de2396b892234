/* devconfig.h - the container's device keys from fd 3 (src/linux/shim.ts
 * encodeDeviceRecords):
 *   dev.policy=allow|deny     v2 only: the eBPF device program's default
 *   dev.rule=<t> <maj>:<min> <access>   an exception to it ("c 1:3 rwm",
 *                             "b *:* m"); t is c or b, '*' is any
 *   dev.node=<t> <maj> <min> <octal mode> <uid> <gid> <path>
 *                             an extra node made in the container (--device)
 * The rules are already what the v1 kernel would leave in force (TS side,
 * container/security/devices.ts), so the program needs no list semantics. */
#ifndef MINIBOX_DEVCONFIG_H
#define MINIBOX_DEVCONFIG_H

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

#define MB_DEV_ANY (-1L)

/* Access bits, the same values as BPF_DEVCG_ACC_MKNOD/READ/WRITE. */
#define MB_DEV_MKNOD 1u
#define MB_DEV_READ 2u
#define MB_DEV_WRITE 4u

typedef struct mb_dev_rule {
    char type;      /* 'c' or 'b' */
    long major;     /* MB_DEV_ANY for '*' */
    long minor;
    unsigned access; /* MB_DEV_* bits */
} mb_dev_rule;

typedef struct mb_dev_node {
    char type;      /* 'c' or 'b' */
    unsigned major, minor;
    mode_t mode;    /* permission bits */
    uid_t uid;
    gid_t gid;
    const char *path; /* absolute, inside the container */
} mb_dev_node;

typedef struct mb_dev_config {
    const char *policy;  /* NULL: no eBPF program (v1 host, or none) */
    int default_allow;
    mb_dev_rule *rules;  /* exceptions to the default */
    size_t nrules, rules_cap;
    mb_dev_node *nodes;
    size_t nnodes, nodes_cap;
} mb_dev_config;

/* One dev.* record: 0, or -1 with err for a malformed value. */
int devconfig_apply(mb_dev_config *d, const char *key, char *value,
                    mb_error *err);

void devconfig_free(mb_dev_config *d);

#endif

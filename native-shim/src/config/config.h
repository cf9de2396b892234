/* config.h - the container description read from fd 3.
 *
 * Wire format: NUL-terminated records "key=value\0", split at the first '='.
 * All strings point into one buffer owned by the config.
 */
#ifndef MINIBOX_CONFIG_H
#define MINIBOX_CONFIG_H

#include <stddef.h>

#include "common/error.h"
#include "config/devconfig.h"
#include "config/mountconfig.h"
#include "config/healthconfig.h"
#include "config/netconfig.h"
#include "config/ociconfig.h"
#include "config/runopts.h"
#include "config/security.h"

/* The descriptor the config arrives on, for run and exec alike. */
#define MB_CONFIG_FD 3

/* A growable, NULL-terminated vector of borrowed strings (argv style). */
typedef struct mb_strv {
    char **items; /* always NULL-terminated once anything was pushed */
    size_t len;
    size_t cap;
} mb_strv;

typedef struct mb_config {
    char *buf;      /* raw config bytes; every string below points in here */
    const char *id;
    const char *rootfs;   /* overlay mount point (host path) */
    mb_strv lowers;       /* top-most layer first */
    const char *upper;
    const char *work;
    const char *hostname; /* NULL: keep the (copied) host name */
    const char *cwd;      /* defaults to "/" */
    mb_strv args;         /* argv of the container process */
    mb_strv env;          /* complete environment of the container */
    mb_strv cgroups;      /* cgroup dirs the parent joins the child to */
    const char *cgroupfs; /* NULL, "v2" or "v1:<controllers>": /sys/fs/cgroup view */
    mb_net_config net;    /* "net.*" keys, see netconfig.h */
    mb_dev_config dev;    /* "dev.*" keys: device program, extra nodes (devconfig.h) */
    mb_security sec;      /* "sec.*" keys: capabilities, seccomp, masked paths (security.h) */
    mb_health_config health; /* "health.*" keys: the detached monitor's check */
    mb_mount_config mounts; /* "mount" keys: -v, --mount, --tmpfs, --read-only (mountconfig.h) */
    mb_runopts opts;      /* detach, log, tty, restart, exec keys: runopts.h */
    mb_oci_config oci;    /* "oci.*" keys: an OCI bundle's extras (ociconfig.h) */
} mb_config;

/* Read fd until EOF and parse it.  Does not close fd. */
/* A single-valued key: set *slot, or fail on a second one (a protocol bug).
 * Shared by the config's key families (config.c, netconfig.c, runopts.c). */
int config_set_once(const char **slot, const char *key, const char *value,
                    mb_error *err);

int config_read(int fd, mb_config *cfg, mb_error *err);

/* Same wire format for "exec": requires arg and pid, no rootfs keys. */
int config_read_exec(int fd, mb_config *cfg, mb_error *err);

/* Value of NAME in an env vector ("NAME=value"), or NULL. */
const char *config_getenv(const mb_strv *env, const char *name);

void config_free(mb_config *cfg);

#endif

/* runopts.h - how the container is run, beside what it is: detached
 * monitor, log file, state dir, OOM counter file, restart policy, tty,
 * the user, and the key of "exec" (pid).  Filled from fd 3 by runopts_apply. */
#ifndef MINIBOX_RUNOPTS_H
#define MINIBOX_RUNOPTS_H

#include "common/error.h"

#include <stddef.h>

#define MB_RLIMITS_MAX 16
#define MB_SYSCTLS_MAX 64
#define MB_AUTOREMOVE_MAX 8

typedef struct mb_runopts {
    int detach;            /* detach=1: fork a monitor, report "started" */
    int tty;               /* tty=1: the container gets a pty */
    int init;              /* init=1 (--init): PID 1 is run/init.h's */
    int stdin_open;        /* stdin=1: the container's stdin is ours (-i) */
    const char *log;       /* log=<json-file log path> (detached) */
    const char *statedir;  /* statedir=<containers/<id>>: exit.json etc. */
    const char *oom;       /* oom=<memory.events or memory.oom_control> */
    const char *restart;   /* restart=no|always|unless-stopped|on-failure[:N] */
    const char *pid;       /* exec: pid=<container init host pid> */
    const char *user;      /* user=name|uid[:group|gid] (image USER, exec -u),
                              resolved in the container (common/userdb.h) */
    const char *groupadd;  /* groupadd=g1,g2 (--group-add): extra groups */
    const char *rlimits[MB_RLIMITS_MAX]; /* rlimit=RLIMIT_X:soft:hard (run/rlimits.h) */
    size_t nrlimits;
    const char *sysctls[MB_SYSCTLS_MAX]; /* sysctl=K=V (run/sysctls.h) */
    size_t nsysctls;
    const char *shmsize;   /* shmsize=BYTES: /dev/shm's size */
    const char *autoremove[MB_AUTOREMOVE_MAX]; /* autoremove.arg=, repeated: the
                              argv the monitor execs once the container is gone
                              for good (run -d --rm; monitor/autoremove.h) */
    size_t nautoremove;
    const char *execfifo;  /* execfifo=<path>: minibox-runtime create, held
                              before the execve until `start` (run/oci_start.h) */
    int plainroot;         /* plainroot=1: rootfs is a plain directory (an OCI
                              bundle's), bound onto itself: no lower/upper/work */
    int nomonitor;         /* nomonitor=1: minibox-runtime's create and exec -d:
                              no monitor stays; stdio is the shim's own
                              (run/oci_direct.h) */
    const char *consolesocket; /* consolesocket=<path>: with tty=1 and
                              nomonitor=1, the pty master goes there */
    int preserve_from;     /* preservefds=<from>:<n> (minibox-runtime --preserve-fds):
                              our fds from..from+n-1 become the container's */
    int preserve_n;        /* 3..3+n-1 (run/preserve_fds.h); n = 0: none */
    const char *nshold;    /* nshold=<fd>: after "exit", keep the container's
                              netns until EOF on fd, so the host can delete
                              its veth together with the bridge (net/nshold.h) */
} mb_runopts;

/* Apply one record: 0, or -1 with err filled for a bad value or a key
 * that is unknown (this is the last stop of config.c's dispatch). */
int runopts_apply(mb_runopts *o, const char *key, char *value, mb_error *err);

#endif

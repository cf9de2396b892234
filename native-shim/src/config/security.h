/* security.h - the container's confinement keys from fd 3 (src/linux/shim.ts
 * encodeSecurityRecords), all optional:
 *   sec.privileged=1          --privileged (T2's devices read it too)
 *   sec.bounding|effective|permitted|inheritable|ambient=<16 hex digits>
 *                             capability sets as masks; without them the
 *                             process keeps the shim's own capabilities
 *   sec.nnp=1                 PR_SET_NO_NEW_PRIVS before the execve
 *   sec.masked=<path>         (repeated) /dev/null or an empty ro tmpfs over it
 *   sec.readonly=<path>       (repeated) bind-remounted read-only
 *   sec.seccomp.default=<action>      the filter's default; its presence
 *                             means "load a filter"
 *   sec.seccomp.arch=<libseccomp arch name>        (repeated)
 *   sec.seccomp.rule=<action> <name>[,<name>...] [<idx>:<op>:<v>[:<v2>]]...
 *   sec.seccomp.cache=<path>  the compiled filter's cache file (named by a
 *                             hash of the records above; security/seccomp.c)
 * Actions: allow, errno:N, kill, kill_process, kill_thread, trap, trace:N, log.
 * Ops: ne lt le eq ge gt masked_eq. */
#ifndef MINIBOX_SECURITY_CONFIG_H
#define MINIBOX_SECURITY_CONFIG_H

#include <stdint.h>

#include "common/error.h"

/* A growable list of borrowed strings (kept apart from config.h's mb_strv
 * so this header stands alone). */
typedef struct mb_sec_list {
    char **items;
    size_t len, cap;
} mb_sec_list;

typedef struct mb_security {
    int privileged;
    int has_caps;           /* the five masks below were given */
    uint64_t bounding, effective, permitted, inheritable, ambient;
    int caps_seen;          /* bit per set: each exactly once */
    int nnp;
    mb_sec_list masked;
    mb_sec_list readonly;
    const char *seccomp_default; /* NULL: no filter */
    mb_sec_list seccomp_arches;
    mb_sec_list seccomp_rules;
    const char *seccomp_cache;   /* NULL: compile every time */
    void *bpf;                   /* compiled filter (struct sock_filter[]), */
    size_t bpf_len;              /* set by seccomp_prepare before the clone */
} mb_security;

/* One "sec.*" record; unknown keys are an error. */
int security_apply(mb_security *s, const char *key, char *value, mb_error *err);

/* All five capability sets or none. */
int security_validate(const mb_security *s, mb_error *err);

void security_free(mb_security *s);

#endif

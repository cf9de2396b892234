/* trace.h - `minibox --explain`: what the shim does, step by step, as one
 * JSON object a line on a descriptor the caller gives (config key
 * trace=<fd>, see config/config.c):
 *
 *   {"step":"mount","target":"/…/rootfs","value":"overlay …","result":"ok",
 *    "concept":"overlay","t":1700000000123.456}
 *   {"step":"mount","target":"/…/rootfs","result":"failed","errno":"EPERM",…}
 *
 * Off (no trace key) is the normal case and costs one comparison per call
 * site: every call is written `if (trace_on()) …`, so no argument is
 * formatted unless someone reads the lines.  The descriptor is close-on-
 * exec: the container's program never gets it.  Lines stay below PIPE_BUF,
 * so the shim and its child (both writing) never interleave inside one. */
#ifndef MINIBOX_TRACE_H
#define MINIBOX_TRACE_H

#include "common/error.h"

/* The trace descriptor, -1 when tracing is off. */
extern int mb_trace_fd;

static inline int trace_on(void)
{
    return mb_trace_fd >= 0;
}

/* The trace=<fd> config record: the fd must be open; made close-on-exec. */
int trace_config(const char *value, mb_error *err);

/* One step that succeeded.  Any of target, value, concept may be NULL;
 * concept names the idea behind the step ("namespaces", "overlay", …) for
 * the explanations the TypeScript side adds at its first use. */
void trace_step(const char *step, const char *target, const char *value,
                const char *result, const char *concept);

/* The steps with something to summarise (trace.c formats them). */
struct mb_security;
void trace_clone(int flags, int pid);
void trace_mount(const char *source, const char *target, const char *fstype,
                 unsigned long flags, const char *data);
void trace_write(const char *path, const char *text, const char *concept);
void trace_caps(const char *step, const char *target, unsigned long long set);
void trace_seccomp(const struct mb_security *s);
void trace_user(unsigned uid, unsigned gid, unsigned long ngroups);
void trace_execve(const char *file, unsigned long argc);

/* The step that failed: err's step split into step and target, its errno
 * by name (EPERM) or its detail text.  The caller's trace ends here. */
void trace_failure(const mb_error *err);

/* Done tracing (before the final report line): the reader sees EOF. */
void trace_close(void);

#endif

/* seccomp.h - build and load the container's seccomp filter (libseccomp). */
#ifndef MINIBOX_SECCOMP_H
#define MINIBOX_SECCOMP_H

#include "common/error.h"
#include "config/security.h"

/* Compile the filter described by s into s->bpf, in the shim before the
 * clone (no-op without sec.seccomp.default).  With sec.seccomp.cache, a
 * filter compiled before is read from that file instead (libseccomp takes
 * ~10 ms for Docker's profile on three architectures), and a fresh one is
 * written there for the next run; the cache is only an optimisation. */
int seccomp_prepare(mb_security *s, mb_error *err);

/* Install the compiled filter.  Without no_new_privs the kernel wants
 * CAP_SYS_ADMIN for this, so it runs before the capabilities are dropped;
 * with it, as late as possible (confine.c). */
int seccomp_load_filter(const mb_security *s, mb_error *err);

#endif

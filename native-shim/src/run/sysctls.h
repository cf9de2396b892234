/* sysctls.h - `--sysctl` and `--shm-size`, applied in the container's
 * mount namespace before pivot_root.
 *
 * sysctl=K=V records (the engine allows only the namespaced ones, see
 * src/container/sysctls.ts) are written to <rootfs>/proc/sys/K with the
 * dots as slashes, right after the container's own /proc is mounted (it
 * shows the container's IPC and network namespaces) and before /proc/sys
 * is made read-only.  A name with a '/' or an empty or dot component is
 * refused, so no record can write outside /proc/sys.
 * shmsize=BYTES remounts the container's /dev/shm tmpfs with that size. */
#ifndef MINIBOX_SYSCTLS_H
#define MINIBOX_SYSCTLS_H

#include "common/error.h"
#include "config/runopts.h"

int sysctls_apply(const char *rootfs, const mb_runopts *o, mb_error *err);
int shm_resize(const char *rootfs, const mb_runopts *o, mb_error *err);

#endif

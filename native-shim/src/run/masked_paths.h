/* masked_paths.h - Docker's masked and read-only paths (config/security.h's
 * sec.masked / sec.readonly), applied in the unpivoted rootfs after /proc
 * and /sys are mounted. */
#ifndef MINIBOX_MASKED_PATHS_H
#define MINIBOX_MASKED_PATHS_H

#include "common/error.h"
#include "config/security.h"

/* Masked: a file gets /dev/null bound over it, a directory an empty
 * read-only tmpfs.  Read-only: a recursive bind of itself, remounted ro,
 * nosuid, nodev, noexec.  Paths missing on this kernel are skipped. */
int masked_paths_apply(const char *rootfs, const mb_security *s, mb_error *err);

#endif

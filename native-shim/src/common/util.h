/* util.h - small helpers shared by the child's setup steps. */
#ifndef MINIBOX_UTIL_H
#define MINIBOX_UTIL_H

#include <limits.h>
#include <stddef.h>

#include "common/error.h"

/* buf = root + rel (rel starts with '/'); ENAMETOOLONG if it does not fit. */
int mb_path_join(char *buf, size_t len, const char *root, const char *rel,
                 mb_error *err);

/* mount(2), reporting failures as "mount <shown>". */
int mb_mount(const char *source, const char *target, const char *fstype,
             unsigned long flags, const char *data, const char *shown,
             mb_error *err);

/* Make sure root+rel is a real directory (create it 0755 if missing).
 * Refuses a symlink: before pivot_root an image's absolute symlink would
 * resolve against the HOST root, and we must not mkdir/mount out there. */
int mb_mountpoint(const char *root, const char *rel, mb_error *err);

/* mkdir -p, mode 0755 for every created component; path is absolute. */
int mb_mkdir_p(const char *path, mb_error *err);

#endif

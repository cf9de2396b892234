/* userdb.h - a user spec (name|uid[:group|gid]) resolved in the container's
 * /etc/passwd and /etc/group, the way runc and Docker resolve it.
 *
 * Call it where "/" is the container's root (run: after pivot_root; exec:
 * after setns into the mount namespace), so an absolute symlink such as
 * /etc/passwd -> /etc/shadow resolves inside the container, never onto the
 * host's files.  Only regular files up to USERDB_MAX_FILE bytes are read
 * (a FIFO or a device is refused, not opened for reading and hung on).
 *
 * Docker's rules: a numeric uid needs no passwd entry (gid 0 then); a name
 * must have one; a group given by name must be in /etc/group.  Without an
 * explicit group, the groups listing the user by name become the
 * supplementary groups. */
#ifndef MINIBOX_USERDB_H
#define MINIBOX_USERDB_H

#include <limits.h>
#include <sys/types.h>

#include "common/error.h"

#define USERDB_MAX_FILE (1u << 20)
#define USERDB_MAX_GROUPS 64

typedef struct mb_user {
    uid_t uid;
    gid_t gid;
    gid_t groups[USERDB_MAX_GROUPS]; /* supplementary groups */
    size_t ngroups;
    char home[PATH_MAX]; /* passwd's home directory, "/" without an entry */
} mb_user;

/* spec as given to -u or USER.  An unknown user or group fails with
 * Docker's message and code notfound_code (run 125, exec 126). */
int userdb_resolve(const char *spec, int notfound_code, mb_user *u,
                   mb_error *err);

/* --group-add: list is comma separated gids or group names (resolved in the
 * container's /etc/group), appended to u's supplementary groups. */
int userdb_add_groups(const char *list, int notfound_code, mb_user *u,
                      mb_error *err);

/* setgroups, setgid, setuid (in this order: each needs the privilege the
 * next drops).  Capabilities across it are the caller's business
 * (PR_SET_KEEPCAPS, see security/). */
int userdb_switch(const mb_user *u, mb_error *err);

#endif

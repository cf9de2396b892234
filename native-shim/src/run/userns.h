/* userns.h - the container's user namespace (config.json linux.namespaces
 * "user", linux.uidMappings / linux.gidMappings; config/ociconfig.h keys
 * oci.userns, oci.uidmap, oci.gidmap), the way runc's nsexec makes one:
 *
 *   parent  userns_clone          a new one: CLONE_NEWUSER with the other
 *                                 namespaces, so that they are owned by it
 *                                 (proc, sysfs, mqueue mount only then); a
 *                                 joined one: an intermediate process joins
 *                                 it and clones the init (CLONE_PARENT) so
 *                                 that the new namespaces are its own
 *           userns_parent_setup   before the sync byte: uid_map, then
 *                                 gid_map (we are root in the parent
 *                                 namespace: setgroups stays "allow", as
 *                                 runc leaves it), rlimits by prlimit (a
 *                                 process in a user namespace cannot raise
 *                                 a hard limit), exec.fifo given to the
 *                                 container's root
 *   child   userns_child_enter    after the v1 cgroups were joined (still
 *                                 host uid 0, which owns their files):
 *                                 setresgid/setresuid 0, no groups, the
 *                                 parent-death signal again (a uid change
 *                                 clears it)
 *           userns_mount_sys      sysfs needs a network namespace of the
 *                                 user namespace's own: else the host's
 *                                 /sys, bound read-only (runc)
 *           userns_bind_node      mknod is not allowed: the host's node,
 *                                 bound onto an empty file (runc)
 *
 * Without oci.userns every step is a no-op and userns_active() is 0. */
#ifndef MINIBOX_USERNS_H
#define MINIBOX_USERNS_H

#include <sys/types.h>

#include "common/error.h"
#include "config/config.h"

/* 1 when the container runs in a user namespace of its own or joined. */
int userns_active(const mb_config *cfg);

/* clone() fn(arg) into flags (+ CLONE_NEWUSER for a new user namespace);
 * the init's host pid, or -1. */
pid_t userns_clone(const mb_config *cfg, int (*fn)(void *), void *arg,
                   int flags, mb_error *err);

int userns_parent_setup(const mb_config *cfg, pid_t pid, mb_error *err);

int userns_child_enter(const mb_config *cfg, mb_error *err);

int userns_mount_sys(const char *rootfs, int writable, mb_error *err);

/* Bind the host's device node host_path onto target (created empty). */
int userns_bind_node(const char *host_path, const char *target, mb_error *err);

/* linux.devices under a user namespace: the host's nodes of the same
 * path bound into the rootfs (before pivot_root; devices_add_nodes then
 * has nothing to do). */
int userns_bind_devices(const mb_config *cfg, mb_error *err);

/* exec: join the user namespace of the container init pid (before its
 * other namespaces) when it is not ours. */
int userns_join_of(const char *pid, mb_error *err);

#endif

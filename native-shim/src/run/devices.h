/* devices.h - a minimal /dev for the container. */
#ifndef MINIBOX_DEVICES_H
#define MINIBOX_DEVICES_H

#include "common/error.h"
#include "config/devconfig.h"

/* tmpfs on <rootfs>/dev with the standard nodes and symlinks, plus
 * devpts, shm and mqueue below it.  Expects umask(0).  userns: in a user
 * namespace, where the nodes are the host's, bound (run/userns.h). */
int devices_setup(const char *rootfs, int userns, mb_error *err);

/* The extra nodes (--device, --privileged) with their host type, numbers,
 * mode and owner, parents made as needed; run after pivot_root, so the
 * paths resolve inside the container.  Expects umask(0). */
int devices_add_nodes(const mb_dev_config *dev, mb_error *err);

#endif

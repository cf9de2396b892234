/* devices.h - a minimal /dev for the container. */
#ifndef MINIBOX_DEVICES_H
#define MINIBOX_DEVICES_H

#include "common/error.h"

/* tmpfs on <rootfs>/dev with the standard nodes and symlinks, plus
 * devpts, shm and mqueue below it.  Expects umask(0). */
int devices_setup(const char *rootfs, mb_error *err);

#endif

/* capabilities.h - the container process's capability sets (capabilities.c). */
#ifndef MINIBOX_CAPABILITIES_H
#define MINIBOX_CAPABILITIES_H

#include "common/error.h"
#include "config/security.h"

/* Drop from the bounding set every capability not in s->bounding (needs
 * CAP_SETPCAP: before any user switch). */
int caps_drop_bounding(const mb_security *s, mb_error *err);

/* capset(2) effective/permitted/inheritable, then ambient: cleared, and
 * raised to s->ambient.  Capabilities the shim itself lacks are left out
 * (nothing can grant them). */
int caps_apply(const mb_security *s, mb_error *err);

#endif

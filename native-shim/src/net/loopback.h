/* loopback.h - networking inside the container's fresh network namespace. */
#ifndef MINIBOX_LOOPBACK_H
#define MINIBOX_LOOPBACK_H

#include "common/error.h"

/* A new netns has only "lo", and it starts DOWN; bring it up. */
int net_lo_up(mb_error *err);

#endif

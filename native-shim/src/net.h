/* net.h - networking inside the container's fresh network namespace. */
#ifndef MINIBOX_NET_H
#define MINIBOX_NET_H

#include "error.h"

/* A new netns has only "lo", and it starts DOWN; bring it up. */
int net_lo_up(mb_error *err);

#endif

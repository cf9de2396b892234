/* health.h - the container's health check (HEALTHCHECK, --health-*),
 * carried out by the container's monitor without any Node process: the
 * detached one (daemon.c) or the foreground shim (foreground.c), as Docker
 * checks any running container.
 *
 * The monitor forks a checker beside the container; the checker dies with
 * the monitor (PDEATHSIG) and is killed when the container exits.  Every
 * interval it forks again and enters the container exactly as "minibox
 * exec" does (exec/enter.h: namespaces, cgroups, user, caps, seccomp), so
 * the monitor itself never joins a namespace and its RSS stays as it was.
 * A check slower than the timeout is killed (its program has PDEATHSIG).
 * Results follow Docker's state machine (starting → healthy/unhealthy,
 * failures inside the start period not counted, `retries` consecutive
 * failures → unhealthy, a success → healthy) and are written, with the last
 * 5 results and their output (4096 bytes at most), to <statedir>/health.json
 * in the shape of Docker's State.Health (temp file + rename). */
#ifndef MINIBOX_HEALTH_H
#define MINIBOX_HEALTH_H

#include <sys/types.h>

#include "config/config.h"

/* Start the checker for the container whose init is `init`: its pid, or 0
 * when no check is configured or it could not be forked. */
pid_t health_start(const mb_config *cfg, pid_t init);

/* Kill and reap the checker (no-op for 0). */
void health_stop(pid_t checker);

#endif

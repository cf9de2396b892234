/* health_json.h - the health state machine and its file (see health.h). */
#ifndef MINIBOX_HEALTH_JSON_H
#define MINIBOX_HEALTH_JSON_H

#include <stddef.h>
#include <time.h>

#define MB_HEALTH_OUTPUT 4096 /* Docker's maxOutputLen */
#define MB_HEALTH_LOG 5       /* Docker's maxLogEntries */

typedef struct mb_probe {
    struct timespec start, end; /* CLOCK_REALTIME */
    int code;                   /* -1: timed out or could not run */
    size_t len;
    char out[MB_HEALTH_OUTPUT];
} mb_probe;

typedef struct mb_health_state {
    const char *status; /* starting | healthy | unhealthy */
    long streak;        /* FailingStreak */
    mb_probe log[MB_HEALTH_LOG]; /* a ring, oldest at `first` */
    int first, count;
} mb_health_state;

void health_state_init(mb_health_state *s);

/* The slot for the next result (the oldest is dropped when full). */
mb_probe *health_state_next(mb_health_state *s);

/* Docker's handleProbeResult for the result just stored in the slot. */
void health_state_record(mb_health_state *s, int ok, int in_start_period,
                         long retries);

/* <statedir>/health.json, atomically; errors are ignored (next time). */
void health_state_write(const char *statedir, const mb_health_state *s);

#endif

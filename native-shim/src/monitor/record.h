/* record.h - what the detached monitor leaves in the state dir for the
 * TypeScript side (src/container/exit-record.ts), each written atomically
 * (tmp + rename):
 *   started.json  {"pid":N,"startedAt":"…","restartCount":K}   on each start
 *   exit.json     {"exitCode":N,"finishedAt":"…","oomKilled":B,"restartCount":K}
 * exit.json is removed before a restart; "stopped" is the marker that
 * stop/kill write so that no restart happens. */
#ifndef MINIBOX_RECORD_H
#define MINIBOX_RECORD_H

#include <sys/types.h>

void record_started(const char *statedir, pid_t pid, int restarts);
void record_exit(const char *statedir, int code, int oom, int restarts);
void record_clear_exit(const char *statedir);
/* 1 when <statedir>/stopped exists. */
int record_stopped(const char *statedir);

/* The oom_kill counter in a memory.events / memory.oom_control file. */
long record_oom_kills(const char *file);

#endif

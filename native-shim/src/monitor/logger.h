/* logger.h - Docker's json-file log driver:
 *   {"log":"line\n","stream":"stdout","time":"2026-11-25T22:00:00.123456789Z"}
 * one object per line of output; a line longer than the buffer is split
 * (the pieces lack the "\n"), as is an unterminated tail at EOF. */
#ifndef MINIBOX_LOGGER_H
#define MINIBOX_LOGGER_H

#include <stddef.h>

#define MB_LOG_LINE_MAX (16 * 1024)

typedef struct mb_logstream {
    const char *name; /* "stdout" or "stderr" */
    size_t len;
    char buf[MB_LOG_LINE_MAX];
} mb_logstream;

/* Feed n bytes of the stream's output; complete lines are written to fd. */
void logger_feed(int fd, mb_logstream *s, const char *data, size_t n);

/* Write out a pending partial line (at EOF). */
void logger_flush(int fd, mb_logstream *s);

/* "2026-11-25T22:00:00.123456789Z" (UTC, now) into out (>= 32 bytes). */
void logger_timestamp(char *out, size_t size);

#endif

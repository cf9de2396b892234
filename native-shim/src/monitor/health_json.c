/* health_json.c - see health_json.h. */
#include "monitor/health_json.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/report.h"

void health_state_init(mb_health_state *s)
{
    s->status = "starting";
    s->streak = 0;
    s->first = s->count = 0;
}

mb_probe *health_state_next(mb_health_state *s)
{
    if (s->count < MB_HEALTH_LOG)
        return &s->log[(s->first + s->count++) % MB_HEALTH_LOG];
    s->first = (s->first + 1) % MB_HEALTH_LOG;
    return &s->log[(s->first + MB_HEALTH_LOG - 1) % MB_HEALTH_LOG];
}

void health_state_record(mb_health_state *s, int ok, int in_start_period,
                         long retries)
{
    if (ok) {
        s->streak = 0;
        s->status = "healthy";
        return;
    }
    /* Before the first success, failures inside the start period do not
     * count (Docker: only while the status is still "starting"). */
    if (strcmp(s->status, "starting") == 0 && in_start_period)
        return;
    if (++s->streak >= retries)
        s->status = "unhealthy";
}

/* Output JSON-escaped: each byte becomes at most 6, so 6 * 4096 per probe. */
static char json[MB_HEALTH_LOG * (6 * MB_HEALTH_OUTPUT + 256) + 256];

static size_t put(size_t at, const char *s, size_t n)
{
    if (at + n < sizeof(json)) {
        memcpy(json + at, s, n);
        return at + n;
    }
    return at;
}

static size_t put_escaped(size_t at, const char *s, size_t n)
{
    char u[8];
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '"' || c == '\\') {
            u[0] = '\\';
            u[1] = (char)c;
            at = put(at, u, 2);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(u, sizeof(u), "\\u%04x", c);
            at = put(at, u, 6);
        } else {
            at = put(at, (const char *)&s[i], 1);
        }
    }
    return at;
}

/* RFC 3339 with nanoseconds, UTC, as Docker's Start/End. */
static size_t put_time(size_t at, const struct timespec *t)
{
    char b[48];
    struct tm tm;
    size_t n;

    gmtime_r(&t->tv_sec, &tm);
    n = strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(b + n, sizeof(b) - n, ".%09ldZ", t->tv_nsec);
    return put(at, b, n);
}

static size_t put_probe(size_t at, const mb_probe *p)
{
    char b[64];

    at = put(at, "{\"Start\":\"", 10);
    at = put_time(at, &p->start);
    at = put(at, "\",\"End\":\"", 9);
    at = put_time(at, &p->end);
    at = put(at, b, (size_t)snprintf(b, sizeof(b), "\",\"ExitCode\":%d,\"Output\":\"", p->code));
    at = put_escaped(at, p->out, p->len);
    return put(at, "\"}", 2);
}

void health_state_write(const char *statedir, const mb_health_state *s)
{
    char path[PATH_MAX], tmp[PATH_MAX], b[96];
    size_t at = 0;
    int i, fd;

    at = put(at, b, (size_t)snprintf(b, sizeof(b), "{\"Status\":\"%s\",\"FailingStreak\":%ld,\"Log\":[",
                                     s->status, s->streak));
    for (i = 0; i < s->count; i++) {
        if (i > 0)
            at = put(at, ",", 1);
        at = put_probe(at, &s->log[(s->first + i) % MB_HEALTH_LOG]);
    }
    at = put(at, "]}\n", 3);
    snprintf(path, sizeof(path), "%s/health.json", statedir);
    snprintf(tmp, sizeof(tmp), "%s/.health.json.tmp", statedir);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    i = write_all(fd, json, at) < 0;
    i |= close(fd) < 0;
    if (i || rename(tmp, path) < 0)
        unlink(tmp);
}

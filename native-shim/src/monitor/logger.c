/* logger.c - see logger.h. */
#include "monitor/logger.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/report.h"

/* Worst case: every byte becomes \u00XX (6 bytes), plus the envelope. */
static char out[MB_LOG_LINE_MAX * 6 + 128];

void logger_timestamp(char *buf, size_t size)
{
    struct timespec ts;
    struct tm tm;
    char date[24];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, size, "%s.%09ldZ", date, ts.tv_nsec);
}

static size_t escape(char *dst, const char *src, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];

        if (c == '"' || c == '\\') {
            dst[o++] = '\\';
            dst[o++] = (char)c;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            dst[o++] = '\\';
            dst[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        } else if (c < 0x20 || c == 0x7f) {
            memcpy(dst + o, "\\u00", 4);
            dst[o + 4] = hex[c >> 4];
            dst[o + 5] = hex[c & 15];
            o += 6;
        } else {
            dst[o++] = (char)c;
        }
    }
    return o;
}

static void emit(int fd, const mb_logstream *s, const char *line, size_t n)
{
    char ts[40];
    size_t o;

    logger_timestamp(ts, sizeof(ts));
    o = (size_t)snprintf(out, 16, "{\"log\":\"");
    o += escape(out + o, line, n);
    o += (size_t)snprintf(out + o, sizeof(out) - o,
                          "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", s->name, ts);
    /* One write per record: O_APPEND keeps records whole for readers. */
    (void)write_all(fd, out, o);
}

void logger_feed(int fd, mb_logstream *s, const char *data, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t take = nl ? (size_t)(nl - data) + 1 : n;

        if (take > MB_LOG_LINE_MAX - s->len)
            take = MB_LOG_LINE_MAX - s->len;
        memcpy(s->buf + s->len, data, take);
        s->len += take;
        data += take;
        n -= take;
        if (s->buf[s->len - 1] == '\n' || s->len == MB_LOG_LINE_MAX) {
            emit(fd, s, s->buf, s->len);
            s->len = 0;
        }
    }
}

void logger_flush(int fd, mb_logstream *s)
{
    if (s->len > 0)
        emit(fd, s, s->buf, s->len);
    s->len = 0;
}

/* record.c - see record.h. */
#include "monitor/record.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/report.h"
#include "monitor/logger.h"

static void write_atomic(const char *dir, const char *name, const char *text)
{
    char tmp[PATH_MAX], dst[PATH_MAX];
    int fd, failed;

    /* A truncated path would name some other file: write nothing then. */
    if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= (int)sizeof(tmp)
        || snprintf(dst, sizeof(dst), "%s/%s", dir, name) >= (int)sizeof(dst))
        return;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    /* Close even when the write failed: the monitor lives as long as the
     * container and writes a record per start and exit. */
    failed = write_all(fd, text, strlen(text)) < 0;
    if (close(fd) < 0 || failed) {
        unlink(tmp);
        return;
    }
    if (rename(tmp, dst) < 0)
        unlink(tmp);
}

void record_started(const char *statedir, pid_t pid, int restarts)
{
    char ts[40], text[128];

    logger_timestamp(ts, sizeof(ts));
    snprintf(text, sizeof(text),
             "{\"pid\":%d,\"startedAt\":\"%s\",\"restartCount\":%d}\n",
             (int)pid, ts, restarts);
    write_atomic(statedir, "started.json", text);
}

void record_exit(const char *statedir, int code, int oom, int restarts)
{
    char ts[40], text[160];

    logger_timestamp(ts, sizeof(ts));
    snprintf(text, sizeof(text),
             "{\"exitCode\":%d,\"finishedAt\":\"%s\",\"oomKilled\":%s,"
             "\"restartCount\":%d}\n",
             code, ts, oom ? "true" : "false", restarts);
    write_atomic(statedir, "exit.json", text);
}

void record_clear_exit(const char *statedir)
{
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/exit.json", statedir);
    unlink(path);
}

int record_stopped(const char *statedir)
{
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/stopped", statedir);
    return access(path, F_OK) == 0;
}

long record_oom_kills(const char *file)
{
    char line[128];
    long n = 0;
    FILE *f;

    if (file == NULL || (f = fopen(file, "re")) == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "oom_kill %ld", &n) == 1)
            break;
    fclose(f);
    return n;
}

/* cgroup_remove.c - see cgroup_remove.h. */
#include "monitor/cgroup_remove.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void remove_one(const char *dir)
{
    struct timespec interval = { 0, CGROUP_RMDIR_INTERVAL_MS * 1000L * 1000L };
    char parent[PATH_MAX];
    char *slash;
    int attempt;

    for (attempt = 1; rmdir(dir) < 0 && errno == EBUSY; attempt++) {
        if (attempt >= CGROUP_RMDIR_TRIES)
            break;
        nanosleep(&interval, NULL);
    }
    if (snprintf(parent, sizeof(parent), "%s", dir) >= (int)sizeof(parent))
        return;
    slash = strrchr(parent, '/');
    if (slash != NULL && slash != parent) {
        *slash = '\0';
        (void)rmdir(parent); /* other containers still in it: fine */
    }
}

void cgroup_remove_all(const mb_strv *dirs)
{
    size_t i;

    for (i = 0; i < dirs->len; i++)
        remove_one(dirs->items[i]);
}

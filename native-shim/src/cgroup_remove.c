/* cgroup_remove.c - see cgroup_remove.h. */
#include "cgroup_remove.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void remove_one(const char *dir)
{
    struct timespec ten_ms = { 0, 10 * 1000 * 1000 };
    char parent[PATH_MAX];
    char *slash;
    int i;

    for (i = 0; i < 300; i++) {
        if (rmdir(dir) == 0 || errno != EBUSY)
            break;
        nanosleep(&ten_ms, NULL);
    }
    snprintf(parent, sizeof(parent), "%s", dir);
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

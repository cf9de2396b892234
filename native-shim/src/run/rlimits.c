/* rlimits.c - see rlimits.h. */
#include "run/rlimits.h"
#include "common/trace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static const struct {
    const char *name;
    int resource;
} NAMES[] = {
    { "RLIMIT_CORE", RLIMIT_CORE },       { "RLIMIT_CPU", RLIMIT_CPU },
    { "RLIMIT_DATA", RLIMIT_DATA },       { "RLIMIT_FSIZE", RLIMIT_FSIZE },
    { "RLIMIT_LOCKS", RLIMIT_LOCKS },     { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
    { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
    { "RLIMIT_NOFILE", RLIMIT_NOFILE },   { "RLIMIT_NPROC", RLIMIT_NPROC },
    { "RLIMIT_RSS", RLIMIT_RSS },         { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
    { "RLIMIT_RTTIME", RLIMIT_RTTIME },   { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
    { "RLIMIT_STACK", RLIMIT_STACK },
};

/* A decimal value, "-1" meaning unlimited; -1 on a malformed one. */
static int parse_value(const char *s, char **end, rlim_t *out)
{
    long long v;

    errno = 0;
    v = strtoll(s, end, 10);
    if (errno != 0 || *end == s || v < -1)
        return -1;
    *out = v == -1 ? RLIM_INFINITY : (rlim_t)v;
    return 0;
}

static int parse(const char *rec, int *resource, struct rlimit *rl)
{
    const char *colon = strchr(rec, ':');
    char *end;
    size_t i, n = colon ? (size_t)(colon - rec) : 0;

    *resource = -1;
    for (i = 0; colon != NULL && i < sizeof(NAMES) / sizeof(NAMES[0]); i++)
        if (strlen(NAMES[i].name) == n && strncmp(rec, NAMES[i].name, n) == 0)
            *resource = NAMES[i].resource;
    if (*resource < 0 || parse_value(colon + 1, &end, &rl->rlim_cur) < 0
        || *end != ':' || parse_value(end + 1, &end, &rl->rlim_max) < 0
        || *end != '\0')
        return -1;
    return 0;
}

int rlimits_apply(const mb_runopts *o, mb_error *err)
{
    return rlimits_apply_to(o, 0, err);
}

int rlimits_apply_to(const mb_runopts *o, pid_t pid, mb_error *err)
{
    size_t i;

    for (i = 0; i < o->nrlimits; i++) {
        struct rlimit rl;
        int resource;

        if (parse(o->rlimits[i], &resource, &rl) < 0)
            return mb_error_detail(err, MB_EXIT_SETUP, "config",
                                   "bad rlimit %.64s", o->rlimits[i]);
        if (prlimit(pid, resource, &rl, NULL) < 0)
            return mb_error_errno(err, "setrlimit %.64s", o->rlimits[i]);
        if (trace_on())
            trace_step("setrlimit", o->rlimits[i], NULL, NULL, "rlimits");
    }
    return 0;
}

/* trace.c - see trace.h. */
#include "common/trace.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <limits.h>
#include <unistd.h>

#include "common/report.h"
#include "config/security.h"

/* Below PIPE_BUF (4096): one write(2) of a line is atomic on a pipe. */
#define TRACE_LINE_MAX 4000
/* A field longer than this is cut with "…" (paths of deep layer stacks). */
#define TRACE_FIELD_MAX 900

int mb_trace_fd = -1;

int trace_config(const char *value, mb_error *err)
{
    char *end;
    long fd;
    int flags;

    errno = 0;
    fd = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || fd < 3 || fd > 1024)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "trace=%s: not a descriptor number", value);
    flags = fcntl((int)fd, F_GETFD);
    if (flags < 0)
        return mb_error_errno(err, "config: trace=%ld", fd);
    (void)fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC);
    mb_trace_fd = (int)fd;
    return 0;
}

/* Append s to out as a JSON string (quotes included); -1 when full. */
static int put_json(char *out, size_t size, size_t *pos, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;

    if (*pos + 2 >= size)
        return -1;
    out[(*pos)++] = '"';
    for (; *s != '\0'; s++, n++) {
        unsigned char c = (unsigned char)*s;

        if (*pos + 8 >= size)
            return -1;
        if (n == TRACE_FIELD_MAX) {
            memcpy(out + *pos, "\xe2\x80\xa6", 3); /* … */
            *pos += 3;
            break;
        }
        if (c == '"' || c == '\\') {
            out[(*pos)++] = '\\';
            out[(*pos)++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            memcpy(out + *pos, "\\u00", 4);
            out[*pos + 4] = hex[c >> 4];
            out[*pos + 5] = hex[c & 15];
            *pos += 6;
        } else {
            out[(*pos)++] = (char)c;
        }
    }
    out[(*pos)++] = '"';
    return 0;
}

static int put_field(char *out, size_t size, size_t *pos, const char *key,
                     const char *value)
{
    int n;

    if (value == NULL)
        return 0;
    n = snprintf(out + *pos, size - *pos, "%s\"%s\":", *pos > 1 ? "," : "",
                 key);
    if (n < 0 || (size_t)n >= size - *pos)
        return -1;
    *pos += (size_t)n;
    return put_json(out, size, pos, value);
}

static void emit(const char *step, const char *target, const char *value,
                 const char *result, const char *errname,
                 const char *concept)
{
    char line[TRACE_LINE_MAX];
    struct timespec ts;
    size_t pos = 1;
    int n, saved = errno; /* a trace never changes what the caller sees */

    line[0] = '{';
    clock_gettime(CLOCK_REALTIME, &ts);
    if (put_field(line, sizeof(line), &pos, "step", step) < 0
        || put_field(line, sizeof(line), &pos, "target", target) < 0
        || put_field(line, sizeof(line), &pos, "value", value) < 0
        || put_field(line, sizeof(line), &pos, "result", result) < 0
        || put_field(line, sizeof(line), &pos, "errno", errname) < 0
        || put_field(line, sizeof(line), &pos, "concept", concept) < 0)
        goto out;
    n = snprintf(line + pos, sizeof(line) - pos, ",\"t\":%lld.%03ld}\n",
                 (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
                 (ts.tv_nsec / 1000) % 1000);
    if (n > 0 && (size_t)n < sizeof(line) - pos)
        (void)write_all(mb_trace_fd, line, pos + (size_t)n);
out:
    errno = saved;
}

void trace_step(const char *step, const char *target, const char *value,
                const char *result, const char *concept)
{
    if (mb_trace_fd >= 0)
        emit(step, target, value, result ? result : "ok", NULL, concept);
}

void trace_failure(const mb_error *err)
{
    char step[MB_STEP_MAX];
    const char *target = NULL, *name;
    char *space;

    if (mb_trace_fd < 0)
        return;
    snprintf(step, sizeof(step), "%s", err->step);
    space = strchr(step, ' ');
    if (space != NULL) {
        *space = '\0';
        target = space + 1;
    }
    if (err->errnum != 0)
        name = strerrorname_np(err->errnum);
    else if (err->code == MB_EXIT_NOTFOUND) /* exec's "not found" is ENOENT */
        name = "ENOENT";
    else if (err->code == MB_EXIT_NOEXEC)
        name = "EACCES";
    else
        name = NULL;
    emit(step, target, NULL, err->detail[0] ? err->detail : "failed",
         name != NULL ? name : (err->errnum ? "EUNKNOWN" : NULL), NULL);
}

void trace_close(void)
{
    if (mb_trace_fd >= 0)
        close(mb_trace_fd);
    mb_trace_fd = -1;
}

void trace_clone(int flags, int pid)
{
    static const struct {
        int flag;
        const char *name;
    } names[] = {
        { CLONE_NEWPID, "CLONE_NEWPID" }, { CLONE_NEWNS, "CLONE_NEWNS" },
        { CLONE_NEWNET, "CLONE_NEWNET" }, { CLONE_NEWUTS, "CLONE_NEWUTS" },
        { CLONE_NEWIPC, "CLONE_NEWIPC" }, { CLONE_NEWCGROUP, "CLONE_NEWCGROUP" },
        { CLONE_NEWUSER, "CLONE_NEWUSER" },
    };
    char target[160] = "(", result[32];
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(flags & names[i].flag))
            continue;
        if (target[1] != '\0')
            strcat(target, "|");
        strcat(target, names[i].name);
    }
    strcat(target, ")");
    snprintf(result, sizeof(result), "pid %d", pid);
    trace_step("clone", target, NULL, result, "namespaces");
}

/* "lowerdir=A:B:C,upperdir=U,workdir=W" -> "lowerdir=A…(3 layers) upperdir=U" */
static void overlay_summary(const char *data, char *out, size_t size)
{
    const char *lower = strstr(data, "lowerdir="), *upper = strstr(data, "upperdir=");
    size_t layers = 0, first = 0;
    const char *p;

    if (lower != NULL) {
        lower += 9;
        first = strcspn(lower, ":,");
        for (layers = 1, p = lower; *p != '\0' && *p != ','; p++)
            layers += *p == ':';
    }
    snprintf(out, size, "overlay lowerdir=%.*s%s(%zu layer%s) upperdir=%.*s",
             (int)first, lower ? lower : "", layers > 1 ? "\xe2\x80\xa6" : "",
             layers, layers == 1 ? "" : "s",
             upper ? (int)strcspn(upper + 9, ",") : 0, upper ? upper + 9 : "");
}

void trace_mount(const char *source, const char *target, const char *fstype,
                 unsigned long flags, const char *data)
{
    char value[1200];
    const char *concept = "mounts";

    if (fstype != NULL && strcmp(fstype, "overlay") == 0 && data != NULL) {
        overlay_summary(data, value, sizeof(value));
        concept = "overlay";
    } else if (flags & MS_REMOUNT) {
        snprintf(value, sizeof(value), "remount%s%s", flags & MS_BIND ? " bind" : "",
                 flags & MS_RDONLY ? " ro" : "");
    } else if (flags & MS_BIND) {
        /* onto itself: the first half of a read-only remount */
        snprintf(value, sizeof(value), "bind %s",
                 source == NULL || strcmp(source, target) == 0 ? "(itself)" : source);
        concept = "bind-mount";
    } else if ((flags & MS_PRIVATE) || (flags & MS_SLAVE)) {
        snprintf(value, sizeof(value), "%s%s", flags & MS_PRIVATE ? "private" : "slave",
                 flags & MS_REC ? " (recursive)" : "");
    } else {
        snprintf(value, sizeof(value), "%s%s%.200s", fstype ? fstype : "?",
                 data != NULL && *data != '\0' ? " " : "", data ? data : "");
    }
    trace_step("mount", target, value, NULL, concept);
}

void trace_write(const char *path, const char *text, const char *concept)
{
    char value[64];

    snprintf(value, sizeof(value), "%.*s", (int)strcspn(text, "\n"), text);
    trace_step("write", path, value, NULL, concept);
}

void trace_caps(const char *step, const char *target, unsigned long long set)
{
    char value[48];

    snprintf(value, sizeof(value), "(%d capabilities)", __builtin_popcountll(set));
    trace_step(step, target, value, NULL, "capabilities");
}

void trace_seccomp(const struct mb_security *s)
{
    char target[80], value[80];

    if (s->seccomp_default == NULL)
        return;
    snprintf(target, sizeof(target), "filter, default %s", s->seccomp_default);
    snprintf(value, sizeof(value), "(%zu rules, %zu BPF instructions)",
             s->seccomp_rules.len, s->bpf_len / 8);
    trace_step("seccomp", target, value, NULL, "seccomp");
}

void trace_user(unsigned uid, unsigned gid, unsigned long ngroups)
{
    char target[80];

    snprintf(target, sizeof(target), "uid %u gid %u, %lu supplementary groups",
             uid, gid, ngroups);
    trace_step("setuid", target, NULL, NULL, "user");
}

void trace_execve(const char *file, unsigned long argc)
{
    char target[PATH_MAX + 32];

    snprintf(target, sizeof(target), "(\"%.*s\"%s)", 900, file,
             argc > 1 ? ", \xe2\x80\xa6" : "");
    trace_step("execve", target, NULL, "the program replaces the shim", "execve");
}

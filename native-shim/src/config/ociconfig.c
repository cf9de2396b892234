/* ociconfig.c - the "oci.*" keys of the fd 3 config (ociconfig.h). */
#include "config/ociconfig.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "config/config.h"

#define bad(err, fmt, what) mb_error_detail((err), MB_EXIT_SETUP, "config", fmt, (what))

static const struct {
    const char *name;
    mb_hook_kind kind;
} KINDS[] = {
    { "prestart", MB_HOOK_PRESTART },
    { "createRuntime", MB_HOOK_CREATE_RUNTIME },
    { "createContainer", MB_HOOK_CREATE_CONTAINER },
    { "startContainer", MB_HOOK_START_CONTAINER },
};

static const struct {
    const char *name;
    unsigned long flags;
} PROPAGATIONS[] = {
    { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
    { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
    { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
    { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

static const struct {
    const char *name;
    int flag;
} NAMESPACES[] = {
    { "net", CLONE_NEWNET }, { "ipc", CLONE_NEWIPC },       { "uts", CLONE_NEWUTS },
    { "pid", CLONE_NEWPID }, { "mnt", CLONE_NEWNS },        { "cgroup", CLONE_NEWCGROUP },
};

/* Append s to a NULL-terminated vector. */
static int push(const char ***v, size_t *n, const char *s, mb_error *err)
{
    const char **items = realloc(*v, (*n + 2) * sizeof(*items));

    if (items == NULL)
        return mb_error_errno(err, "config");
    items[(*n)++] = s;
    items[*n] = NULL;
    *v = items;
    return 0;
}

/* A non-negative decimal that fits an int; -1 otherwise. */
static int parse_uint(const char *s, long max)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max)
        return -1;
    return (int)v;
}

static int start_hook(mb_oci_config *o, const char *kind, mb_error *err)
{
    mb_oci_hook *hooks;
    size_t i;

    for (i = 0; i < sizeof(KINDS) / sizeof(KINDS[0]); i++)
        if (strcmp(kind, KINDS[i].name) == 0)
            break;
    if (i == sizeof(KINDS) / sizeof(KINDS[0]))
        return bad(err, "unknown hook kind %s", kind);
    hooks = realloc(o->hooks, (o->nhooks + 1) * sizeof(*hooks));
    if (hooks == NULL)
        return mb_error_errno(err, "config");
    o->hooks = hooks;
    memset(&hooks[o->nhooks], 0, sizeof(*hooks));
    hooks[o->nhooks++].kind = KINDS[i].kind;
    return 0;
}

static int hook_key(mb_oci_config *o, const char *key, const char *value,
                    mb_error *err)
{
    mb_oci_hook *h;

    if (o->nhooks == 0)
        return bad(err, "%s before any oci.hook=", key);
    h = &o->hooks[o->nhooks - 1];
    if (strcmp(key, "oci.hook.path") == 0) {
        if (value[0] != '/')
            return bad(err, "hook path must be absolute: %s", value);
        return config_set_once(&h->path, key, value, err);
    }
    if (strcmp(key, "oci.hook.arg") == 0)
        return push(&h->args, &h->nargs, value, err);
    if (strcmp(key, "oci.hook.env") == 0)
        return push(&h->env, &h->nenv, value, err);
    if (strcmp(key, "oci.hook.timeout") == 0) {
        h->timeout = parse_uint(value, 86400);
        if (h->timeout <= 0)
            return bad(err, "hook timeout must be 1..86400 seconds: %s", value);
        return 0;
    }
    return bad(err, "unknown key %s", key);
}

static int ns_key(mb_oci_config *o, const char *value, mb_error *err)
{
    const char *colon = strchr(value, ':');
    size_t i, n = colon ? (size_t)(colon - value) : 0;

    if (colon == NULL || colon[1] != '/')
        return bad(err, "oci.ns wants TYPE:/path, not %s", value);
    if (o->nns == MB_OCI_NS_MAX)
        return bad(err, "too many oci.ns keys at %s", value);
    for (i = 0; i < sizeof(NAMESPACES) / sizeof(NAMESPACES[0]); i++) {
        if (strlen(NAMESPACES[i].name) != n || strncmp(value, NAMESPACES[i].name, n) != 0)
            continue;
        o->ns[o->nns].flag = NAMESPACES[i].flag;
        o->ns[o->nns++].path = colon + 1;
        return 0;
    }
    return bad(err, "unknown namespace type in %s", value);
}

/* "C:H:S" of oci.uidmap / oci.gidmap, appended to *maps. */
static int map_key(mb_oci_idmap **maps, size_t *n, const char *key,
                   const char *value, mb_error *err)
{
    unsigned long v[3];
    const char *p = value;
    mb_oci_idmap *grown;
    char *end;
    int i;

    for (i = 0; i < 3; i++) {
        errno = 0;
        v[i] = strtoul(p, &end, 10);
        if (errno != 0 || end == p || *p == '-' || v[i] > 0xffffffffUL
            || *end != (i < 2 ? ':' : '\0'))
            return bad(err, "%s wants containerID:hostID:size", key);
        p = end + 1;
    }
    if (v[2] == 0 || v[0] + v[2] - 1 > 0xffffffffUL || v[1] + v[2] - 1 > 0xffffffffUL)
        return bad(err, "%s: an empty or too large range", key);
    if (*n == MB_OCI_MAP_MAX)
        return bad(err, "more than 340 %s ranges", key);
    grown = realloc(*maps, (*n + 1) * sizeof(*grown));
    if (grown == NULL)
        return mb_error_errno(err, "config");
    grown[*n].container = v[0];
    grown[*n].host = v[1];
    grown[(*n)++].size = v[2];
    *maps = grown;
    return 0;
}

int ociconfig_apply(mb_oci_config *o, const char *key, const char *value,
                    mb_error *err)
{
    size_t i;

    if (strcmp(key, "oci.umask") == 0) {
        char *end;
        unsigned long m = strtoul(value, &end, 8);

        if (end == value || *end != '\0' || m > 0777)
            return bad(err, "oci.umask must be octal 0..0777: %s", value);
        o->has_umask = 1;
        o->umask = (mode_t)m;
        return 0;
    }
    if (strcmp(key, "oci.oomscoreadj") == 0) {
        const char *digits = value[0] == '-' ? value + 1 : value;

        if (parse_uint(digits, 1000) < 0)
            return bad(err, "oci.oomscoreadj must be -1000..1000: %s", value);
        return config_set_once(&o->oomscoreadj, key, value, err);
    }
    if (strcmp(key, "oci.domainname") == 0)
        return config_set_once(&o->domainname, key, value, err);
    if (strcmp(key, "oci.rootprop") == 0) {
        for (i = 0; i < sizeof(PROPAGATIONS) / sizeof(PROPAGATIONS[0]); i++)
            if (strcmp(value, PROPAGATIONS[i].name) == 0) {
                o->rootprop = PROPAGATIONS[i].flags;
                return 0;
            }
        return bad(err, "unknown rootfs propagation %s", value);
    }
    if (strcmp(key, "oci.ns") == 0)
        return ns_key(o, value, err);
    if (strcmp(key, "oci.hostns") == 0) {
        /* a container's own mount namespace is not optional (translate.ts) */
        int f = strcmp(value, "pid") == 0 ? CLONE_NEWPID
              : strcmp(value, "ipc") == 0 ? CLONE_NEWIPC
              : strcmp(value, "uts") == 0 ? CLONE_NEWUTS : 0;

        if (f == 0)
            return bad(err, "oci.hostns wants pid, ipc or uts, not %s", value);
        o->hostns |= f;
        return 0;
    }
    if (strcmp(key, "oci.userns") == 0) {
        if (strcmp(value, "new") != 0 && value[0] != '/')
            return bad(err, "oci.userns wants new or an absolute path: %s", value);
        return config_set_once(&o->userns, key, value, err);
    }
    if (strcmp(key, "oci.uidmap") == 0)
        return map_key(&o->uidmap, &o->nuidmap, key, value, err);
    if (strcmp(key, "oci.gidmap") == 0)
        return map_key(&o->gidmap, &o->ngidmap, key, value, err);
    if (strcmp(key, "oci.hook") == 0)
        return start_hook(o, value, err);
    if (strncmp(key, "oci.hook.", 9) == 0)
        return hook_key(o, key, value, err);
    if (strcmp(key, "oci.state.pre") == 0)
        return config_set_once(&o->state_pre, key, value, err);
    if (strcmp(key, "oci.state.post") == 0)
        return config_set_once(&o->state_post, key, value, err);
    return bad(err, "unknown key %s", key);
}

const char *ociconfig_ns_path(const mb_oci_config *o, int flag)
{
    size_t i;

    for (i = 0; i < o->nns; i++)
        if (o->ns[i].flag == flag)
            return o->ns[i].path;
    return NULL;
}

void ociconfig_free(mb_oci_config *o)
{
    size_t i;

    for (i = 0; i < o->nhooks; i++) {
        free(o->hooks[i].args);
        free(o->hooks[i].env);
    }
    free(o->hooks);
    free(o->uidmap);
    free(o->gidmap);
    memset(o, 0, sizeof(*o));
}

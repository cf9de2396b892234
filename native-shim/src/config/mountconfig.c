/* mountconfig.c - the "mount" keys of the fd 3 config (mountconfig.h). */
#include "config/mountconfig.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

/* A config error naming the offending value (fmt is always a literal). */
#define bad(err, fmt, what) mb_error_detail((err), MB_EXIT_SETUP, "config", fmt, (what))

static int start_entry(mb_mount_config *m, const char *type, mb_error *err)
{
    mb_user_mount *items, *e;

    items = realloc(m->items, (m->len + 1) * sizeof(*items));
    if (items == NULL)
        return mb_error_errno(err, "config");
    m->items = items;
    e = &items[m->len++];
    memset(e, 0, sizeof(*e));
    e->propagation = MS_PRIVATE | MS_REC;
    if (strcmp(type, "bind") == 0)
        e->type = MB_MOUNT_BIND;
    else if (strcmp(type, "tmpfs") == 0)
        e->type = MB_MOUNT_TMPFS;
    else if (strcmp(type, "fs") == 0)
        e->type = MB_MOUNT_FS;
    else
        return bad(err, "unknown mount type %s", type);
    return 0;
}

static const struct {
    const char *name;
    unsigned long flag;
    int propagation;
} OPTS[] = {
    {"ro", MS_RDONLY, 0},       {"nosuid", MS_NOSUID, 0},
    {"nodev", MS_NODEV, 0},     {"noexec", MS_NOEXEC, 0},
    {"private", MS_PRIVATE, 1}, {"rprivate", MS_PRIVATE | MS_REC, 1},
    {"shared", MS_SHARED, 1},   {"rshared", MS_SHARED | MS_REC, 1},
    {"slave", MS_SLAVE, 1},     {"rslave", MS_SLAVE | MS_REC, 1},
    {"unbindable", MS_UNBINDABLE, 1}, {"runbindable", MS_UNBINDABLE | MS_REC, 1},
    /* the kernel's other per-mount flags (an OCI bundle's "fs" entries) */
    {"sync", MS_SYNCHRONOUS, 0}, {"dirsync", MS_DIRSYNC, 0},
    {"noatime", MS_NOATIME, 0}, {"nodiratime", MS_NODIRATIME, 0},
    {"relatime", MS_RELATIME, 0}, {"strictatime", MS_STRICTATIME, 0},
};

static int add_opt(mb_user_mount *e, const char *value, mb_error *err)
{
    size_t i;

    for (i = 0; i < sizeof(OPTS) / sizeof(OPTS[0]); i++) {
        if (strcmp(value, OPTS[i].name) != 0)
            continue;
        if (OPTS[i].propagation) {
            e->propagation = OPTS[i].flag;
            e->propagation_set = 1;
        } else
            e->flags |= OPTS[i].flag;
        return 0;
    }
    return bad(err, "unknown mount option %s", value);
}

/* "size=" digits with an optional k/m/g/% suffix, or "mode=" 3-4 octal
 * digits: nothing else (no ',' or other tmpfs keys) can get through. */
static int valid_data(const char *v)
{
    const char *p;

    if (strncmp(v, "size=", 5) == 0) {
        p = v + 5;
        if (*p < '0' || *p > '9')
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
        if (*p != '\0' && strchr("kmgKMG%", *p) != NULL)
            p++;
        return *p == '\0';
    }
    if (strncmp(v, "mode=", 5) == 0) {
        size_t n = strlen(v + 5);

        return n >= 3 && n <= 4 && strspn(v + 5, "01234567") == n;
    }
    return 0;
}

/* One option of a filesystem's own (newinstance, gid=5, size=64m...): the
 * kernel parses it; one record is one option, so no ',' may be in it. */
static int valid_fsdata(const char *v)
{
    const unsigned char *p = (const unsigned char *)v;

    if (*p == '\0' || *p == '=')
        return 0;
    for (; *p != '\0'; p++)
        if (*p == ',' || *p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

static int add_data(mb_user_mount *e, const char *value, int fs, mb_error *err)
{
    size_t used = strlen(e->data);

    if (fs ? e->type != MB_MOUNT_FS || !valid_fsdata(value)
           : e->type != MB_MOUNT_TMPFS || !valid_data(value))
        return e->type == MB_MOUNT_TMPFS ? bad(err, "invalid tmpfs option %s", value)
                                         : bad(err, "invalid filesystem option %s", value);
    if (used + strlen(value) + 2 > sizeof(e->data))
        return bad(err, "filesystem options too long at %s", value);
    if (used > 0)
        strcat(e->data, ",");
    strcat(e->data, value);
    return 0;
}

int mountconfig_apply(mb_mount_config *m, const char *key, const char *value,
                      mb_error *err)
{
    mb_user_mount *e;

    if (strcmp(key, "mount") == 0)
        return start_entry(m, value, err);
    if (strcmp(key, "mount.rootro") == 0) {
        m->readonly_root = strcmp(value, "1") == 0;
        return 0;
    }
    if (m->len == 0)
        return bad(err, "%s before any mount=", key);
    e = &m->items[m->len - 1];
    if (strcmp(key, "mount.fstype") == 0 || strcmp(key, "mount.fssrc") == 0) {
        const char **slot = key[8] == 't' ? &e->fstype : &e->fssource;

        if (e->type != MB_MOUNT_FS || *slot != NULL || value[0] == '\0')
            return bad(err, "misplaced, duplicate or empty key %s", key);
        *slot = value;
        return 0;
    }
    if (strcmp(key, "mount.replace") == 0) {
        if (e->type != MB_MOUNT_FS)
            return bad(err, "%s on a bind or tmpfs entry", key);
        e->replace = strcmp(value, "1") == 0;
        return 0;
    }
    if (strcmp(key, "mount.src") == 0 || strcmp(key, "mount.dst") == 0) {
        const char **slot = key[6] == 's' ? &e->source : &e->target;

        if (*slot != NULL)
            return bad(err, "duplicate key %s", key);
        if (value[0] != '/')
            return bad(err, "%s must be an absolute path", key);
        *slot = value;
        return 0;
    }
    if (strcmp(key, "mount.opt") == 0)
        return add_opt(e, value, err);
    if (strcmp(key, "mount.data") == 0 || strcmp(key, "mount.fsdata") == 0)
        return add_data(e, value, key[6] == 'f', err);
    return bad(err, "unknown key %s", key);
}

int mountconfig_validate(const mb_mount_config *m, mb_error *err)
{
    size_t i;

    for (i = 0; i < m->len; i++) {
        if (m->items[i].target == NULL)
            return bad(err, "mount %s without mount.dst", "entry");
        if (m->items[i].type == MB_MOUNT_BIND && m->items[i].source == NULL)
            return bad(err, "bind mount %s without mount.src",
                       m->items[i].target);
        if (m->items[i].type == MB_MOUNT_FS && m->items[i].fstype == NULL)
            return bad(err, "mount %s without mount.fstype", m->items[i].target);
    }
    return 0;
}

void mountconfig_free(mb_mount_config *m)
{
    free(m->items);
    memset(m, 0, sizeof(*m));
}

/* devconfig.c - parse the dev.* records, see devconfig.h. */
#include "config/devconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


/* Room for one more element of size sz in *arr (doubling). */
static int grow(void **arr, size_t len, size_t *cap, size_t sz)
{
    void *bigger;
    size_t n;

    if (len < *cap)
        return 0;
    n = *cap ? *cap * 2 : 16;
    bigger = realloc(*arr, n * sz);
    if (bigger == NULL)
        return -1;
    *arr = bigger;
    *cap = n;
    return 0;
}

static int bad(mb_error *err, const char *key, const char *value)
{
    return mb_error_detail(err, MB_EXIT_SETUP, "config", "bad %s: %s", key,
                           value);
}

/* A decimal number or '*' up to the next separator; *s is moved past it. */
static int parse_num(const char **s, long *out, int star_ok)
{
    char *end;

    if (star_ok && **s == '*') {
        *out = MB_DEV_ANY;
        (*s)++;
        return 0;
    }
    if (**s < '0' || **s > '9')
        return -1;
    errno = 0;
    *out = strtol(*s, &end, 10);
    if (errno != 0 || *out > 0xfffffff)
        return -1;
    *s = end;
    return 0;
}

static int parse_access(const char *s, unsigned *out)
{
    *out = 0;
    for (; *s; s++) {
        unsigned bit = *s == 'r' ? MB_DEV_READ : *s == 'w' ? MB_DEV_WRITE
                     : *s == 'm' ? MB_DEV_MKNOD : 0;

        if (bit == 0 || (*out & bit))
            return -1;
        *out |= bit;
    }
    return *out ? 0 : -1;
}

static int parse_rule(const char *v, mb_dev_rule *r)
{
    if ((v[0] != 'c' && v[0] != 'b') || v[1] != ' ')
        return -1;
    r->type = v[0];
    v += 2;
    if (parse_num(&v, &r->major, 1) < 0 || *v++ != ':'
        || parse_num(&v, &r->minor, 1) < 0 || *v++ != ' ')
        return -1;
    return parse_access(v, &r->access);
}

static int parse_field(const char **s, long *out, int base)
{
    char *end;

    errno = 0;
    *out = strtol(*s, &end, base);
    if (end == *s || *end != ' ' || errno != 0 || *out < 0)
        return -1;
    *s = end + 1;
    return 0;
}

static int parse_node(const char *v, mb_dev_node *n)
{
    long major, minor, mode, uid, gid;

    if ((v[0] != 'c' && v[0] != 'b') || v[1] != ' ')
        return -1;
    n->type = v[0];
    v += 2;
    if (parse_field(&v, &major, 10) < 0 || parse_field(&v, &minor, 10) < 0
        || parse_field(&v, &mode, 8) < 0 || parse_field(&v, &uid, 10) < 0
        || parse_field(&v, &gid, 10) < 0)
        return -1;
    if (v[0] != '/' || major > 0xfff || minor > 0xfffff || mode > 07777)
        return -1;
    n->major = (unsigned)major;
    n->minor = (unsigned)minor;
    n->mode = (mode_t)mode;
    n->uid = (uid_t)uid;
    n->gid = (gid_t)gid;
    n->path = v;
    return 0;
}

int devconfig_apply(mb_dev_config *d, const char *key, char *value,
                    mb_error *err)
{
    if (strcmp(key, "dev.policy") == 0) {
        if (strcmp(value, "allow") != 0 && strcmp(value, "deny") != 0)
            return bad(err, key, value);
        if (d->policy != NULL) /* config_set_once's rule, kept local so the
                                  unit test links this file alone */
            return mb_error_detail(err, MB_EXIT_SETUP, "config",
                                   "duplicate key %s", key);
        d->default_allow = strcmp(value, "allow") == 0;
        d->policy = value;
        return 0;
    }
    if (strcmp(key, "dev.rule") == 0) {
        if (grow((void **)&d->rules, d->nrules, &d->rules_cap, sizeof(*d->rules)) < 0)
            return mb_error_errno(err, "config");
        if (parse_rule(value, &d->rules[d->nrules]) < 0)
            return bad(err, key, value);
        d->nrules++;
        return 0;
    }
    if (strcmp(key, "dev.node") == 0) {
        if (grow((void **)&d->nodes, d->nnodes, &d->nodes_cap, sizeof(*d->nodes)) < 0)
            return mb_error_errno(err, "config");
        if (parse_node(value, &d->nodes[d->nnodes]) < 0)
            return bad(err, key, value);
        d->nnodes++;
        return 0;
    }
    return mb_error_detail(err, MB_EXIT_SETUP, "config", "unknown key %s", key);
}

void devconfig_free(mb_dev_config *d)
{
    free(d->rules);
    free(d->nodes);
    memset(d, 0, sizeof(*d));
}

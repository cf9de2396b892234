/* security.c - the "sec.*" keys of the fd 3 config (see security.h). */
#include "config/security.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static int list_push(mb_sec_list *l, char *s, mb_error *err)
{
    if (l->len + 1 > l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **items = realloc(l->items, cap * sizeof(*items));

        if (items == NULL)
            return mb_error_errno(err, "config");
        l->items = items;
        l->cap = cap;
    }
    l->items[l->len++] = s;
    return 0;
}

static int flag(int *slot, const char *key, const char *value, mb_error *err)
{
    if (strcmp(value, "1") != 0 && strcmp(value, "0") != 0)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "%s must be 0 or 1", key);
    *slot = value[0] == '1';
    return 0;
}

static int mask(uint64_t *slot, int bit, mb_security *s, const char *key,
                const char *value, mb_error *err)
{
    char *end;

    if (s->caps_seen & bit)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "duplicate key %s", key);
    errno = 0;
    *slot = strtoull(value, &end, 16);
    if (errno != 0 || end == value || *end != '\0' || strlen(value) != 16)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "%s must be 16 hex digits", key);
    s->caps_seen |= bit;
    s->has_caps = 1;
    return 0;
}

static int absolute(mb_sec_list *l, const char *key, char *value, mb_error *err)
{
    if (value[0] != '/')
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "%s must be an absolute path", key);
    return list_push(l, value, err);
}

int security_apply(mb_security *s, const char *key, char *value, mb_error *err)
{
    static const struct {
        const char *key;
        size_t offset;
    } masks[] = {
        {"sec.bounding", offsetof(mb_security, bounding)},
        {"sec.effective", offsetof(mb_security, effective)},
        {"sec.permitted", offsetof(mb_security, permitted)},
        {"sec.inheritable", offsetof(mb_security, inheritable)},
        {"sec.ambient", offsetof(mb_security, ambient)},
    };
    size_t i;

    for (i = 0; i < sizeof masks / sizeof masks[0]; i++)
        if (strcmp(key, masks[i].key) == 0)
            return mask((uint64_t *)((char *)s + masks[i].offset), 1 << i, s,
                        key, value, err);
    if (strcmp(key, "sec.privileged") == 0)
        return flag(&s->privileged, key, value, err);
    if (strcmp(key, "sec.nnp") == 0)
        return flag(&s->nnp, key, value, err);
    if (strcmp(key, "sec.masked") == 0)
        return absolute(&s->masked, key, value, err);
    if (strcmp(key, "sec.readonly") == 0)
        return absolute(&s->readonly, key, value, err);
    if (strcmp(key, "sec.seccomp.default") == 0) {
        if (s->seccomp_default != NULL)
            return mb_error_detail(err, MB_EXIT_SETUP, "config",
                                   "duplicate key %s", key);
        s->seccomp_default = value;
        return 0;
    }
    if (strcmp(key, "sec.seccomp.cache") == 0) {
        if (value[0] != '/')
            return mb_error_detail(err, MB_EXIT_SETUP, "config",
                                   "%s must be an absolute path", key);
        if (s->seccomp_cache != NULL)
            return mb_error_detail(err, MB_EXIT_SETUP, "config",
                                   "duplicate key %s", key);
        s->seccomp_cache = value;
        return 0;
    }
    if (strcmp(key, "sec.seccomp.arch") == 0)
        return list_push(&s->seccomp_arches, value, err);
    if (strcmp(key, "sec.seccomp.rule") == 0)
        return list_push(&s->seccomp_rules, value, err);
    return mb_error_detail(err, MB_EXIT_SETUP, "config", "unknown key %s", key);
}

int security_validate(const mb_security *s, mb_error *err)
{
    if (s->has_caps && s->caps_seen != 0x1f)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "capability sets must be given all five");
    if (s->seccomp_default == NULL
        && (s->seccomp_rules.len > 0 || s->seccomp_arches.len > 0))
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "seccomp rules without sec.seccomp.default");
    return 0;
}

void security_free(mb_security *s)
{
    free(s->bpf);
    free(s->masked.items);
    free(s->readonly.items);
    free(s->seccomp_arches.items);
    free(s->seccomp_rules.items);
    memset(s, 0, sizeof(*s));
}

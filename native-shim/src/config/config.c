/* config.c - read and validate the config records from fd 3. */
#include "config/config.h"

#include "common/trace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A config is a few KiB; the cap only protects against a runaway writer. */
#define CONFIG_MAX (16u << 20)

static int strv_push(mb_strv *v, char *s)
{
    if (v->len + 2 > v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        char **items = realloc(v->items, cap * sizeof(*items));

        if (items == NULL)
            return -1;
        v->items = items;
        v->cap = cap;
    }
    v->items[v->len++] = s;
    v->items[v->len] = NULL;
    return 0;
}

/* Slurp the whole fd; EINTR is retried, the result is NUL padded. */
static int read_all(int fd, char **out, size_t *out_len, mb_error *err)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap + 1);

    if (buf == NULL)
        return mb_error_errno(err, "config: read");
    for (;;) {
        ssize_t n;

        if (len == cap) {
            char *bigger;

            if (cap >= CONFIG_MAX) {
                free(buf);
                return mb_error_detail(err, MB_EXIT_SETUP, "config", "too large");
            }
            bigger = realloc(buf, cap * 2 + 1);
            if (bigger == NULL) {
                free(buf);
                return mb_error_errno(err, "config: read");
            }
            buf = bigger;
            cap *= 2;
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return mb_error_errno(err, "config: read");
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return 0;
}

int config_set_once(const char **slot, const char *key, const char *value,
                    mb_error *err)
{
    if (*slot != NULL)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "duplicate key %s", key);
    *slot = value;
    return 0;
}

static int push(mb_strv *v, char *value, mb_error *err)
{
    if (strv_push(v, value) < 0)
        return mb_error_errno(err, "config");
    return 0;
}

/* Dispatch one record to its field. */
static int apply_record(mb_config *cfg, const char *key, char *value,
                        mb_error *err)
{
    if (strcmp(key, "id") == 0)
        return config_set_once(&cfg->id, key, value, err);
    if (strcmp(key, "rootfs") == 0)
        return config_set_once(&cfg->rootfs, key, value, err);
    if (strcmp(key, "upper") == 0)
        return config_set_once(&cfg->upper, key, value, err);
    if (strcmp(key, "work") == 0)
        return config_set_once(&cfg->work, key, value, err);
    if (strcmp(key, "hostname") == 0)
        return config_set_once(&cfg->hostname, key, value, err);
    if (strcmp(key, "cwd") == 0)
        return config_set_once(&cfg->cwd, key, value, err);
    if (strcmp(key, "lower") == 0)
        return push(&cfg->lowers, value, err);
    if (strcmp(key, "arg") == 0)
        return push(&cfg->args, value, err);
    if (strcmp(key, "env") == 0)
        return push(&cfg->env, value, err);
    if (strcmp(key, "cgroup") == 0)
        return push(&cfg->cgroups, value, err);
    if (strcmp(key, "cgroupfs") == 0)
        return config_set_once(&cfg->cgroupfs, key, value, err);
    if (strncmp(key, "net.", 4) == 0)
        return netconfig_apply(&cfg->net, key, value, err);
    if (strncmp(key, "sec.", 4) == 0)
        return security_apply(&cfg->sec, key, value, err);
    if (strncmp(key, "dev.", 4) == 0)
        return devconfig_apply(&cfg->dev, key, value, err);
    if (strcmp(key, "mount") == 0 || strncmp(key, "mount.", 6) == 0)
        return mountconfig_apply(&cfg->mounts, key, value, err);
    if (strncmp(key, "oci.", 4) == 0)
        return ociconfig_apply(&cfg->oci, key, value, err);
    if (strncmp(key, "health.", 7) == 0)
        return healthconfig_apply(&cfg->health, key, value, err);
    if (strcmp(key, "trace") == 0) /* minibox --explain (common/trace.h) */
        return trace_config(value, err);
    /* Last: run-mode keys (runopts.c), which also rejects unknown keys. */
    return runopts_apply(&cfg->opts, key, value, err);
}

static int parse_records(mb_config *cfg, size_t len, mb_error *err)
{
    size_t pos = 0;

    while (pos < len) {
        char *rec = cfg->buf + pos;
        size_t rec_len = strnlen(rec, len - pos);
        char *eq;

        if (rec_len == len - pos)
            return mb_error_detail(err, MB_EXIT_SETUP, "config",
                                   "last record is not NUL-terminated");
        eq = strchr(rec, '=');
        if (eq == NULL || eq == rec)
            return mb_error_detail(err, MB_EXIT_SETUP, "config",
                                   "malformed record (expected key=value)");
        *eq = '\0';
        if (apply_record(cfg, rec, eq + 1, err) < 0)
            return -1;
        pos += rec_len + 1;
    }
    return 0;
}

static int require(const void *present, const char *key, mb_error *err)
{
    if (present == NULL)
        return mb_error_detail(err, MB_EXIT_SETUP, "config", "missing key %s",
                               key);
    return 0;
}

static int require_abs(const char *path, const char *key, mb_error *err)
{
    if (path[0] != '/')
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "%s must be an absolute path: %s", key, path);
    return 0;
}

/* Overlay options are comma separated and lowerdir is colon separated;
 * rather than escaping we refuse paths that would be mis-split. */
static int check_overlay_path(const char *path, const char *key, mb_error *err)
{
    if (require_abs(path, key, err) < 0)
        return -1;
    if (strpbrk(path, ",:\\") != NULL)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "%s contains ',', ':' or '\\': %s", key, path);
    return 0;
}

static int validate_rest(mb_config *cfg, mb_error *err);

static int plain_root_validate(mb_config *cfg, mb_error *err)
{
    if (cfg->lowers.items != NULL || cfg->upper != NULL || cfg->work != NULL)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "plainroot=1 takes no lower/upper/work");
    if (cfg->args.items[0][0] == '\0')
        return mb_error_detail(err, MB_EXIT_SETUP, "config", "empty arg[0]");
    if (cfg->cwd == NULL)
        cfg->cwd = "/";
    if (require_abs(cfg->rootfs, "rootfs", err) < 0
        || require_abs(cfg->cwd, "cwd", err) < 0)
        return -1;
    return validate_rest(cfg, err);
}

static int validate(mb_config *cfg, mb_error *err)
{
    size_t i;

    if (require(cfg->id, "id", err) < 0 || require(cfg->rootfs, "rootfs", err) < 0
        || require(cfg->args.items, "arg", err) < 0)
        return -1;
    /* plainroot=1 (an OCI bundle's rootfs directory): no overlay keys. */
    if (cfg->opts.plainroot)
        return plain_root_validate(cfg, err);
    if (require(cfg->lowers.items, "lower", err) < 0
        || require(cfg->upper, "upper", err) < 0
        || require(cfg->work, "work", err) < 0)
        return -1;
    if (cfg->args.items[0][0] == '\0')
        return mb_error_detail(err, MB_EXIT_SETUP, "config", "empty arg[0]");
    if (cfg->cwd == NULL)
        cfg->cwd = "/";
    if (require_abs(cfg->rootfs, "rootfs", err) < 0
        || require_abs(cfg->cwd, "cwd", err) < 0
        || check_overlay_path(cfg->upper, "upper", err) < 0
        || check_overlay_path(cfg->work, "work", err) < 0)
        return -1;
    for (i = 0; i < cfg->lowers.len; i++)
        if (check_overlay_path(cfg->lowers.items[i], "lower", err) < 0)
            return -1;
    return validate_rest(cfg, err);
}

/* What both root modes check. */
static int validate_rest(mb_config *cfg, mb_error *err)
{
    size_t i;

    for (i = 0; i < cfg->cgroups.len; i++)
        if (require_abs(cfg->cgroups.items[i], "cgroup", err) < 0)
            return -1;
    if (security_validate(&cfg->sec, err) < 0
        || mountconfig_validate(&cfg->mounts, err) < 0)
        return -1;
    return netconfig_validate(&cfg->net, err);
}

int config_read(int fd, mb_config *cfg, mb_error *err)
{
    size_t len = 0;

    memset(cfg, 0, sizeof(*cfg));
    if (read_all(fd, &cfg->buf, &len, err) < 0)
        return -1;
    if (parse_records(cfg, len, err) < 0 || validate(cfg, err) < 0)
        return -1;
    /* execve() wants a NULL-terminated envp even when env is empty. */
    if (cfg->env.items == NULL) {
        cfg->env.items = calloc(1, sizeof(char *));
        if (cfg->env.items == NULL)
            return mb_error_errno(err, "config");
    }
    return 0;
}

int config_read_exec(int fd, mb_config *cfg, mb_error *err)
{
    size_t len = 0;

    memset(cfg, 0, sizeof(*cfg));
    if (read_all(fd, &cfg->buf, &len, err) < 0
        || parse_records(cfg, len, err) < 0
        || require(cfg->args.items, "arg", err) < 0
        || require(cfg->opts.pid, "pid", err) < 0)
        return -1;
    if (cfg->cwd == NULL)
        cfg->cwd = "/";
    if (cfg->env.items == NULL) {
        cfg->env.items = calloc(1, sizeof(char *));
        if (cfg->env.items == NULL)
            return mb_error_errno(err, "config");
    }
    return 0;
}

const char *config_getenv(const mb_strv *env, const char *name)
{
    size_t n = strlen(name), i;

    /* First match wins, which is what getenv() in the container sees. */
    for (i = 0; i < env->len; i++)
        if (strncmp(env->items[i], name, n) == 0 && env->items[i][n] == '=')
            return env->items[i] + n + 1;
    return NULL;
}

void config_free(mb_config *cfg)
{
    free(cfg->lowers.items);
    free(cfg->args.items);
    free(cfg->env.items);
    free(cfg->cgroups.items);
    netconfig_free(&cfg->net);
    devconfig_free(&cfg->dev);
    security_free(&cfg->sec);
    mountconfig_free(&cfg->mounts);
    ociconfig_free(&cfg->oci);
    free(cfg->buf);
    memset(cfg, 0, sizeof(*cfg));
}

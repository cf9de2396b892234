/* userdb.c - see userdb.h. */
#include "common/userdb.h"
#include "common/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PASSWD_FILE "/etc/passwd"
#define GROUP_FILE "/etc/group"
#define MAX_FIELDS 7

static int fail_errno(mb_error *err, int code, const char *what)
{
    mb_error_errno(err, "%s", what);
    err->code = code;
    return -1;
}

/* A regular file of at most USERDB_MAX_FILE bytes, checked on an O_PATH
 * fd first (opening a device or FIFO for reading could block or have side
 * effects), then again on the fd we read, in case it was swapped between.
 * A missing file is an empty database: *out stays NULL. */
static int read_db(const char *path, int code, char **out, mb_error *err)
{
    struct stat st;
    ssize_t n;
    size_t len = 0;
    char *buf;
    int fd;

    *out = NULL;
    fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
        return 0;
    if (fd < 0)
        return fail_errno(err, code, path);
    n = fstat(fd, &st);
    close(fd);
    if (n == 0 && S_ISREG(st.st_mode))
        fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (n < 0 || fd < 0)
        return fail_errno(err, code, path);
    if (!S_ISREG(st.st_mode) || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)
        || st.st_size > (off_t)USERDB_MAX_FILE) {
        if (fd >= 0)
            close(fd);
        return mb_error_detail(err, code, path,
                               "not a regular file of at most 1 MiB");
    }
    buf = malloc(USERDB_MAX_FILE + 1);
    if (buf == NULL) {
        close(fd);
        return fail_errno(err, code, path);
    }
    /* The size may have changed since fstat: read to EOF, within the cap. */
    while (len <= USERDB_MAX_FILE
           && ((n = read(fd, buf + len, USERDB_MAX_FILE + 1 - len)) > 0
               || (n < 0 && errno == EINTR)))
        len += n > 0 ? (size_t)n : 0;
    close(fd);
    if (n < 0 || len > USERDB_MAX_FILE) {
        free(buf);
        return mb_error_detail(err, code, path, "unreadable or over 1 MiB");
    }
    buf[len] = '\0';
    *out = buf;
    return 0;
}

/* Split one line (NUL-terminated) at ':' in place; the field count. */
static int split(char *line, char *f[MAX_FIELDS])
{
    int n = 0;

    f[n++] = line;
    for (; *line != '\0' && n < MAX_FIELDS; line++)
        if (*line == ':') {
            *line = '\0';
            f[n++] = line + 1;
        }
    return n;
}

/* Decimal id: its value, -1 when s is not a plain number, -2 when it is
 * one beyond Docker's range (0-2147483647). */
static long long parse_id(const char *s)
{
    unsigned long long v = 0;
    int over = 0;

    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (unsigned)(*s - '0');
        if (v > INT32_MAX) {
            over = 1;
            v = INT32_MAX;
        }
    }
    return over ? -2 : (long long)v;
}

/* Call fn for every line of db split into fields; stops when fn returns 1. */
static int each_line(char *db, int (*fn)(char **f, int n, void *arg), void *arg)
{
    char *line = db;

    while (db != NULL && *line != '\0') {
        char *nl = strchr(line, '\n'), *f[MAX_FIELDS];
        int found;

        if (nl != NULL)
            *nl = '\0';
        found = fn(f, split(line, f), arg);
        if (found || nl == NULL)
            return found;
        line = nl + 1;
    }
    return 0;
}

struct pw_match {
    const char *name;
    long long uid;   /* the spec as a number, or -1 */
    char *by_name[MAX_FIELDS], *by_uid[MAX_FIELDS];
    int has_name, has_uid;
};

/* A name match wins; a numeric spec also matches an entry by uid. */
static int match_passwd(char **f, int n, void *arg)
{
    struct pw_match *m = arg;

    if (n < 4)
        return 0;
    if (strcmp(f[0], m->name) == 0) {
        memcpy(m->by_name, f, sizeof(m->by_name));
        m->has_name = n;
        return 1;
    }
    if (m->uid >= 0 && !m->has_uid && parse_id(f[2]) == m->uid) {
        memcpy(m->by_uid, f, sizeof(m->by_uid));
        m->has_uid = n;
    }
    return 0;
}

struct gr_match {
    const char *name;  /* explicit group name, or NULL: membership scan */
    const char *member;
    mb_user *u;
    int found;
};

static int is_member(char *list, const char *name)
{
    char *save = NULL, *tok;

    for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (strcmp(tok, name) == 0)
            return 1;
    return 0;
}

static int match_group(char **f, int n, void *arg)
{
    struct gr_match *m = arg;
    long long gid;

    if (n < 3 || (gid = parse_id(f[2])) < 0)
        return 0;
    if (m->name != NULL) {
        if (strcmp(f[0], m->name) != 0)
            return 0;
        m->u->gid = (gid_t)gid;
        m->found = 1;
        return 1;
    }
    if (n >= 4 && m->u->ngroups < USERDB_MAX_GROUPS && is_member(f[3], m->member))
        m->u->groups[m->u->ngroups++] = (gid_t)gid;
    return 0;
}

/* Docker's (runc's) wording: "unable to find user X: no matching entries
 * in passwd file". */
static int not_found(mb_error *err, int code, const char *kind,
                     const char *name, const char *file)
{
    char step[MB_STEP_MAX];

    snprintf(step, sizeof(step), "unable to find %s %.256s", kind, name);
    return mb_error_detail(err, code, step, "no matching entries in %s file",
                           file);
}

static int out_of_range(mb_error *err, int code)
{
    return mb_error_detail(err, code, "invalid user",
                           "uids and gids must be in range 0-2147483647");
}

/* The user half: uid, primary gid and home from passwd (or the defaults). */
static int resolve_passwd(const char *user, int code, mb_user *u,
                          char *entry_name, size_t name_size, mb_error *err)
{
    struct pw_match m = { .name = user, .uid = parse_id(user) };
    char *db, **f;

    if (m.uid == -2)
        return out_of_range(err, code);
    if (read_db(PASSWD_FILE, code, &db, err) < 0)
        return -1;
    each_line(db, match_passwd, &m);
    f = m.has_name ? m.by_name : m.has_uid ? m.by_uid : NULL;
    entry_name[0] = '\0';
    if (f != NULL) {
        long long uid = parse_id(f[2]), gid = parse_id(f[3]);

        if (uid < 0 || gid < 0) { /* never a silent 0 (root) */
            free(db);
            return mb_error_detail(err, code, PASSWD_FILE,
                                   "invalid uid or gid in the entry of %.256s",
                                   user);
        }
        u->uid = (uid_t)uid;
        u->gid = (gid_t)gid;
        if ((m.has_name ? m.has_name : m.has_uid) >= 6 && f[5][0] == '/')
            snprintf(u->home, sizeof(u->home), "%s", f[5]);
        snprintf(entry_name, name_size, "%s", f[0]);
    } else if (m.uid >= 0) {
        u->uid = (uid_t)m.uid; /* Docker: a numeric uid needs no entry */
    } else {
        free(db);
        return not_found(err, code, "user", user, "passwd");
    }
    free(db);
    return 0;
}

/* The group half: an explicit group (a gid needs no entry, a name does),
 * or else the groups that list the user's passwd name as a member. */
static int resolve_group(const char *group, const char *entry_name, int code,
                         mb_user *u, mb_error *err)
{
    struct gr_match g = { .name = group, .member = entry_name, .u = u };
    long long gid = group != NULL ? parse_id(group) : -1;
    char *db;

    if (gid == -2)
        return out_of_range(err, code);
    if (gid >= 0) {
        u->gid = (gid_t)gid;
        return 0;
    }
    if (group == NULL && entry_name[0] == '\0')
        return 0; /* a bare uid without an entry: no name to look for */
    if (read_db(GROUP_FILE, code, &db, err) < 0)
        return -1;
    each_line(db, match_group, &g);
    free(db);
    if (group != NULL && !g.found)
        return not_found(err, code, "group", group, "group");
    return 0;
}

/* Docker also puts the primary gid among the supplementary groups. */
static void add_primary(mb_user *u)
{
    size_t i;

    for (i = 0; i < u->ngroups; i++)
        if (u->groups[i] == u->gid)
            return;
    if (u->ngroups == USERDB_MAX_GROUPS)
        u->ngroups--;
    memmove(u->groups + 1, u->groups, u->ngroups * sizeof(u->groups[0]));
    u->groups[0] = u->gid;
    u->ngroups++;
}

int userdb_resolve(const char *spec, int notfound_code, mb_user *u,
                   mb_error *err)
{
    char user[256], entry_name[256];
    const char *group = strchr(spec, ':');
    size_t ulen = group ? (size_t)(group - spec) : strlen(spec);

    memset(u, 0, sizeof(*u));
    snprintf(u->home, sizeof(u->home), "/");
    if (ulen >= sizeof(user))
        return not_found(err, notfound_code, "user", spec, "passwd");
    memcpy(user, spec, ulen);
    user[ulen] = '\0';
    if (resolve_passwd(ulen ? user : "0", notfound_code, u, entry_name,
                       sizeof(entry_name), err) < 0
        || resolve_group(group ? group + 1 : NULL, entry_name, notfound_code,
                         u, err) < 0)
        return -1;
    add_primary(u);
    return 0;
}

/* One --group-add entry: a gid as is, a name from the container's group. */
static int extra_group(const char *group, int code, mb_user *u, mb_error *err)
{
    mb_user tmp = { .gid = 0 };
    size_t i;

    if (resolve_group(group, "", code, &tmp, err) < 0)
        return -1;
    for (i = 0; i < u->ngroups; i++)
        if (u->groups[i] == tmp.gid)
            return 0;
    if (u->ngroups == USERDB_MAX_GROUPS)
        return mb_error_detail(err, code, "group-add", "too many groups");
    u->groups[u->ngroups++] = tmp.gid;
    return 0;
}

int userdb_add_groups(const char *list, int notfound_code, mb_user *u,
                      mb_error *err)
{
    char buf[4096], *save = NULL, *tok;

    if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
        return mb_error_detail(err, notfound_code, "group-add", "list too long");
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (extra_group(tok, notfound_code, u, err) < 0)
            return -1;
    return 0;
}

int userdb_switch(const mb_user *u, mb_error *err)
{
    if (setgroups(u->ngroups, u->groups) < 0)
        return mb_error_errno(err, "setgroups");
    if (setgid(u->gid) < 0)
        return mb_error_errno(err, "setgid %u", (unsigned)u->gid);
    if (setuid(u->uid) < 0)
        return mb_error_errno(err, "setuid %u", (unsigned)u->uid);
    if (trace_on())
        trace_user((unsigned)u->uid, (unsigned)u->gid, (size_t)u->ngroups);
    return 0;
}

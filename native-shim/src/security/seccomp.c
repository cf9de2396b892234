/* seccomp.c - the filter from the sec.seccomp.* records (config/security.h):
 * the default action, the architectures, then each rule.  As runc does:
 * names libseccomp does not know on this architecture are skipped, a rule
 * whose action is the default is skipped, and several conditions on the
 * same argument become one rule each (libseccomp cannot AND them). */
#include "security/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/report.h"
#include "common/util.h"

#define MAX_ARGS 6

static int parse_action(const char *word, uint32_t *out)
{
    char *end;
    unsigned long n;

    if (strcmp(word, "allow") == 0)
        *out = SCMP_ACT_ALLOW;
    else if (strcmp(word, "kill") == 0 || strcmp(word, "kill_thread") == 0)
        *out = SCMP_ACT_KILL_THREAD;
    else if (strcmp(word, "kill_process") == 0)
        *out = SCMP_ACT_KILL_PROCESS;
    else if (strcmp(word, "trap") == 0)
        *out = SCMP_ACT_TRAP;
    else if (strcmp(word, "log") == 0)
        *out = SCMP_ACT_LOG;
    else if (strncmp(word, "errno:", 6) == 0 || strncmp(word, "trace:", 6) == 0) {
        n = strtoul(word + 6, &end, 10);
        if (end == word + 6 || *end != '\0' || n > 0xffff)
            return -1;
        *out = word[0] == 'e' ? SCMP_ACT_ERRNO(n) : SCMP_ACT_TRACE(n);
    } else
        return -1;
    return 0;
}

static int parse_op(const char *word, enum scmp_compare *out)
{
    static const struct {
        const char *name;
        enum scmp_compare op;
    } ops[] = {
        {"ne", SCMP_CMP_NE}, {"lt", SCMP_CMP_LT}, {"le", SCMP_CMP_LE},
        {"eq", SCMP_CMP_EQ}, {"ge", SCMP_CMP_GE}, {"gt", SCMP_CMP_GT},
        {"masked_eq", SCMP_CMP_MASKED_EQ},
    };
    size_t i;

    for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(word, ops[i].name) == 0) {
            *out = ops[i].op;
            return 0;
        }
    return -1;
}

/* "IDX:OP:VALUE[:VALUETWO]" */
static int parse_arg(char *word, struct scmp_arg_cmp *out)
{
    char *idx = strtok_r(word, ":", &word), *op = strtok_r(NULL, ":", &word);
    char *v1 = strtok_r(NULL, ":", &word), *v2 = strtok_r(NULL, ":", &word);
    char *end;
    enum scmp_compare cmp;

    if (idx == NULL || op == NULL || v1 == NULL || parse_op(op, &cmp) < 0)
        return -1;
    memset(out, 0, sizeof(*out));
    out->arg = (unsigned)strtoul(idx, &end, 10);
    if (*end != '\0' || out->arg >= MAX_ARGS)
        return -1;
    out->op = cmp;
    out->datum_a = strtoull(v1, &end, 10);
    if (*end != '\0')
        return -1;
    out->datum_b = v2 != NULL ? strtoull(v2, &end, 10) : 0;
    return v2 != NULL && *end != '\0' ? -1 : 0;
}

/* Add one syscall with its conditions, runc's way for repeated indexes. */
static int add_syscall(scmp_filter_ctx ctx, uint32_t action, int nr,
                       const struct scmp_arg_cmp *args, unsigned nargs)
{
    unsigned seen = 0, i;
    int repeated = 0, rc;

    for (i = 0; i < nargs; i++) {
        repeated |= (seen >> args[i].arg) & 1;
        seen |= 1u << args[i].arg;
    }
    if (!repeated)
        return seccomp_rule_add_array(ctx, action, nr, nargs, args);
    for (i = 0; i < nargs; i++)
        if ((rc = seccomp_rule_add_array(ctx, action, nr, 1, &args[i])) < 0)
            return rc;
    return 0;
}

/* One "ACTION NAMES [ARG...]" record (modified in place). */
static int add_rule(scmp_filter_ctx ctx, uint32_t def, char *rule, mb_error *err)
{
    char *save = NULL, *action_word = strtok_r(rule, " ", &save);
    char *names = strtok_r(NULL, " ", &save), *word, *name, *nsave = NULL;
    struct scmp_arg_cmp args[MAX_ARGS];
    unsigned nargs = 0;
    uint32_t action;

    if (action_word == NULL || names == NULL || parse_action(action_word, &action) < 0)
        return mb_error_detail(err, MB_EXIT_SETUP, "seccomp", "malformed rule");
    while ((word = strtok_r(NULL, " ", &save)) != NULL) {
        if (nargs == MAX_ARGS || parse_arg(word, &args[nargs]) < 0)
            return mb_error_detail(err, MB_EXIT_SETUP, "seccomp",
                                   "malformed argument condition");
        nargs++;
    }
    if (action == def)
        return 0; /* libseccomp refuses these; they change nothing */
    for (name = strtok_r(names, ",", &nsave); name != NULL;
         name = strtok_r(NULL, ",", &nsave)) {
        int nr = seccomp_syscall_resolve_name(name), rc;

        if (nr == __NR_SCMP_ERROR)
            continue; /* not a syscall of this architecture */
        if ((rc = add_syscall(ctx, action, nr, args, nargs)) < 0)
            return mb_error_with(err, -rc, "seccomp rule for %s", name);
    }
    return 0;
}

static int add_arches(scmp_filter_ctx ctx, const mb_security *s, mb_error *err)
{
    size_t i;
    int rc;

    for (i = 0; i < s->seccomp_arches.len; i++) {
        uint32_t arch = seccomp_arch_resolve_name(s->seccomp_arches.items[i]);

        if (arch == 0)
            return mb_error_detail(err, MB_EXIT_SETUP, "seccomp",
                                   "unknown architecture %s", s->seccomp_arches.items[i]);
        rc = seccomp_arch_add(ctx, arch);
        if (rc < 0 && rc != -EEXIST)
            return mb_error_with(err, -rc, "seccomp architecture %s",
                                 s->seccomp_arches.items[i]);
    }
    return 0;
}

static int build(scmp_filter_ctx ctx, const mb_security *s, uint32_t def,
                 mb_error *err)
{
    size_t i;
    int rc;

    /* No-new-privs is the caller's decision (sec.nnp), not libseccomp's. */
    if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
        return mb_error_with(err, -rc, "seccomp attribute");
    /* A binary tree of syscall numbers instead of a linear list: every
     * syscall of the container pays O(log n) checks, not O(n). */
    if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
        return mb_error_with(err, -rc, "seccomp attribute");
    if (add_arches(ctx, s, err) < 0)
        return -1;
    for (i = 0; i < s->seccomp_rules.len; i++) {
        /* strtok works in place: keep the config's record intact */
        char *rule = strdup(s->seccomp_rules.items[i]);

        if (rule == NULL)
            return mb_error_errno(err, "seccomp");
        rc = add_rule(ctx, def, rule, err);
        free(rule);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* The kernel's limit on a classic BPF program. */
#define BPF_MAXINSNS_BYTES (4096 * sizeof(struct sock_filter))

/* The whole of fd (at offset 0) into a fresh buffer, if it is a plausible
 * program: a non-empty multiple of one instruction, within the limit. */
static int read_program(int fd, void **out, size_t *len)
{
    struct stat st;
    char *buf;
    size_t got = 0;

    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0
        || (size_t)st.st_size > BPF_MAXINSNS_BYTES
        || st.st_size % sizeof(struct sock_filter) != 0)
        return -1;
    if ((buf = malloc((size_t)st.st_size)) == NULL)
        return -1;
    while (got < (size_t)st.st_size) {
        ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(buf);
            return -1;
        }
        got += (size_t)n;
    }
    *out = buf;
    *len = got;
    return 0;
}

/* A cache file we may trust: a regular file of root's, not a symlink,
 * writable by no one else (it lives in the 0700 state root). */
static int read_cache(const char *path, void **out, size_t *len)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = -1;

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) == 0 && st.st_uid == 0 && (st.st_mode & 022) == 0)
        rc = read_program(fd, out, len);
    close(fd);
    return rc;
}

/* Best effort: a failure only means compiling again next time. */
static void write_cache(const char *path, const void *prog, size_t len)
{
    char dir[PATH_MAX], tmp[PATH_MAX];
    char *slash;
    mb_error ignored;
    int fd;

    if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)
        || snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >= (int)sizeof(tmp)
        || (slash = strrchr(dir, '/')) == NULL || slash == dir)
        return;
    *slash = '\0';
    if (mb_mkdir_p(dir, &ignored) < 0 || chmod(dir, 0700) < 0)
        return;
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    if (write_all(fd, prog, len) < 0 || fsync(fd) < 0) {
        close(fd);
        unlink(tmp);
        return;
    }
    close(fd);
    if (rename(tmp, path) < 0)
        unlink(tmp);
}

/* Compile with libseccomp and take the program out through a memfd. */
static int compile(const mb_security *s, void **out, size_t *len, mb_error *err)
{
    scmp_filter_ctx ctx;
    uint32_t def;
    int rc, fd;

    if (parse_action(s->seccomp_default, &def) < 0)
        return mb_error_detail(err, MB_EXIT_SETUP, "seccomp",
                               "unknown default action %s", s->seccomp_default);
    if ((ctx = seccomp_init(def)) == NULL)
        return mb_error_detail(err, MB_EXIT_SETUP, "seccomp", "seccomp_init failed");
    fd = memfd_create("seccomp", MFD_CLOEXEC);
    rc = fd < 0 ? mb_error_errno(err, "memfd_create") : build(ctx, s, def, err);
    if (rc == 0 && (rc = seccomp_export_bpf(ctx, fd)) < 0)
        rc = mb_error_with(err, -rc, "export the seccomp filter");
    if (rc == 0 && read_program(fd, out, len) < 0)
        rc = mb_error_detail(err, MB_EXIT_SETUP, "seccomp", "filter too large");
    if (fd >= 0)
        close(fd);
    seccomp_release(ctx);
    return rc;
}

int seccomp_prepare(mb_security *s, mb_error *err)
{
    if (s->seccomp_default == NULL || s->bpf != NULL)
        return 0;
    if (s->seccomp_cache && read_cache(s->seccomp_cache, &s->bpf, &s->bpf_len) == 0)
        return 0;
    if (compile(s, &s->bpf, &s->bpf_len, err) < 0)
        return -1;
    if (s->seccomp_cache)
        write_cache(s->seccomp_cache, s->bpf, s->bpf_len);
    return 0;
}

int seccomp_load_filter(const mb_security *s, mb_error *err)
{
    struct sock_fprog prog;

    if (s->seccomp_default == NULL)
        return 0;
    if (s->bpf == NULL)
        return mb_error_detail(err, MB_EXIT_SETUP, "seccomp", "filter not prepared");
    prog.len = (unsigned short)(s->bpf_len / sizeof(struct sock_filter));
    prog.filter = s->bpf;
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
        return mb_error_errno(err, "load the seccomp filter");
    return 0;
}

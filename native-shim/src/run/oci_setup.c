/* oci_setup.c - see oci_setup.h. */
#include "run/oci_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/report.h"
#include "run/oci_hooks.h"

/* The init's pid as the runtime sees it, for the hooks' state: read
 * from the host's /proc while the init still has it (before pivot_root). */
static pid_t host_pid;

/* setns() to the namespace at path, of the kind flag. */
static int join(const char *path, int flag, mb_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return mb_error_errno(err, "open namespace %s", path);
    rc = setns(fd, flag);
    close(fd);
    if (rc < 0)
        return mb_error_errno(err, "join namespace %s", path);
    return 0;
}

int oci_clone_flags(const mb_config *cfg, int flags, mb_error *err)
{
    const char *pid_ns = ociconfig_ns_path(&cfg->oci, CLONE_NEWPID);
    size_t i;

    for (i = 0; i < cfg->oci.nns; i++)
        flags &= ~cfg->oci.ns[i].flag;
    flags &= ~cfg->oci.hostns; /* shared with the runtime (oci.hostns) */
    if (pid_ns != NULL && join(pid_ns, CLONE_NEWPID, err) < 0)
        return -1;
    return flags;
}

int oci_parent_before_release(const mb_config *cfg, pid_t pid, mb_error *err)
{
    if (oci_hooks_run(&cfg->oci, MB_HOOK_PRESTART, pid, "creating", err) < 0
        || oci_hooks_run(&cfg->oci, MB_HOOK_CREATE_RUNTIME, pid, "creating", err) < 0)
        return -1;
    return 0;
}

static pid_t read_host_pid(void)
{
    char buf[32];
    ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return (pid_t)atoi(buf);
}

int oci_child_join(const mb_config *cfg, mb_error *err)
{
    const char *d = cfg->oci.domainname;
    size_t i;

    host_pid = read_host_pid();
    for (i = 0; i < cfg->oci.nns; i++)
        if (cfg->oci.ns[i].flag != CLONE_NEWPID
            && join(cfg->oci.ns[i].path, cfg->oci.ns[i].flag, err) < 0)
            return -1;
    if (d != NULL && setdomainname(d, strlen(d)) < 0)
        return mb_error_errno(err, "setdomainname");
    return 0;
}

int oci_child_before_pivot(const mb_config *cfg, mb_error *err)
{
    return oci_hooks_run(&cfg->oci, MB_HOOK_CREATE_CONTAINER, host_pid, "creating", err);
}

int oci_child_after_pivot(const mb_config *cfg, mb_error *err)
{
    if (cfg->oci.rootprop != 0 && mount(NULL, "/", NULL, cfg->oci.rootprop, NULL) < 0)
        return mb_error_errno(err, "rootfs propagation");
    return 0;
}

static int write_oom_score_adj(const char *value, mb_error *err)
{
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    int rc = 0;

    if (fd < 0)
        return mb_error_errno(err, "open /proc/self/oom_score_adj");
    if (write_all(fd, value, strlen(value)) < 0)
        rc = mb_error_errno(err, "oom_score_adj %s", value);
    close(fd);
    return rc;
}

int oci_child_before_exec(const mb_config *cfg, mb_error *err)
{
    if (cfg->oci.has_umask)
        umask(cfg->oci.umask);
    if (cfg->oci.oomscoreadj != NULL && write_oom_score_adj(cfg->oci.oomscoreadj, err) < 0)
        return -1;
    return oci_hooks_run(&cfg->oci, MB_HOOK_START_CONTAINER, host_pid, "created", err);
}

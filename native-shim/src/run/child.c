/* child.c - runs as PID 1 of the new namespaces: waits for the parent,
 * joins the v1 cgroups, builds the container's filesystem view, then execs
 * the program.  Any failure is reported as one line on the error pipe
 * (errpipe.h). */
#include "run/child.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/signals.h"
#include "common/trace.h"
#include "common/util.h"
#include "net/network.h"
#include "run/cgroup_join.h"
#include "run/cgroupfs.h"
#include "run/childio.h"
#include "run/devices.h"
#include "run/errpipe.h"
#include "run/execve.h"
#include "run/masked_paths.h"
#include "run/rlimits.h"
#include "run/init.h"
#include "run/sysctls.h"
#include "run/mounts.h"
#include "run/oci_mounts.h"
#include "run/oci_start.h"
#include "run/oci_setup.h"
#include "run/preserve_fds.h"
#include "run/rootfs.h"
#include "security/confine.h"
#include "run/user.h"
#include "run/userns.h"

/* Die with the shim, and do not start before it joined our cgroups. */
static int wait_for_parent(const mb_child_ctx *ctx, mb_error *err)
{
    char byte;
    ssize_t n;

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        return mb_error_errno(err, "prctl PR_SET_PDEATHSIG");
    /* The usual "getppid() changed?" race check is useless here: in a new
     * PID namespace getppid() is always 0.  The sync pipe covers the race
     * instead: if the parent died before prctl(), its write end is closed
     * and we read EOF. */
    do
        n = read(ctx->sync_rd, &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return mb_error_errno(err, "read sync pipe");
    if (n == 0)
        return mb_error_detail(err, MB_EXIT_SETUP, "sync", "parent exited");
    close(ctx->sync_rd);
    return 0;
}

/* Everything that happens in the mount namespace, in dependency order. */
static int setup_mounts(const mb_config *cfg, mb_error *err)
{
    if (rootfs_isolate(cfg->oci.rootprop, err) < 0 || rootfs_mount_overlay(cfg, err) < 0
        || rootfs_mount_proc(cfg->rootfs, err) < 0
        || sysctls_apply(cfg->rootfs, &cfg->opts, err) < 0
        || devices_setup(cfg->rootfs, userns_active(cfg), err) < 0
        || userns_bind_devices(cfg, err) < 0
        || shm_resize(cfg->rootfs, &cfg->opts, err) < 0
        || (userns_active(cfg) ? userns_mount_sys(cfg->rootfs, cfg->sec.privileged, err)
                               : rootfs_mount_sys(cfg->rootfs, cfg->sec.privileged, err)) < 0
        || cgroupfs_mount(cfg->rootfs, cfg->cgroupfs, err) < 0
        || oci_mounts_apply(cfg, err) < 0
        || masked_paths_apply(cfg->rootfs, &cfg->sec, err) < 0
        || net_bind_etc(&cfg->net, cfg->rootfs, err) < 0
        || mounts_readonly_root(cfg->rootfs, &cfg->mounts, err) < 0
        || oci_child_before_pivot(cfg, err) < 0
        || rootfs_pivot(cfg->rootfs, err) < 0
        || oci_child_after_pivot(cfg, err) < 0
        /* in a user namespace they were bound before pivot_root */
        || (!userns_active(cfg) && devices_add_nodes(&cfg->dev, err) < 0))
        return -1;
    return 0;
}

static int setup_process(const mb_config *cfg, mb_error *err)
{
    const char *h = cfg->hostname;

    /* None asked for (empty): the UTS namespace keeps its name, which may
     * be the host's (minibox-runtime without a uts namespace). */
    if (h != NULL && h[0] != '\0' && sethostname(h, strlen(h)) < 0)
        return mb_error_errno(err, "sethostname");
    if (net_child_setup(&cfg->net, err) < 0)
        return -1;
    /* Like Docker's WorkingDir: created on demand, inside the new root. */
    if (mb_mkdir_p(cfg->cwd, err) < 0)
        return -1;
    if (chdir(cfg->cwd) < 0)
        return mb_error_errno(err, "chdir %s", cfg->cwd);
    umask(022);
    if (signals_reset(err) < 0)
        return -1;
    /* Whatever the caller leaked to us beyond stdio must not reach the
     * container; the error pipe stays open until the execve() itself. */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0 && errno != ENOSYS)
        return mb_error_errno(err, "close_range");
    return 0;
}

/* The image's USER (root when unset), resolved in the container's own
 * /etc/passwd and /etc/group now that "/" is its root; *run is cfg with
 * the program's environment (HOME from passwd when the env has none). */
static int become_user(const mb_child_ctx *ctx, mb_config *run,
                       mb_error *err)
{
    const mb_config *cfg = ctx->cfg;
    mb_user user;

    *run = *cfg;
    if (user_prepare(cfg, MB_EXIT_SETUP, &user, &run->env, err) < 0
        || childio_chown_tty(ctx, user.uid, user.gid, err) < 0
        || userdb_switch(&user, err) < 0)
        return -1;
    return 0;
}

int child_main(void *arg)
{
    const mb_child_ctx *ctx = arg;
    const mb_config *cfg = ctx->cfg;
    mb_config run;
    mb_error err;

    close(ctx->sync_wr);
    close(ctx->err_rd);
    oci_start_child_init(cfg);
    /* The parent joined us to the v2 cgroups (if any); the v1 ones we
     * join ourselves, before anything else runs here (cgroup_join.c),
     * and still as the host's root that owns their files before we become
     * root of our user namespace, if any (userns.h). */
    if (wait_for_parent(ctx, &err) < 0
        || cgroup_join_self(&cfg->cgroups, &err) < 0
        || userns_child_enter(cfg, &err) < 0
        || childio_setup(ctx, &err) < 0)
        errpipe_fail(ctx->err_wr, &err);
    /* Now we are in our cgroups: make them the root of our cgroup view. */
    if (unshare(CLONE_NEWCGROUP) < 0) {
        mb_error_errno(&err, "unshare cgroup namespace");
        errpipe_fail(ctx->err_wr, &err);
    }
    if (trace_on())
        trace_step("unshare", "(CLONE_NEWCGROUP)", NULL, "its cgroups are now its /", "namespaces");
    if (oci_child_join(cfg, &err) < 0)
        errpipe_fail(ctx->err_wr, &err);
    /* Device nodes and mount points get exactly the modes we ask for. */
    umask(0);
    /* The pty comes from the container's own devpts once "/" is its root
     * (childio.h); confinement around the user switch, in runc's order
     * (confine.h). */
    if (setup_mounts(cfg, &err) < 0 || childio_open_pty(ctx, &err) < 0
        || childio_bind_console(ctx, &err) < 0
        || setup_process(cfg, &err) < 0
        || rlimits_apply(&cfg->opts, &err) < 0
        || oci_start_child_wait(cfg, &err) < 0
        || oci_child_before_exec(cfg, &err) < 0
        || oci_start_child_release(&err) < 0
        || preserve_fds_place(&cfg->opts, &err) < 0
        || confine_before_user(&cfg->sec, &err) < 0
        || become_user(ctx, &run, &err) < 0
        || confine_after_user(&cfg->sec, &err) < 0)
        errpipe_fail(ctx->err_wr, &err);
    if (cfg->opts.init && init_fork(&err) < 0)
        errpipe_fail(ctx->err_wr, &err);
    exec_container(&run, &err);
    errpipe_fail(ctx->err_wr, &err);
}

/* userns.c - see userns.h. */
#include "run/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/report.h"
#include "common/trace.h"
#include "common/util.h"
#include "common/wait.h"
#include "run/namespaces.h"
#include "run/rlimits.h"
#include "run/rootfs.h"

/* A uid_map write must be one write(2) of less than a page; 340 lines of
 * three 10-digit numbers do not fit one, and the kernel says so (EINVAL). */
#define MAP_TEXT_MAX 16384

int userns_active(const mb_config *cfg)
{
    return cfg->oci.userns != NULL;
}

static int is_new(const mb_config *cfg)
{
    return userns_active(cfg) && strcmp(cfg->oci.userns, "new") == 0;
}

/* runc's refusals (libcontainer/configs/validate), in case a caller other
 * than minibox-runtime (which checks them first) sends such a config. */
static int check_maps(const mb_config *cfg, mb_error *err)
{
    int has_maps = cfg->oci.nuidmap > 0 || cfg->oci.ngidmap > 0;

    if (!userns_active(cfg) && has_maps)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "user namespace mappings specified, but user namespace isn't enabled");
    if (is_new(cfg) && (cfg->oci.nuidmap == 0 || cfg->oci.ngidmap == 0))
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "a new user namespace needs both oci.uidmap and oci.gidmap");
    if (userns_active(cfg) && !is_new(cfg) && has_maps)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "a joined user namespace has its own mappings");
    return 0;
}

/* ---- joining an existing user namespace --------------------------------
 * The namespaces clone() makes are owned by the caller's user namespace,
 * and a process cannot setns() back out of a user namespace it joined.  So,
 * like runc's stage-1, a short-lived intermediate joins it and clones the
 * init with CLONE_PARENT: the init is still our child, in namespaces the
 * joined user namespace owns.  Its pid in the intermediate's pid namespace
 * may not be ours: it comes back as a pidfd, which we read our pid from. */

enum { STEP_OK, STEP_OPEN, STEP_JOIN, STEP_CLONE };

struct verdict {
    int step;
    int errnum;
};

static void send_verdict(int sock, const struct verdict *v, int pidfd)
{
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = (void *)v, .iov_len = sizeof(*v) };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

    if (pidfd >= 0) {
        struct cmsghdr *c;

        memset(control, 0, sizeof(control));
        msg.msg_control = control;
        msg.msg_controllen = sizeof(control);
        c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pidfd, sizeof(int));
    }
    while (sendmsg(sock, &msg, 0) < 0 && errno == EINTR)
        ;
}

/* 1 with *v (and *pidfd when the step was STEP_OK), 0 when the
 * intermediate died without a word. */
static int recv_verdict(int sock, struct verdict *v, int *pidfd)
{
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = v, .iov_len = sizeof(*v) };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = control, .msg_controllen = sizeof(control) };
    struct cmsghdr *c;
    ssize_t n;

    *pidfd = -1;
    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(*v))
        return 0;
    for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            memcpy(pidfd, CMSG_DATA(c), sizeof(int));
    return 1;
}

static void __attribute__((noreturn))
intermediate(const char *path, int (*fn)(void *), void *arg, int flags, int sock)
{
    struct verdict v = { STEP_OK, 0 };
    int fd = open(path, O_RDONLY | O_CLOEXEC), pidfd = -1;
    mb_error err;

    if (fd < 0)
        v = (struct verdict){ STEP_OPEN, errno };
    else if (setns(fd, CLONE_NEWUSER) < 0)
        v = (struct verdict){ STEP_JOIN, errno };
    else if (ns_clone_pidfd(fn, arg, flags | CLONE_PARENT, &pidfd, &err) < 0)
        v = (struct verdict){ STEP_CLONE, err.errnum };
    send_verdict(sock, &v, pidfd);
    _exit(v.step == STEP_OK ? 0 : 1);
}

/* The pid a pidfd refers to, in our pid namespace (its fdinfo's "Pid:"). */
static pid_t pidfd_pid(int pidfd)
{
    char path[64], buf[1024];
    ssize_t n;
    char *p;
    int fd;

    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    p = strstr(buf, "\nPid:");
    return p == NULL ? -1 : (pid_t)atoi(p + 5);
}

static pid_t clone_joined(const char *path, int (*fn)(void *), void *arg,
                          int flags, mb_error *err)
{
    struct verdict v;
    int sv[2], pidfd, heard;
    pid_t mid, pid;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return mb_error_errno(err, "socketpair");
    mid = fork();
    if (mid < 0) {
        close(sv[0]);
        close(sv[1]);
        return mb_error_errno(err, "fork");
    }
    if (mid == 0) {
        close(sv[0]);
        intermediate(path, fn, arg, flags, sv[1]);
    }
    close(sv[1]);
    heard = recv_verdict(sv[0], &v, &pidfd);
    close(sv[0]);
    wait_reap(mid);
    if (!heard)
        return mb_error_detail(err, MB_EXIT_SETUP, "user namespace",
                               "the process joining %s died", path);
    if (v.step == STEP_OPEN)
        return mb_error_with(err, v.errnum, "open user namespace %s", path);
    if (v.step == STEP_JOIN)
        return mb_error_with(err, v.errnum, "join user namespace %s", path);
    if (v.step == STEP_CLONE)
        return mb_error_with(err, v.errnum, "clone");
    pid = pidfd < 0 ? -1 : pidfd_pid(pidfd);
    if (pidfd >= 0)
        close(pidfd);
    if (pid <= 0)
        return mb_error_detail(err, MB_EXIT_SETUP, "user namespace",
                               "no pid for the init cloned in %s", path);
    return pid;
}

pid_t userns_clone(const mb_config *cfg, int (*fn)(void *), void *arg,
                   int flags, mb_error *err)
{
    if (check_maps(cfg, err) < 0)
        return -1;
    if (!userns_active(cfg))
        return ns_clone(fn, arg, flags, err);
    /* One clone: the other new namespaces are owned by the new user
     * namespace, which is what lets its root mount proc, sysfs, mqueue. */
    if (is_new(cfg))
        return ns_clone(fn, arg, flags | CLONE_NEWUSER, err);
    return clone_joined(cfg->oci.userns, fn, arg, flags, err);
}

/* ---- the parent: maps, limits, exec.fifo ------------------------------ */

static int format_map(const mb_oci_idmap *m, size_t n, char *buf, size_t size)
{
    size_t len = 0, i;

    for (i = 0; i < n; i++) {
        int w = snprintf(buf + len, size - len, "%lu %lu %lu\n", m[i].container,
                         m[i].host, m[i].size);

        if (w < 0 || (size_t)w >= size - len)
            return -1;
        len += (size_t)w;
    }
    return (int)len;
}

/* One write(2): the kernel takes a map whole or not at all. */
static int write_map(pid_t pid, const char *file, const mb_oci_idmap *m,
                     size_t n, mb_error *err)
{
    char path[64], *text = malloc(MAP_TEXT_MAX);
    int len, fd, rc = 0;
    ssize_t w;

    if (text == NULL)
        return mb_error_errno(err, "%s", file);
    len = format_map(m, n, text, MAP_TEXT_MAX);
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    fd = len < 0 ? -1 : open(path, O_WRONLY | O_CLOEXEC);
    if (len < 0)
        rc = mb_error_detail(err, MB_EXIT_SETUP, file, "too long");
    else if (fd < 0)
        rc = mb_error_errno(err, "open %s", path);
    else {
        do
            w = write(fd, text, (size_t)len);
        while (w < 0 && errno == EINTR);
        if (w != len)
            rc = mb_error_errno(err, "write %s", file);
        else if (trace_on())
            trace_write(path, text, "user namespace");
    }
    if (fd >= 0)
        close(fd);
    free(text);
    return rc;
}

/* The host id that id 0 of pid's user namespace is (its uid_map or gid_map
 * as we see it); -1 when 0 is not mapped. */
static long host_root(pid_t pid, const char *file)
{
    char path[64], line[128];
    unsigned long c, h, s;
    long found = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    f = fopen(path, "re");
    if (f == NULL)
        return -1;
    while (found < 0 && fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "%lu %lu %lu", &c, &h, &s) == 3 && c == 0 && s > 0)
            found = (long)h;
    fclose(f);
    return found;
}

/* nomonitor: the init opens exec.fifo (0600, ours) for writing as the
 * container's root: it must be that root's (runc chowns it the same way). */
static int give_fifo(const mb_config *cfg, pid_t pid, mb_error *err)
{
    long uid = host_root(pid, "uid_map"), gid = host_root(pid, "gid_map");

    if (cfg->opts.execfifo == NULL || !cfg->opts.nomonitor || uid < 0 || gid < 0)
        return 0;
    if (chown(cfg->opts.execfifo, (uid_t)uid, (gid_t)gid) < 0)
        return mb_error_errno(err, "chown %s", cfg->opts.execfifo);
    return 0;
}

int userns_parent_setup(const mb_config *cfg, pid_t pid, mb_error *err)
{
    if (!userns_active(cfg))
        return 0;
    /* uid_map first, then gid_map (runc's order); setgroups is left
     * "allow": the maps' writer is root of the parent namespace. */
    if (is_new(cfg)
        && (write_map(pid, "uid_map", cfg->oci.uidmap, cfg->oci.nuidmap, err) < 0
            || write_map(pid, "gid_map", cfg->oci.gidmap, cfg->oci.ngidmap, err) < 0))
        return -1;
    /* The init's own setrlimit (child.c) then only repeats these. */
    if (rlimits_apply_to(&cfg->opts, pid, err) < 0)
        return -1;
    return give_fifo(cfg, pid, err);
}

/* ---- the child -------------------------------------------------------- */

int userns_child_enter(const mb_config *cfg, mb_error *err)
{
    if (!userns_active(cfg))
        return 0;
    /* The host's groups are not mapped: none.  A joined namespace whose
     * setgroups is "deny" refuses this, and has no groups to drop either. */
    if (setgroups(0, NULL) < 0 && errno != EPERM)
        return mb_error_errno(err, "setgroups");
    if (setresgid(0, 0, 0) < 0)
        return mb_error_errno(err, "setresgid 0 in the user namespace (is gid 0 mapped?)");
    if (setresuid(0, 0, 0) < 0)
        return mb_error_errno(err, "setresuid 0 in the user namespace (is uid 0 mapped?)");
    /* A uid change clears both: our /proc files must stay ours (the
     * container's root writes /proc/self/oom_score_adj), and we must still
     * die with the shim. */
    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        return mb_error_errno(err, "prctl");
    if (trace_on())
        trace_step("setresuid", "(0, 0, 0)", NULL, "root of its user namespace", "user namespace");
    return 0;
}

int userns_mount_sys(const char *rootfs, int writable, mb_error *err)
{
    char path[PATH_MAX];

    if (rootfs_mount_sys(rootfs, writable, err) == 0)
        return 0;
    /* sysfs mounts only for the user namespace that owns the network
     * namespace: without one of its own, the host's /sys (runc). */
    if (err->errnum != EPERM
        || mb_path_join(path, sizeof(path), rootfs, "/sys", err) < 0
        || mb_mount("/sys", path, NULL, MS_BIND | MS_REC, NULL, "/sys (bind)", err) < 0)
        return -1;
    if (writable)
        return 0;
    /* nosuid, nodev, noexec: the host's, locked on its mount. */
    return mb_mount(NULL, path, NULL,
                    MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                    NULL, "/sys (read-only)", err);
}

int userns_bind_node(const char *host_path, const char *target, mb_error *err)
{
    int fd = open(target, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);

    if (fd < 0 && errno != EEXIST)
        return mb_error_errno(err, "create %s", host_path);
    if (fd >= 0)
        close(fd);
    return mb_mount(host_path, target, NULL, MS_BIND, NULL, host_path, err);
}

int userns_bind_devices(const mb_config *cfg, mb_error *err)
{
    char path[PATH_MAX], dir[PATH_MAX];
    struct stat st;
    size_t i;

    if (!userns_active(cfg))
        return 0;
    for (i = 0; i < cfg->dev.nnodes; i++) {
        const mb_dev_node *n = &cfg->dev.nodes[i];
        char *slash;

        if (stat(n->path, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
            return mb_error_detail(err, MB_EXIT_SETUP, "device",
                                   "%s: in a user namespace the host's node of that path is bound (mknod is not allowed), and the host has none",
                                   n->path);
        if (mb_path_join(path, sizeof(path), cfg->rootfs, n->path, err) < 0)
            return -1;
        snprintf(dir, sizeof(dir), "%s", path);
        slash = strrchr(dir, '/');
        if (slash != NULL && slash != dir) {
            *slash = '\0';
            if (mb_mkdir_p(dir, err) < 0)
                return -1;
        }
        if (userns_bind_node(n->path, path, err) < 0)
            return -1;
    }
    return 0;
}

int userns_join_of(const char *pid, mb_error *err)
{
    struct stat ours, theirs;
    char path[64];
    int fd, rc = 0;

    snprintf(path, sizeof(path), "/proc/%s/ns/user", pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mb_error_errno(err, "open %s", path);
    if (fstat(fd, &theirs) < 0 || stat("/proc/self/ns/user", &ours) < 0)
        rc = mb_error_errno(err, "stat %s", path);
    else if ((theirs.st_dev != ours.st_dev || theirs.st_ino != ours.st_ino)
             && setns(fd, CLONE_NEWUSER) < 0)
        rc = mb_error_errno(err, "setns user");
    close(fd);
    return rc;
}

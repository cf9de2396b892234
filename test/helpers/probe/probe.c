/* probe.c - escape probes for the confinement tests.
 *
 * Each probe makes one attempt at something a confined container must not
 * (or, under --privileged, may) do and prints one line:
 *     ALLOWED                  the call succeeded (any side effect undone)
 *     DENIED <errno name>      it failed, e.g. "DENIED EPERM"
 * Several probes in one run: separate them with ",", e.g.
 *     probe mount /mnt , keyctl , reboot
 * then every line is prefixed with the probe's name: "mount ALLOWED".
 * Every probe runs in a forked child, so they do not affect each other.
 * Exit status: 0 if every probe was allowed, 1 if one was denied, 2 for
 * usage errors.  Built statically by test/helpers/probe/index.ts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

typedef int (*probe_fn)(int argc, char **argv);

/* A result: 0 = allowed, else the errno of the refusal. */
static int result(long rc)
{
    return rc < 0 ? errno : 0;
}

static int p_mount(int argc, char **argv)
{
    const char *target = argc > 0 ? argv[0] : "/mnt";
    int rc;

    mkdir(target, 0755);
    rc = mount("probe", target, "tmpfs", 0, "size=64k");
    if (rc == 0)
        umount2(target, MNT_DETACH);
    return result(rc);
}

static int p_umount(int argc, char **argv)
{
    /* Lazily: if it is allowed the mount goes away, which the caller meant. */
    return result(umount2(argc > 0 ? argv[0] : "/proc", MNT_DETACH));
}

static int p_swapon(int argc, char **argv)
{
    int rc = swapon(argc > 0 ? argv[0] : "/dev/null", 0);

    if (rc == 0)
        swapoff(argc > 0 ? argv[0] : "/dev/null");
    return result(rc);
}

static int p_reboot(int argc, char **argv)
{
    (void)argc, (void)argv;
    /* CAD_OFF only turns off ctrl-alt-del rebooting; in a child PID
     * namespace the kernel even refuses it with EINVAL (past the checks). */
    return result(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
                          LINUX_REBOOT_CMD_CAD_OFF, NULL));
}

static int p_init_module(int argc, char **argv)
{
    static char empty[1];

    (void)argc, (void)argv;
    /* An empty image can never load: past the permission checks it fails
     * with ENOEXEC/EINVAL, which still counts as "the call was let through". */
    if (syscall(SYS_init_module, empty, 0UL, "") == 0)
        return 0;
    return errno == ENOEXEC || errno == EINVAL || errno == EFAULT ? 0 : errno;
}

static int p_write(int argc, char **argv)
{
    const char *text = argc > 1 ? argv[1] : "";
    int fd, rc;

    if (argc < 1)
        return EINVAL;
    fd = open(argv[0], O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    rc = (int)write(fd, text, strlen(text));
    rc = rc < 0 ? errno : 0;
    close(fd);
    return rc;
}

static int p_read(int argc, char **argv)
{
    char buf[64];
    int fd, rc;

    if (argc < 1)
        return EINVAL;
    fd = open(argv[0], O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    rc = read(fd, buf, sizeof buf) < 0 ? errno : 0;
    close(fd);
    return rc;
}

static int p_open(int argc, char **argv)
{
    int flags = O_RDONLY, fd;

    if (argc < 1)
        return EINVAL;
    if (argc > 1 && strcmp(argv[1], "rw") == 0)
        flags = O_RDWR;
    else if (argc > 1 && strcmp(argv[1], "w") == 0)
        flags = O_WRONLY;
    fd = open(argv[0], flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno;
    close(fd);
    return 0;
}

static int p_mknod(int argc, char **argv)
{
    mode_t type;

    if (argc < 4)
        return EINVAL;
    type = argv[1][0] == 'b' ? S_IFBLK : S_IFCHR;
    return result(mknod(argv[0], type | 0600,
                        makedev(atoi(argv[2]), atoi(argv[3]))));
}

static int p_raw_socket(int argc, char **argv)
{
    int fd;

    (void)argc, (void)argv;
    fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (fd < 0)
        return errno;
    close(fd);
    return 0;
}

static int p_ptrace(int argc, char **argv)
{
    pid_t pid;

    if (argc < 1)
        return EINVAL;
    pid = (pid_t)atoi(argv[0]);
    if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
        return errno;
    waitpid(pid, NULL, __WALL);
    ptrace(PTRACE_DETACH, pid, NULL, NULL);
    return 0;
}

static int p_keyctl(int argc, char **argv)
{
    (void)argc, (void)argv;
    /* KEYCTL_GET_KEYRING_ID (0) of the session keyring (-3), create=0 */
    return result(syscall(SYS_keyctl, 0, -3, 0));
}

static int p_add_key(int argc, char **argv)
{
    (void)argc, (void)argv;
    return result(syscall(SYS_add_key, "user", "probe", "x", 1, -3));
}

static int p_unshare_user(int argc, char **argv)
{
    (void)argc, (void)argv;
    return result(unshare(CLONE_NEWUSER));
}

static int p_unshare_mount(int argc, char **argv)
{
    (void)argc, (void)argv;
    return result(unshare(CLONE_NEWNS));
}

/* clone(2) with namespace flags, the raw syscall (no glibc clone3). */
static int p_clone_ns(int argc, char **argv)
{
    long pid;

    (void)argc, (void)argv;
    pid = syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid == 0)
        _exit(0);
    if (pid < 0)
        return errno;
    waitpid((pid_t)pid, NULL, 0);
    return 0;
}

static int p_clone3(int argc, char **argv)
{
    (void)argc, (void)argv;
    /* A NULL argument: if the filter lets it through the kernel says EFAULT. */
    if (syscall(435 /* clone3 */, NULL, 0UL) < 0 && errno != EFAULT && errno != EINVAL)
        return errno;
    return 0;
}

static int p_sethostname(int argc, char **argv)
{
    const char *name = argc > 0 ? argv[0] : "probe";

    return result(sethostname(name, strlen(name)));
}

static int p_chroot(int argc, char **argv)
{
    return result(chroot(argc > 0 ? argv[0] : "/"));
}

static int p_syslog(int argc, char **argv)
{
    char buf[256];

    (void)argc, (void)argv;
    return result(klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof buf));
}

static int p_mkdir(int argc, char **argv)
{
    if (argc < 1)
        return EINVAL;
    if (mkdir(argv[0], 0755) < 0)
        return errno;
    rmdir(argv[0]);
    return 0;
}

static int p_personality(int argc, char **argv)
{
    unsigned long persona = argc > 0 ? strtoul(argv[0], NULL, 0) : 0;
    int old = personality(0xffffffff);

    if (personality(persona) < 0)
        return errno;
    personality((unsigned long)old);
    return 0;
}

static int p_setuid(int argc, char **argv)
{
    return result(setuid((uid_t)(argc > 0 ? atoi(argv[0]) : 0)));
}

static int p_kill(int argc, char **argv)
{
    if (argc < 1)
        return EINVAL;
    return result(kill((pid_t)atoi(argv[0]), argc > 1 ? atoi(argv[1]) : 0));
}

/* Type TEXT into the terminal on FD (default 0), one TIOCSTI per byte. */
static int p_tiocsti(int argc, char **argv)
{
    int fd = argc > 0 ? atoi(argv[0]) : 0;
    const char *text = argc > 1 ? argv[1] : "";

    for (; *text != '\0'; text++)
        if (ioctl(fd, TIOCSTI, text) < 0)
            return errno;
    return 0;
}

static const struct {
    const char *name;
    probe_fn fn;
    const char *usage;
} probes[] = {
    {"mount", p_mount, "[DIR]  mount a tmpfs (then unmount it)"},
    {"umount", p_umount, "[DIR]  umount2(MNT_DETACH), default /proc"},
    {"swapon", p_swapon, "[FILE]  default /dev/null"},
    {"reboot", p_reboot, "  LINUX_REBOOT_CMD_CAD_OFF"},
    {"init_module", p_init_module, "  an empty module image"},
    {"write", p_write, "FILE [TEXT]"},
    {"read", p_read, "FILE"},
    {"open", p_open, "FILE [r|w|rw]"},
    {"mknod", p_mknod, "PATH b|c MAJOR MINOR"},
    {"raw-socket", p_raw_socket, "  AF_INET SOCK_RAW"},
    {"ptrace", p_ptrace, "PID  PTRACE_ATTACH (then detach)"},
    {"keyctl", p_keyctl, "  KEYCTL_GET_KEYRING_ID"},
    {"add_key", p_add_key, ""},
    {"unshare-user", p_unshare_user, "  unshare(CLONE_NEWUSER)"},
    {"unshare-mount", p_unshare_mount, "  unshare(CLONE_NEWNS)"},
    {"clone-ns", p_clone_ns, "  clone(CLONE_NEWUTS)"},
    {"clone3", p_clone3, "  ALLOWED unless the filter refuses clone3 itself"},
    {"sethostname", p_sethostname, "[NAME]"},
    {"chroot", p_chroot, "[DIR]"},
    {"syslog", p_syslog, "  klogctl READ_ALL (what dmesg does)"},
    {"mkdir", p_mkdir, "DIR  (then rmdir)"},
    {"personality", p_personality, "[PERSONA]"},
    {"setuid", p_setuid, "[UID]"},
    {"kill", p_kill, "PID [SIG]"},
    {"tiocsti", p_tiocsti, "[FD] TEXT"},
};

static void usage(void)
{
    size_t i;

    fprintf(stderr, "usage: probe NAME [ARGS] [, NAME [ARGS]]...\n");
    for (i = 0; i < sizeof probes / sizeof probes[0]; i++)
        fprintf(stderr, "  %s %s\n", probes[i].name, probes[i].usage);
}

static probe_fn find(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof probes / sizeof probes[0]; i++)
        if (strcmp(probes[i].name, name) == 0)
            return probes[i].fn;
    return NULL;
}

/* Each probe in a child of its own, so one that changes the process (an
 * unshare, a setuid) does not change what the next one sees. */
static int isolated(probe_fn fn, int argc, char **argv)
{
    int status;
    pid_t pid = fork();

    if (pid < 0)
        return errno;
    if (pid == 0)
        _exit(fn(argc, argv) & 0xff);
    if (waitpid(pid, &status, 0) < 0)
        return errno;
    return WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
}

/* Run argv[0..argc) as one probe; print its line; 0 allowed, 1 denied. */
static int run_one(int argc, char **argv, int prefixed)
{
    probe_fn fn = find(argv[0]);
    int e;

    if (fn == NULL) {
        fprintf(stderr, "probe: unknown probe %s\n", argv[0]);
        usage();
        exit(2);
    }
    e = isolated(fn, argc - 1, argv + 1);
    if (prefixed)
        printf("%s ", argv[0]);
    if (e == 0)
        printf("ALLOWED\n");
    else
        printf("DENIED %s\n", strerrorname_np(e) ? strerrorname_np(e) : "E?");
    fflush(stdout);
    return e != 0;
}

int main(int argc, char **argv)
{
    int start = 1, i, denied = 0, multi = 0;

    if (argc < 2) {
        usage();
        return 2;
    }
    for (i = 1; i < argc; i++)
        multi |= strcmp(argv[i], ",") == 0;
    for (i = 1; i <= argc; i++) {
        if (i < argc && strcmp(argv[i], ",") != 0)
            continue;
        if (i > start)
            denied |= run_one(i - start, argv + start, multi);
        start = i + 1;
    }
    return denied;
}

/* device_filter.c - see device_filter.h.
 *
 * The kernel calls the program with struct bpf_cgroup_dev_ctx in r1:
 *   access_type (u32 at 0): BPF_DEVCG_ACC_* << 16 | BPF_DEVCG_DEV_*
 *   major (u32 at 4), minor (u32 at 8)
 * and allows the access when it returns 1.  The program:
 *   r2 = device type, r3 = requested access, r4 = major, r5 = minor
 *   per exception: if every check matches, return its verdict
 *   return the default
 * An allow exception matches when the request is a subset of its access, a
 * deny exception when the request overlaps it: the same as the v1 kernel's
 * match_exception / match_exception_partial. */
#include "security/device_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define R0 0
#define R1 1
#define R2 2
#define R3 3
#define R4 4
#define R5 5

/* Prologue 6, per exception at most 8, epilogue 2. */
#define MAX_INSNS(n) (8 + 8 * (n))

static struct bpf_insn insn(__u8 code, __u8 dst, __u8 src, __s16 off,
                            __s32 imm)
{
    struct bpf_insn i;

    memset(&i, 0, sizeof(i));
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

#define LDX_W(dst, off) insn(BPF_LDX | BPF_MEM | BPF_W, dst, R1, off, 0)
#define ALU32_K(op, dst, imm) insn(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV64_X(dst, src) insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define JMP_K(op, dst, imm) insn(BPF_JMP | (op) | BPF_K, dst, 0, 0, imm)
#define JMP_X(op, dst, src) insn(BPF_JMP | (op) | BPF_X, dst, src, 0, 0)
#define RET(v) insn(BPF_ALU | BPF_MOV | BPF_K, R0, 0, 0, v), \
               insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define ALL_ACCESS (MB_DEV_MKNOD | MB_DEV_READ | MB_DEV_WRITE)

/* One exception's block; its jumps go to the next block.  n = insns used. */
static size_t emit_rule(const mb_dev_rule *r, int allow, struct bpf_insn *o)
{
    size_t n = 0, jumps[4], nj = 0, i;

    o[n] = JMP_K(BPF_JNE, R2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK
                                             : BPF_DEVCG_DEV_CHAR);
    jumps[nj++] = n++;
    if (r->access != ALL_ACCESS) {
        /* r1 (the context) is no longer needed: scratch. */
        o[n++] = MOV64_X(R1, R3);
        o[n++] = ALU32_K(BPF_AND, R1, (__s32)r->access);
        o[n] = allow ? JMP_X(BPF_JNE, R1, R3) : JMP_K(BPF_JEQ, R1, 0);
        jumps[nj++] = n++;
    }
    if (r->major != MB_DEV_ANY) {
        o[n] = JMP_K(BPF_JNE, R4, (__s32)r->major);
        jumps[nj++] = n++;
    }
    if (r->minor != MB_DEV_ANY) {
        o[n] = JMP_K(BPF_JNE, R5, (__s32)r->minor);
        jumps[nj++] = n++;
    }
    {
        struct bpf_insn ret[] = { RET(allow ? 1 : 0) };

        o[n++] = ret[0];
        o[n++] = ret[1];
    }
    for (i = 0; i < nj; i++)
        o[jumps[i]].off = (__s16)(n - jumps[i] - 1);
    return n;
}

long devfilter_emit(const mb_dev_config *dev, struct bpf_insn *out, size_t cap)
{
    struct bpf_insn prologue[] = {
        LDX_W(R2, 0),
        ALU32_K(BPF_AND, R2, 0xffff),
        LDX_W(R3, 0),
        ALU32_K(BPF_RSH, R3, 16),
        LDX_W(R4, 4),
        LDX_W(R5, 8),
    };
    struct bpf_insn epilogue[] = { RET(dev->default_allow ? 1 : 0) };
    size_t n = 0, i;

    if (cap < MAX_INSNS(dev->nrules))
        return -1;
    for (i = 0; i < sizeof(prologue) / sizeof(prologue[0]); i++)
        out[n++] = prologue[i];
    /* Every exception goes against the default (the TS side's reduction). */
    for (i = 0; i < dev->nrules; i++)
        n += emit_rule(&dev->rules[i], !dev->default_allow, out + n);
    out[n++] = epilogue[0];
    out[n++] = epilogue[1];
    return (long)n;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
    return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int load(const struct bpf_insn *insns, long n, mb_error *err)
{
    static char log[4096];
    union bpf_attr attr;
    int fd;

    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (__u64)(unsigned long)insns;
    attr.insn_cnt = (__u32)n;
    attr.license = (__u64)(unsigned long)"MIT"; /* no GPL-only helpers used */
    fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0)
        return fd;
    if (errno != EINVAL)
        return mb_error_errno(err, "bpf: load the device program");
    /* Rejected by the verifier: load again for its reason. */
    attr.log_buf = (__u64)(unsigned long)log;
    attr.log_size = sizeof(log);
    attr.log_level = 1;
    log[0] = '\0';
    fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0)
        return fd;
    return mb_error_detail(err, MB_EXIT_SETUP, "bpf: load the device program",
                           "rejected: %.200s", log);
}

static int attach_one(int prog, const char *dir, mb_error *err)
{
    union bpf_attr attr;
    int fd, rc = 0;

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return mb_error_errno(err, "open cgroup %s", dir);
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (__u32)fd;
    attr.attach_bpf_fd = (__u32)prog;
    attr.attach_type = BPF_CGROUP_DEVICE;
    /* flags 0: the one program of this cgroup, so attaching again (the
     * monitor restarting the container) replaces it instead of stacking. */
    attr.attach_flags = 0;
    if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
        rc = mb_error_errno(err, "bpf: attach the device program to %s", dir);
    close(fd);
    return rc;
}

int devfilter_attach(const mb_dev_config *dev, const mb_strv *dirs,
                     mb_error *err)
{
    struct bpf_insn *insns;
    size_t cap, i;
    long n;
    int prog, rc = 0;

    /* Nothing to restrict (--privileged: "a *:* rwm"): no program at all. */
    if (dev->policy == NULL || dirs->len == 0
        || (dev->default_allow && dev->nrules == 0))
        return 0;
    cap = MAX_INSNS(dev->nrules);
    insns = calloc(cap, sizeof(*insns));
    if (insns == NULL)
        return mb_error_errno(err, "bpf: device program");
    n = devfilter_emit(dev, insns, cap);
    prog = n < 0 ? mb_error_detail(err, MB_EXIT_SETUP, "bpf", "program too long")
                 : load(insns, n, err);
    free(insns);
    if (prog < 0)
        return -1;
    for (i = 0; i < dirs->len && rc == 0; i++)
        rc = attach_one(prog, dirs->items[i], err);
    close(prog); /* the attachment holds the program now */
    return rc;
}

/* capabilities.c - bounding, effective, permitted, inheritable and ambient
 * sets of the container process, as runc applies them. */
#include "security/capabilities.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's highest capability number, or 40 when /proc cannot say. */
static int last_cap(void)
{
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    int n = 40;

    if (f != NULL) {
        if (fscanf(f, "%d", &n) != 1 || n < 0 || n > 63)
            n = 40;
        fclose(f);
    }
    return n;
}

int caps_drop_bounding(const mb_security *s, mb_error *err)
{
    int cap, last = last_cap();

    for (cap = 0; cap <= last; cap++) {
        if (s->bounding & (UINT64_C(1) << cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            return mb_error_errno(err, "drop capability %d from the bounding set", cap);
    }
    return 0;
}

static int capget_self(struct __user_cap_data_struct data[2], mb_error *err)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};

    if (syscall(SYS_capget, &hdr, data) < 0)
        return mb_error_errno(err, "capget");
    return 0;
}

int caps_apply(const mb_security *s, mb_error *err)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct cur[2], data[2];
    uint64_t have, perm, eff, inh;
    int cap, last = last_cap();

    if (capget_self(cur, err) < 0)
        return -1;
    have = cur[0].permitted | ((uint64_t)cur[1].permitted << 32);
    perm = s->permitted & have;
    eff = s->effective & perm;
    /* The kernel lets inheritable grow only within permitted and the
     * bounding set (which caps_drop_bounding already cut). */
    inh = s->inheritable
          & ((cur[0].inheritable | ((uint64_t)cur[1].inheritable << 32))
             | (have & s->bounding));
    data[0].effective = (uint32_t)eff;
    data[1].effective = (uint32_t)(eff >> 32);
    data[0].permitted = (uint32_t)perm;
    data[1].permitted = (uint32_t)(perm >> 32);
    data[0].inheritable = (uint32_t)inh;
    data[1].inheritable = (uint32_t)(inh >> 32);
    if (syscall(SYS_capset, &hdr, data) < 0)
        return mb_error_errno(err, "capset");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return mb_error_errno(err, "clear the ambient capabilities");
    for (cap = 0; cap <= last; cap++)
        if ((s->ambient & perm & inh) & (UINT64_C(1) << cap))
            if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
                return mb_error_errno(err, "raise ambient capability %d", cap);
    return 0;
}

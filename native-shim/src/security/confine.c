/* confine.c - seccomp, capabilities and no_new_privs in runc's order
 * (confine.h). */
#include "security/confine.h"

#include "common/trace.h"
#include <sys/prctl.h>

#include "security/capabilities.h"
#include "security/seccomp.h"

int confine_before_user(const mb_security *s, mb_error *err)
{
    if (!s->nnp && seccomp_load_filter(s, err) < 0)
        return -1;
    if (!s->nnp && trace_on())
        trace_seccomp(s);
    if (!s->has_caps)
        return 0;
    if (caps_drop_bounding(s, err) < 0)
        return -1;
    if (trace_on())
        trace_caps("prctl(PR_CAPBSET_DROP)", "bounding set", s->bounding);
    /* A switch to a non-root uid would clear permitted; keep it so the
     * capset after it can still grant the container's set. */
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return mb_error_errno(err, "prctl PR_SET_KEEPCAPS");
    return 0;
}

int confine_after_user(const mb_security *s, mb_error *err)
{
    if (s->has_caps) {
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
            return mb_error_errno(err, "prctl PR_SET_KEEPCAPS");
        if (caps_apply(s, err) < 0)
            return -1;
        if (trace_on())
            trace_caps("capset", "effective, permitted, inheritable", s->effective);
    }
    if (s->nnp) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            return mb_error_errno(err, "prctl PR_SET_NO_NEW_PRIVS");
        if (seccomp_load_filter(s, err) < 0)
            return -1;
        if (trace_on())
            trace_seccomp(s);
    }
    return 0;
}

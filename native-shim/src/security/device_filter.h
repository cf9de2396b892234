/* device_filter.h - the cgroup v2 device controller: an eBPF program
 * (BPF_PROG_TYPE_CGROUP_DEVICE) generated from the container's device rules,
 * loaded and attached to its cgroup before the container runs.  cgroup v2
 * has no devices.allow/deny files; this program is what enforces them. */
#ifndef MINIBOX_DEVICE_FILTER_H
#define MINIBOX_DEVICE_FILTER_H

#include <linux/bpf.h>
#include <stddef.h>

#include "common/error.h"
#include "config/config.h"

/* Instructions for the rules: a prologue, one block per exception, the
 * default.  Returns the count, or -1 if out[cap] is too small. */
long devfilter_emit(const mb_dev_config *dev, struct bpf_insn *out, size_t cap);

/* Emit, load and attach to every dir (v2 cgroups) when dev->policy is set;
 * a no-op otherwise.  Attaching again (a restart) replaces the program. */
int devfilter_attach(const mb_dev_config *dev, const mb_strv *dirs,
                     mb_error *err);

#endif

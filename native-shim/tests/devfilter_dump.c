/* devfilter_dump.c - test helper: the device program for dev.* records.
 *
 *   devfilter_dump 'dev.policy=deny' 'dev.rule=c 1:3 rwm' ...
 *
 * prints one instruction per line, "code dst src off imm" (decimal), for
 * test/unit/linux/device-filter.test.ts, which runs the program against the
 * v1 kernel's semantics.  Built from device_filter.c, devconfig.c, error.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/devconfig.h"
#include "security/device_filter.h"

int main(int argc, char **argv)
{
    mb_dev_config dev;
    struct bpf_insn insns[4096];
    mb_error err;
    long n, i;
    int a;

    memset(&dev, 0, sizeof(dev));
    for (a = 1; a < argc; a++) {
        char *eq = strchr(argv[a], '=');

        if (eq == NULL)
            return 2;
        *eq = '\0';
        if (devconfig_apply(&dev, argv[a], eq + 1, &err) < 0) {
            char line[MB_ERROR_LINE_MAX];

            mb_error_format(&err, line, sizeof(line));
            fprintf(stderr, "%s\n", line);
            return 1;
        }
    }
    n = devfilter_emit(&dev, insns, sizeof(insns) / sizeof(insns[0]));
    if (n < 0)
        return 3;
    for (i = 0; i < n; i++)
        printf("%u %u %u %d %d\n", insns[i].code, insns[i].dst_reg,
               insns[i].src_reg, insns[i].off, insns[i].imm);
    devconfig_free(&dev);
    return 0;
}

/* cp.c - see cp.h. */
#include "exec/cp.h"

#include <sched.h>
#include <unistd.h>

#include "common/report.h"
#include "config/config.h"
#include "run/rootfs.h"

int cp_cmd(int argc, char **argv)
{
    mb_config cfg;
    mb_error err;

    (void)argv;
    if (argc != 2)
        return report_usage("cp (takes no arguments)");
    if (config_read(MB_CONFIG_FD, &cfg, &err) < 0) {
        close(MB_CONFIG_FD);
        report_error(&err);
        return err.code;
    }
    close(MB_CONFIG_FD);
    if (unshare(CLONE_NEWNS) < 0) {
        mb_error_errno(&err, "unshare mount namespace");
        report_error(&err);
        return err.code;
    }
    if (rootfs_make_private(&err) < 0 || rootfs_mount_overlay(&cfg, &err) < 0) {
        report_error(&err);
        return err.code;
    }
    execv(cfg.args.items[0], cfg.args.items);
    mb_error_errno(&err, "exec %s", cfg.args.items[0]);
    report_error(&err);
    return err.code;
}

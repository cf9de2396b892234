/* main.c - minibox-shim entry point: argv[1] selects the subcommand.
 *
 *   minibox-shim run          config on fd 3, reports on fd 4
 *                             (common/report.h); foreground or detached
 *   minibox-shim exec         a program in a running container (exec/enter.h)
 *   minibox-shim link-del     delete links in one batch (net/netcmd.c)
 *   minibox-shim net-attach   connect a running container (net/netcmd.c)
 *   minibox-shim cp           a stopped container's overlay for cp (exec/cp.h)
 *   minibox-shim init PID     --init's PID 1, run from the sealed copy (run/init.h)
 *   minibox-shim attach DIR   the client of `minibox attach` (exec/attach_client.h)
 *
 * Further subcommands are added as rows of the table below.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/report.h"
#include "config/config.h"
#include "exec/attach_client.h"
#include "exec/cp.h"
#include "exec/enter.h"
#include "monitor/daemon.h"
#include "monitor/foreground.h"
#include "net/network.h"
#include "run/init.h"
#include "run/oci_direct.h"
#include "security/seccomp.h"

static int cmd_run(int argc, char **argv)
{
    mb_config cfg;
    mb_error err;
    int code;

    (void)argv;
    if (argc != 2)
        return report_usage("run (takes no arguments)");
    /* The seccomp filter is compiled once, here, for every (re)start. */
    if (config_read(MB_CONFIG_FD, &cfg, &err) < 0
        || seccomp_prepare(&cfg.sec, &err) < 0) {
        close(MB_CONFIG_FD);
        report_error(&err);
        return err.code;
    }
    /* Done with it; the container must not inherit it either. */
    close(MB_CONFIG_FD);
    /* Detached: the monitor lives on in a fork of its own (daemon.c). */
    /* nomonitor (minibox-runtime create): the shim exits, the init stays. */
    code = cfg.opts.nomonitor ? oci_direct_run(&cfg)
           : cfg.opts.detach  ? daemon_run(&cfg)
                              : foreground_run(&cfg);
    config_free(&cfg);
    return code;
}

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
    { "run", cmd_run },
    { "exec", enter_cmd },
    { "link-del", net_cmd_link_del },
    { "net-attach", net_cmd_attach },
    { "cp", cp_cmd },
    { "init", init_cmd },
    { "attach", attach_cmd },
};

int main(int argc, char **argv)
{
    size_t i;

    /* First thing: decide whether fd 4 is ours, before any open()/pipe()
     * could reuse the number. */
    report_init();
    for (i = 0; argc >= 2 && i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc, argv);
    return report_usage("run");
}

/* main.c - minibox-shim entry point: argv[1] selects the subcommand.
 *
 *   minibox-shim run     config on fd 3, reports on fd 4 (see report.h)
 *   minibox-shim exec    run a program in a running container (enter.h)
 *
 * Further subcommands (exec into a running container, a detached monitor)
 * are added as rows of the table below.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "enter.h"
#include "error.h"
#include "monitor.h"
#include "network.h"
#include "report.h"

#define CONFIG_FD 3

static int cmd_run(int argc, char **argv)
{
    mb_config cfg;
    mb_error err;
    int code;

    (void)argv;
    if (argc != 2)
        return report_usage("run (takes no arguments)");
    if (config_read(CONFIG_FD, &cfg, &err) < 0) {
        close(CONFIG_FD);
        report_error(&err);
        return err.code;
    }
    /* Done with it; the container must not inherit it either. */
    close(CONFIG_FD);
    code = monitor_run(&cfg);
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

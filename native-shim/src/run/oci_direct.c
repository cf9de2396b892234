/* oci_direct.c - see oci_direct.h. */
#include "run/oci_direct.h"

#include <signal.h>
#include <unistd.h>

#include "common/report.h"
#include "common/wait.h"
#include "run/console_socket.h"
#include "run/oci_start.h"
#include "run/start.h"

int oci_direct_stdio(const mb_runopts *o, mb_child_ctx *ctx,
                     mb_parentio *p, mb_error *err)
{
    int i;

    if (o->tty && o->consolesocket == NULL)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "tty=1 without a monitor needs consolesocket=");
    if (o->tty)
        return childio_prepare(o, 1, ctx, p, err);
    p->out = p->err = p->master = p->in = p->pty_sock = -1;
    ctx->ctty = 0;
    ctx->pty_sock = -1;
    ctx->ws_set = 0;
    ctx->parent = p;
    /* <= 2: childio_setup keeps them as they are, and nothing closes them */
    for (i = 0; i < 3; i++)
        ctx->io[i] = i;
    return 0;
}

static int console = -1; /* the connection to consolesocket= */

int oci_direct_console_connect(const mb_runopts *o, mb_error *err)
{
    if (!o->tty || o->consolesocket == NULL)
        return 0;
    console = console_socket_connect(o->consolesocket, err);
    return console < 0 ? -1 : 0;
}

int oci_direct_console(const mb_runopts *o, mb_parentio *p, mb_error *err)
{
    int r;

    (void)o;
    if (p->master < 0)
        return 0;
    r = console < 0 ? mb_error_detail(err, MB_EXIT_SETUP, "console-socket",
                                      "not connected")
                    : console_socket_send(console, p->master, err);
    close(p->master);
    p->master = -1;
    if (console >= 0)
        close(console);
    console = -1;
    return r;
}

int oci_direct_run(const mb_config *cfg)
{
    mb_child_ctx ctx = { .cfg = cfg };
    mb_parentio io;
    mb_error err;
    pid_t pid;
    int code;

    if (cfg->opts.execfifo == NULL) {
        mb_error_detail(&err, MB_EXIT_SETUP, "config",
                        "nomonitor=1 needs execfifo=");
        report_error(&err);
        return err.code;
    }
    if (oci_direct_stdio(&cfg->opts, &ctx, &io, &err) < 0
        || oci_direct_console_connect(&cfg->opts, &err) < 0) {
        report_error(&err);
        return err.code;
    }
    code = start_container(cfg, &ctx, &pid);
    if (code != 0)
        return code;
    /* Not ready and no line on the error pipe: it died (a kill meanwhile). */
    if (!oci_start_ready())
        mb_error_detail(&err, MB_EXIT_SETUP, "create",
                        "the container init exited during setup");
    else if (oci_direct_console(&cfg->opts, &io, &err) == 0)
        return 0;
    kill(pid, SIGKILL);
    wait_reap(pid);
    report_error(&err);
    return err.code;
}

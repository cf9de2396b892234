/* foreground.c - see foreground.h. */
#include "monitor/foreground.h"

#include "common/report.h"
#include "common/signals.h"
#include "monitor/forward.h"
#include "monitor/health.h"
#include "monitor/relay.h"
#include "net/nshold.h"
#include "run/childio.h"
#include "run/start.h"

int foreground_run(const mb_config *cfg)
{
    mb_child_ctx ctx = { .cfg = cfg };
    mb_parentio io;
    mb_error err;
    pid_t pid;
    pid_t checker;
    int sfd, code;

    /* Before clone: a signal arriving in between is queued, not lost. */
    sfd = signals_open_fd(&err);
    if (sfd < 0 || childio_prepare(&cfg->opts, 0, &ctx, &io, &err) < 0) {
        report_error(&err);
        return err.code;
    }
    code = start_container(cfg, &ctx, &pid);
    if (code != 0)
        return code;
    /* Docker checks a foreground container's health too; with no check
     * configured nothing is forked (health_start returns 0). */
    checker = health_start(cfg, pid);
    if (io.master >= 0)
        code = relay_until_exit(pid, sfd, io.master, cfg->opts.stdin_open);
    else
        code = forward_until_exit(pid, sfd, &io);
    health_stop(checker); /* before the exit report: nothing checks a gone container */
    report_exit(code);
    nshold_release(cfg->opts.nshold, ctx.netns);
    return code;
}

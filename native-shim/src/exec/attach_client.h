/* attach_client.h - `minibox-shim attach STATEDIR [--keys=B,B,...]
 * [--no-stdin] [--sig-proxy]`: the client end of `minibox attach`
 * (protocol in monitor/attach_proto.h), run by the Node CLI with its own
 * stdio.  With a tty the caller's terminal goes raw and its window size
 * follows SIGWINCH; --keys (decimal bytes; the CLI parses Docker's
 * --detach-keys, default ctrl-p,ctrl-q) in its input detach: "read escape
 * sequence" on stderr and exit 1, as Docker's CLI.  --sig-proxy without a
 * tty passes SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 on to the
 * container.  Exits with the container's status when it exits, 1 when
 * attaching fails. */
#ifndef MINIBOX_ATTACH_CLIENT_H
#define MINIBOX_ATTACH_CLIENT_H

int attach_cmd(int argc, char **argv);

#endif

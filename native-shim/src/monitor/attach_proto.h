/* attach_proto.h - `minibox attach`: the detached monitor (monitor/attach.h)
 * and the attach client (exec/attach_client.h) over a unix socket in the
 * container's state dir, <statedir>/attach.sock (0600; the dir is 0700,
 * root's).  SOCK_SEQPACKET: every packet is one message, its first byte
 * the type, the rest its payload (at most ATTACH_DATA_MAX bytes).
 *
 * monitor -> client
 *   'H' flags(1)      first, once: ATTACH_F_TTY, ATTACH_F_STDIN
 *   'O' data          the container's stdout (with a tty: all its output)
 *   'E' data          the container's stderr
 *   'X' status(int32) the container exited (its code, or 128+signal), after
 *                     the last of its output; the monitor closes then
 * client -> monitor
 *   'I' data          stdin for the container: its stdin pipe (-i) or the
 *                     pty (-t); ignored unless ATTACH_F_STDIN
 *   'W' rows(u16) cols(u16)  the client's window size (with a tty)
 *   'C'               the client's stdin ended.  The container's stdin stays
 *                     open, as Docker's for a container run with -d (no
 *                     StdinOnce): the next client may still type into it.
 *   'S' signal(int32) --sig-proxy: passed to the container's init
 *
 * Integers are in host byte order (both ends are on one host).  A client
 * the monitor cannot write to without blocking is disconnected: output
 * never waits for an attached terminal; the json log has all of it.
 */
#ifndef MINIBOX_ATTACH_PROTO_H
#define MINIBOX_ATTACH_PROTO_H

#define ATTACH_SOCK "attach.sock"
#define ATTACH_DATA_MAX 4096
#define ATTACH_PACKET_MAX (1 + ATTACH_DATA_MAX)

#define ATTACH_F_TTY 1
#define ATTACH_F_STDIN 2

#define ATTACH_HELLO 'H'
#define ATTACH_STDOUT 'O'
#define ATTACH_STDERR 'E'
#define ATTACH_EXIT 'X'
#define ATTACH_INPUT 'I'
#define ATTACH_RESIZE 'W'
#define ATTACH_CLOSE 'C'
#define ATTACH_SIGNAL 'S'

#endif

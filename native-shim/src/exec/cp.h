/* cp.h - "minibox-shim cp": a stopped container's filesystem for `minibox cp`.
 *
 * Config on fd 3 (config/config.h wire format, the run keys): id=, rootfs=,
 * lower= (repeated), upper=, work=, arg= (repeated: the program to run).
 * The shim unshares a mount namespace, makes it private, mounts the
 * container's overlay on rootfs there, and execs arg[] with its own
 * environment and stdio: that program (the minibox CLI again) sees the
 * merged view at rootfs; the mount dies with the namespace when it exits,
 * so nothing is ever mounted on the host.  Errors: "minibox: ..." on
 * stderr, exit 125. */
#ifndef MINIBOX_CP_H
#define MINIBOX_CP_H

int cp_cmd(int argc, char **argv);

#endif

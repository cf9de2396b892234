/**
 * The files the shim bind-mounts over in every container (native-shim net/netfiles.c): their
 * placeholders in the container's upper dir are Docker's "init layer", not the container's
 * own changes, so diff never shows them and neither commit nor a build's RUN packs them.
 * One list, as layer names (no leading slash).
 */
export const INIT_LAYER_FILES: readonly string[] = ['etc/hostname', 'etc/hosts', 'etc/resolv.conf'];

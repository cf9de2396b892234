/* ociconfig.h - what an OCI bundle's config.json asks for beyond minibox's
 * own run path (minibox-runtime: src/runtime/translate.ts), as read from fd 3.
 *
 * Keys, all optional:
 *   oci.umask=OCTAL          process.user.umask (else the init's 022)
 *   oci.oomscoreadj=N        process.oomScoreAdj, written to /proc/self
 *   oci.domainname=NAME      domainname (the UTS namespace's NIS name)
 *   oci.rootprop=P           linux.rootfsPropagation: [r]private [r]slave
 *                            [r]shared [r]unbindable
 *   oci.ns=TYPE:PATH         linux.namespaces[].path: join instead of create;
 *                            TYPE one of net ipc uts pid mnt cgroup
 *   oci.hostns=TYPE          no linux.namespaces entry of TYPE (pid ipc uts):
 *                            none is created, the runtime's own is shared
 *   oci.userns=new|PATH      a user namespace: a new one (with the maps
 *                            below) or the one at PATH, joined first
 *   oci.uidmap=C:H:S, oci.gidmap=C:H:S  linux.uidMappings / gidMappings,
 *                            containerID:hostID:size, repeated (at most
 *                            MB_OCI_MAP_MAX; run/userns.h writes them)
 *   oci.hook=KIND            starts a hook: prestart createRuntime
 *                            createContainer startContainer; then
 *   oci.hook.path=P, oci.hook.arg=A (repeated, argv[0] first),
 *   oci.hook.env=E (repeated), oci.hook.timeout=SECONDS
 *   oci.state.pre=JSON, oci.state.post=JSON  the hooks' state on stdin is
 *                            pre + <host pid> + ,"status":"<s>" + post
 *                            (run/oci_hooks.h)
 */
#ifndef MINIBOX_OCICONFIG_H
#define MINIBOX_OCICONFIG_H

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

typedef enum {
    MB_HOOK_PRESTART,
    MB_HOOK_CREATE_RUNTIME,
    MB_HOOK_CREATE_CONTAINER,
    MB_HOOK_START_CONTAINER,
} mb_hook_kind;

typedef struct mb_oci_hook {
    mb_hook_kind kind;
    const char *path;
    const char **args; /* NULL-terminated; NULL: argv is { path } */
    size_t nargs;
    const char **env;  /* NULL-terminated; NULL: an empty environment */
    size_t nenv;
    int timeout;       /* seconds; 0: none */
} mb_oci_hook;

#define MB_OCI_NS_MAX 8
#define MB_OCI_MAP_MAX 340 /* the kernel's limit on uid_map lines */

typedef struct mb_oci_idmap {
    unsigned long container, host, size;
} mb_oci_idmap;

typedef struct mb_oci_ns {
    int flag;          /* CLONE_NEW* */
    const char *path;
} mb_oci_ns;

typedef struct mb_oci_config {
    int has_umask;
    mode_t umask;
    const char *oomscoreadj;
    const char *domainname;
    unsigned long rootprop; /* MS_* propagation flags; 0: minibox's rprivate */
    mb_oci_ns ns[MB_OCI_NS_MAX];
    size_t nns;
    int hostns;             /* CLONE_NEW* flags of namespaces shared (oci.hostns) */
    const char *userns;     /* NULL: none; "new", or a path to join */
    mb_oci_idmap *uidmap, *gidmap;
    size_t nuidmap, ngidmap;
    mb_oci_hook *hooks;
    size_t nhooks;
    const char *state_pre;
    const char *state_post;
} mb_oci_config;

/* One "oci.*" record. */
int ociconfig_apply(mb_oci_config *o, const char *key, const char *value,
                    mb_error *err);

/* The path to join for CLONE_NEW* flag, or NULL: a new namespace. */
const char *ociconfig_ns_path(const mb_oci_config *o, int flag);

void ociconfig_free(mb_oci_config *o);

#endif

/* execve.c - PATH search and execve with Docker-compatible failure codes. */
#include "run/execve.h"
#include "common/trace.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Like Go's exec.LookPath (what Docker uses): a regular file with any x bit.
 * A non-executable match does not stop the search. */
static int is_executable(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode)
           && (st.st_mode & 0111) != 0;
}

/* Search the container's PATH, not ours: glibc's execvpe() would use the
 * shim's own environment.  Runs after pivot_root, so paths are container
 * paths.  An empty PATH element means the current directory (POSIX). */
static int search_path(const char *name, const char *search, char *out,
                       size_t size)
{
    const char *dir = search;

    for (;;) {
        const char *end = strchrnul(dir, ':');
        int dlen = (int)(end - dir);
        int n;

        if (dlen == 0)
            n = snprintf(out, size, "./%s", name);
        else
            n = snprintf(out, size, "%.*s/%s", dlen, dir, name);
        if (n > 0 && (size_t)n < size && is_executable(out))
            return 0;
        if (*end == '\0')
            return -1;
        dir = end + 1;
    }
}

/* Map execve()'s errno the way docker run reports it. */
static int exec_failure(const char *prog, int errnum, mb_error *err)
{
    switch (errnum) {
    case ENOENT:
    case ENOTDIR:
        return mb_error_detail(err, MB_EXIT_NOTFOUND, "exec",
                               "\"%s\": no such file or directory", prog);
    case EACCES:
    case ENOEXEC:
    case EISDIR:
        return mb_error_detail(err, MB_EXIT_NOEXEC, "exec",
                               "\"%s\": permission denied", prog);
    default:
        return mb_error_detail(err, MB_EXIT_NOEXEC, "exec", "\"%s\": %s", prog,
                               strerror(errnum));
    }
}

int exec_check(const mb_config *cfg, mb_error *err)
{
    const char *prog = cfg->args.items[0];
    const char *search = config_getenv(&cfg->env, "PATH");
    char found[PATH_MAX];
    struct stat st;

    if (strchr(prog, '/') != NULL)
        return stat(prog, &st) == 0 ? 0 : exec_failure(prog, errno, err);
    if (search_path(prog, search != NULL ? search : DEFAULT_PATH, found,
                    sizeof(found)) < 0)
        return mb_error_detail(err, MB_EXIT_NOTFOUND, "exec",
                               "\"%s\": executable file not found in $PATH",
                               prog);
    return 0;
}

int exec_container(const mb_config *cfg, mb_error *err)
{
    const char *prog = cfg->args.items[0];
    const char *file = prog;
    char found[PATH_MAX];

    if (strchr(prog, '/') == NULL) {
        const char *search = config_getenv(&cfg->env, "PATH");

        if (search == NULL)
            search = DEFAULT_PATH;
        if (search_path(prog, search, found, sizeof(found)) < 0)
            return mb_error_detail(err, MB_EXIT_NOTFOUND, "exec",
                                   "\"%s\": executable file not found in $PATH",
                                   prog);
        file = found;
    }
    /* argv[0] stays what the user wrote, as with a shell or docker run. */
    if (trace_on())
        trace_execve(file, cfg->args.len);
    execve(file, cfg->args.items, cfg->env.items);
    return exec_failure(prog, errno, err);
}

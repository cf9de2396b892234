/* cloned_binary.c - see cloned_binary.h. */
#include "security/cloned_binary.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

/* The copy can neither change nor lose its seals.  Their presence is also
 * the marker that we are the copy: no environment variable or argv flag a
 * caller could set to skip the step. */
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static int is_cloned(void)
{
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    int seals;

    if (fd < 0)
        return 0;
    seals = fcntl(fd, F_GET_SEALS); /* EINVAL on a regular file */
    close(fd);
    return seals >= 0 && (seals & SEALS) == SEALS;
}

/* A sealed memfd holding the bytes of /proc/self/exe, or -1. */
static int sealed_copy(mb_error *err)
{
    struct stat st;
    off_t done = 0;
    int src, mfd;

    src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (src < 0)
        return mb_error_errno(err, "open /proc/self/exe");
    mfd = memfd_create("minibox-shim", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0) {
        mb_error_errno(err, "memfd_create");
        close(src);
        return -1;
    }
    if (fstat(src, &st) < 0) {
        mb_error_errno(err, "stat /proc/self/exe");
        goto fail;
    }
    while (done < st.st_size) {
        ssize_t n = sendfile(mfd, src, NULL, (size_t)(st.st_size - done));

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            mb_error_errno(err, "copy /proc/self/exe");
            goto fail;
        }
        done += n;
    }
    if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0) {
        mb_error_errno(err, "seal the shim's copy");
        goto fail;
    }
    close(src);
    return mfd;
fail:
    close(src);
    close(mfd);
    return -1;
}

int cloned_binary_ensure(char **argv, const int *keep, size_t nkeep,
                         mb_error *err)
{
    size_t i;
    int mfd;

    if (is_cloned()) {
        /* fexecve named us after the fd ("3"): be findable as ever. */
        (void)prctl(PR_SET_NAME, "minibox-shim", 0, 0, 0);
        return 0;
    }
    mfd = sealed_copy(err);
    if (mfd < 0)
        return -1;
    for (i = 0; i < nkeep; i++) {
        int flags = fcntl(keep[i], F_GETFD);

        if (flags >= 0)
            (void)fcntl(keep[i], F_SETFD, flags & ~FD_CLOEXEC);
    }
    fexecve(mfd, argv, environ);
    mb_error_errno(err, "re-exec the shim's sealed copy");
    close(mfd);
    return -1;
}

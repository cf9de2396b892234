/* namespaces.c - clone() the container init. */
#include "run/namespaces.h"

#include "common/trace.h"
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

/* The child does path searches and mount option formatting with buffers
 * on the stack; 1 MiB is plenty and costs nothing until touched. */
#define CHILD_STACK_SIZE (1024 * 1024)

pid_t ns_clone(int (*fn)(void *), void *arg, int flags, mb_error *err)
{
    return ns_clone_pidfd(fn, arg, flags, NULL, err);
}

pid_t ns_clone_pidfd(int (*fn)(void *), void *arg, int flags, int *pidfd,
                     mb_error *err)
{
    void *stack;
    pid_t pid;

    stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        return mb_error_errno(err, "clone: allocate stack");
    /* SIGCHLD as exit signal makes the child waitable like a fork()ed one.
     * The stack grows down on every architecture we care about. */
    pid = clone(fn, (char *)stack + CHILD_STACK_SIZE,
                flags | SIGCHLD | (pidfd != NULL ? CLONE_PIDFD : 0), arg, pidfd);
    if (pid < 0) {
        mb_error_errno(err, "clone");
        munmap(stack, CHILD_STACK_SIZE);
        return -1;
    }
    /* Without CLONE_VM the child runs on its own copy-on-write copy of this
     * mapping, so the parent's copy can go right away. */
    munmap(stack, CHILD_STACK_SIZE);
    if (trace_on())
        trace_clone(flags, pid);
    return pid;
}

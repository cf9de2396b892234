/* resident.c - see resident.h. */
#include "monitor/resident.h"

#include <malloc.h>
#include <stdio.h>
#include <sys/mman.h>

/* The static binary has five mappings; others are Node's or the kernel's. */
#define MAX_RANGES 32

typedef struct {
    unsigned long start, end;
} range;

/* Collects from /proc/self/smaps the mappings that are read-only, private,
 * backed by a file and hold no anonymous page.  Dropping the pages of a
 * private file mapping discards its copy-on-write copies: only a mapping
 * without any anonymous page is identical to its file, so only such a one
 * is taken (a RELRO segment that relocation wrote is not). */
static int clean_file_ranges(range *out, int max)
{
    char line[512], perms[8];
    unsigned long start, end, inode, kb;
    int n = 0, candidate = 0;
    FILE *f = fopen("/proc/self/smaps", "re");

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &start, &end, perms,
                   &inode) == 4) {
            candidate = n < max && inode != 0 && end > start
                        && perms[0] == 'r' && perms[1] == '-'
                        && perms[3] == 'p';
            if (candidate)
                out[n] = (range){ start, end };
        } else if (candidate && sscanf(line, "Anonymous: %lu kB", &kb) == 1) {
            n += kb == 0; /* taken once its Anonymous line says so */
            candidate = 0;
        }
    }
    fclose(f);
    return n;
}

void resident_drop_setup_pages(void)
{
    range r[MAX_RANGES];
    int i, n = clean_file_ranges(r, MAX_RANGES);

    /* The config parse and setup left freed chunks; give their pages back. */
    malloc_trim(0);
    /* Last: any code run after this faults its pages in again. */
    for (i = 0; i < n; i++)
        (void)madvise((void *)r[i].start, r[i].end - r[i].start,
                      MADV_DONTNEED);
}

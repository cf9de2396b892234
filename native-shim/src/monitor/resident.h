/* resident.h - give back the pages the monitor's setup faulted in.
 *
 * A detached container's monitor is the shim process that did the setup
 * (config parse, clone, start_container): its resident set holds every code
 * and read-only data page that setup touched (~750 KiB of a ~1 MiB static
 * binary), though the monitor loop runs only a small part of it. */
#ifndef MB_MONITOR_RESIDENT_H
#define MB_MONITOR_RESIDENT_H

/* Unmap from this process the pages of clean, read-only file mappings
 * (the binary's text and rodata) and trim the heap; pages the monitor
 * touches again fault back in from the page cache.  Best effort: on any
 * error the pages just stay. */
void resident_drop_setup_pages(void);

#endif

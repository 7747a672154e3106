/* How many bytes a directory tree holds, as docker counts them for
 * `system df` and prune summaries: the sizes of its files and symlinks
 * (not of directories, not blocks), each hard-linked inode once, without
 * crossing into other file systems. */
#ifndef SV_ENGINE_DISK_USAGE_H
#define SV_ENGINE_DISK_USAGE_H

#include <stdint.h>

/* The bytes under PATH; 0 when it is missing.  Best effort: entries that
 * cannot be read are not counted. */
int64_t sv_disk_usage (const char *path);

#endif

/* File helpers.  Every fd is O_CLOEXEC; paths are relative to a directory
 * fd (AT_FDCWD allowed).  All return < 0 with *err set on failure. */
#ifndef SV_FS_H
#define SV_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Read a whole file; *out is NUL-terminated and owned by the caller. */
int sv_read_file_at (int dirfd, const char *path, char **out, size_t *len, struct sv_err **err);
/* Write all LEN bytes to FD, retrying short writes and EINTR; -1 with errno
 * on failure (no *err: for callers that only count or ignore failures). */
int sv_write_all (int fd, const void *data, size_t len);

/* Write LEN bytes to PATH (created with MODE, truncated). */
int sv_write_file_at (int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                      struct sv_err **err);
/* Write to an existing file (e.g. a cgroup or /proc knob), no create, no truncate. */
int sv_write_knob_at (int dirfd, const char *path, const char *value, struct sv_err **err);
/* Write PATH through a temporary file in the same directory and rename(2),
 * so a reader sees the old or the new content, never a half-written one. */
int sv_write_file_atomic_at (int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                             struct sv_err **err);
/* mkdir -p relative to dirfd; existing directories are fine. */
int sv_mkdir_p_at (int dirfd, const char *path, mode_t mode, struct sv_err **err);
/* rm -rf relative to dirfd, staying on one file system; ENOENT is not an error. */
int sv_rm_rf_at (int dirfd, const char *path, struct sv_err **err);
/* Open PATH inside the tree rooted at ROOTFD: ".." and symlinks (absolute
 * ones too) cannot leave it, and magic links are refused (openat2
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS).  Returns the fd. */
int sv_open_in_root (int rootfd, const char *path, int flags, mode_t mode, struct sv_err **err);
/* Open (creating it 0600) the lock file PATH and take an exclusive flock
 * on it, waiting; the lock lasts as long as the returned fd. */
int sv_lock_file (const char *path, struct sv_err **err);

/* Like sv_mkdir_p_at but every component is resolved inside ROOTFD; returns
 * an O_PATH fd of the final directory. */
int sv_mkdir_p_in_root (int rootfd, const char *path, mode_t mode, struct sv_err **err);

#endif

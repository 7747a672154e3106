/* Operations on a container that several commands share: pausing, its
 * root filesystem while it is stopped, its resource counters, its files as
 * a tar stream (cp, export, commit), copies in and out, and commit.
 *
 *   ctr-ops.c     pause/thaw, the root filesystem, resource usage
 *   ctr-tar.c     a directory tree as tar entries
 *   ctr-copy.c    cp's copies in and out of a container
 *   ctr-commit.c  a new image from a container's changes
 *
 * Every function returns < 0 with *err set on failure. */
#ifndef SV_ENGINE_CTR_OPS_H
#define SV_ENGINE_CTR_OPS_H

#include <archive.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"

/* ---- ctr-ops.c ---- */

/* Freeze (PAUSE) or thaw C's processes and record the state "paused" or
 * "running".  Refused unless C runs (to pause) or is paused (to thaw). */
int sv_engine_pause (struct sv_engine *e, struct sv_ctr *c, bool pause, struct sv_err **err);

/* Thaw C when its record says paused, so that a signal can reach its
 * processes (a frozen task handles nothing, SIGKILL included, until it is
 * thawed); records "running".  Best effort: errors are ignored. */
void sv_engine_thaw (struct sv_engine *e, struct sv_ctr *c);

/* C's merged root filesystem, open as FD (O_PATH directory) at PATH. */
struct sv_ctr_root
{
  char *path;
  int fd;
  bool mounted; /* we mounted it (C is stopped) and unmount it on close */
};

/* Open C's root: the mount of the running container, or, for a stopped
 * one, a temporary mount at the same place (RUN/containers/ID/rootfs) made
 * in a private mount namespace this process enters (so even a crash
 * cannot leave it behind), which sv_ctr_root_close unmounts. */
int sv_ctr_root_open (struct sv_engine *e, struct sv_ctr *c, struct sv_ctr_root *r,
                      struct sv_err **err);
void sv_ctr_root_close (struct sv_ctr_root *r);

/* Resource counters of a running container, from its cgroup. */
struct sv_ctr_usage
{
  uint64_t cpu_ns;    /* CPU time used so far */
  uint64_t mem_usage; /* bytes */
  uint64_t mem_limit; /* bytes; the host's memory when unlimited */
  uint64_t pids;
};
int sv_engine_usage (struct sv_engine *e, const struct sv_ctr *c, struct sv_ctr_usage *u,
                     struct sv_err **err);

/* ---- ctr-tar.c ---- */

struct sv_tar_opts
{
  /* The tree is an overlay upper directory: 0:0 character devices become
   * ".wh.NAME" entries and opaque directories get a ".wh..wh..opq" entry. */
  bool whiteouts;
  int uid, gid; /* >= 0: every entry is owned by them; < 0: as on disk */
};

/* A pax tar writer to FD; *OUT is owned by the caller (archive_write_free). */
int sv_tar_writer_fd (int fd, struct archive **out, struct sv_err **err);

/* Add NAME of DIRFD (one component, or "." for DIRFD itself) and, for a
 * directory, everything below it to the archive A, named ARCNAME in it
 * ("": the children of a directory without an entry for it).  Nothing is
 * followed: a symlink is stored as a symlink, and every file is opened
 * relative to its parent with O_NOFOLLOW.  Hard links within the tree are
 * stored as links; sockets are skipped.  FOLLOW_TOP follows NAME itself
 * when it is a symlink (cp -L). */
int sv_tar_add_tree (struct archive *a, int dirfd, const char *name, const char *arcname,
                     bool follow_top, const struct sv_tar_opts *o, struct sv_err **err);

/* ---- ctr-copy.c ---- */

struct sv_copy_opts
{
  bool archive;     /* -a: keep the owners (else the copies belong to root) */
  bool follow_link; /* -L: follow a symlink named as the source */
};

/* Copy SRC of C's root to the host path DEST, as `docker cp C:SRC DEST`:
 * into DEST when it is a directory, else as DEST.  DEST "-": a tar stream
 * to OUT_FD instead. */
int sv_engine_copy_out (struct sv_engine *e, struct sv_ctr *c, const char *src, const char *dest,
                        int out_fd, const struct sv_copy_opts *o, struct sv_err **err);
/* Copy the host path SRC to DEST of C's root, as `docker cp SRC C:DEST`.
 * SRC "-": a tar stream read from IN_FD, unpacked in the directory DEST.
 * Every path in C's root is resolved inside it. */
int sv_engine_copy_in (struct sv_engine *e, struct sv_ctr *c, const char *src, const char *dest,
                       int in_fd, const struct sv_copy_opts *o, struct sv_err **err);

/* Write C's whole merged filesystem to FD as a tar stream. */
int sv_engine_export (struct sv_engine *e, struct sv_ctr *c, int fd, struct sv_err **err);

/* ---- ctr-commit.c ---- */

struct sv_commit_opts
{
  const char *message;  /* history comment; may be NULL */
  const char *author;   /* may be NULL */
  char *const *changes; /* Dockerfile-like instructions (see sv_import_apply_change) */
  bool pause;           /* freeze a running container while its changes are read */
  const char *tag;      /* normalised tag, or NULL */
};

/* Make an image of C's image plus one layer of C's changes (its overlay
 * upper directory) and C's configuration; *ID gets the image id. */
int sv_engine_commit (struct sv_engine *e, struct sv_ctr *c, const struct sv_commit_opts *o,
                      char **id, struct sv_err **err);

#endif

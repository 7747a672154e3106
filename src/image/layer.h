/* Unpacking an image layer (tar, tar+gzip, tar+zstd) into a directory.
 *
 * Every path of the layer is resolved under the destination directory fd
 * and can never leave it: parents are opened with openat2
 * (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so a symlink in the layer,
 * absolute or relative, is followed as if the destination were "/", and
 * the last component is never followed (O_NOFOLLOW, *at(2) without
 * AT_SYMLINK_FOLLOW).  What a hostile layer gets:
 *   - "/abs/path": the leading '/' is stripped (contained, as docker does);
 *   - ".." escaping the root, in a path or a hardlink target: refused;
 *   - a symlink to /outside then "link/file": the file lands in
 *     DEST/outside/file (contained);
 *   - a hardlink whose target is missing from the tree: refused;
 *   - a char/block device: created only with allow_devices, else skipped
 *     and counted;
 *   - an entry or a layer past the size caps, too many entries, a path
 *     longer than PATH_MAX or a component longer than NAME_MAX: refused.
 * Errors name the entry: "layer entry `../x`: path escapes the root". */
#ifndef SV_LAYER_H
#define SV_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum sv_layer_mode
{
  /* A standalone directory for one layer, ready to be an overlayfs lower
   * dir: whiteouts become 0:0 char devices and opaque xattrs. */
  SV_LAYER_MODE_OVERLAY = 0,
  /* Applied onto the tree of the layers below: whiteouts delete. */
  SV_LAYER_MODE_COPY,
};

enum sv_layer_compression
{
  SV_LAYER_COMPRESSION_AUTO = 0, /* detect gzip, zstd, xz, bzip2 or none */
  SV_LAYER_COMPRESSION_NONE,
  SV_LAYER_COMPRESSION_GZIP,
  SV_LAYER_COMPRESSION_ZSTD,
};

/* Keep xattrs of these namespaces from the layer (security.capability is
 * always kept; others, e.g. security.selinux, are dropped). */
#define SV_LAYER_XATTR_USER 1u    /* user.* */
#define SV_LAYER_XATTR_OVERLAY 2u /* trusted.overlay.* */

/* IDs [container_id, container_id + size) map to [host_id, ...). */
struct sv_id_map
{
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

/* "sha256:" + 64 hex digits + NUL. */
#define SV_LAYER_DIFF_ID_LEN 72

#define SV_LAYER_DEFAULT_MAX_ENTRY_SIZE (UINT64_C (64) << 30)
#define SV_LAYER_DEFAULT_MAX_TOTAL_SIZE (UINT64_C (256) << 30)
#define SV_LAYER_DEFAULT_MAX_ENTRIES UINT64_C (4000000)

struct sv_layer_opts
{
  enum sv_layer_mode mode;
  enum sv_layer_compression compression;
  bool allow_devices;
  unsigned xattrs;                 /* SV_LAYER_XATTR_* */
  bool userxattr;                  /* overlay whiteouts use user.overlay.* */
  uint64_t max_entry_size;         /* bytes of one file; 0: the default */
  uint64_t max_total_size;         /* bytes of all files; 0: the default */
  uint64_t max_entries;            /* 0: the default */
  const struct sv_id_map *uid_map; /* NULL: IDs are kept as they are */
  size_t n_uid_map;
  const struct sv_id_map *gid_map;
  size_t n_gid_map;
  /* When not NULL, receives the diff_id: the sha256 of the uncompressed
   * tar stream, trailing padding included. */
  char *diff_id_out; /* SV_LAYER_DIFF_ID_LEN bytes */
};

struct sv_layer_stats
{
  uint64_t entries; /* tar headers read */
  uint64_t files;   /* regular files written */
  uint64_t dirs;
  uint64_t symlinks;
  uint64_t hardlinks;
  uint64_t whiteouts;       /* .wh. entries converted or applied */
  uint64_t bytes;           /* logical bytes of regular files */
  uint64_t skipped_devices; /* device nodes not created */
};

/* Unpack the layer read from SRC_FD (to its end) into the directory
 * DEST_DIRFD (any open mode, O_PATH included).  O may be NULL for the
 * defaults; STATS may be NULL.  Returns 0, or < 0 with *err set; on error
 * the tree is left half-written and the caller removes it.  A regular
 * file is mapped, so it must not shrink meanwhile (SIGBUS); a helper
 * thread decompresses and is joined before this returns. */
int sv_layer_unpack (int src_fd, int dest_dirfd, const struct sv_layer_opts *o,
                     struct sv_layer_stats *stats, struct sv_err **err);

#endif

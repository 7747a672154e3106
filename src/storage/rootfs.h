/* A container's root filesystem: an overlay of the image's layer
 * directories (shared, read-only) under a per-container upper directory,
 * or, where overlayfs is unavailable, a per-container copy of the layers
 * applied in order, bind-mounted in place.
 *
 *   CTR_DIR/upper, CTR_DIR/work   overlay mode
 *   CTR_DIR/copy                  copy mode (made once, on first mount)
 *
 * The mount at TARGET is private to the caller's mount namespace. */
#ifndef SV_STORAGE_ROOTFS_H
#define SV_STORAGE_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

#include "image/store.h"
#include "util/err.h"

enum sv_rootfs_mode
{
  SV_ROOTFS_AUTO, /* overlay, else copy */
  SV_ROOTFS_OVERLAY,
  SV_ROOTFS_COPY,
};

/* The mode $SERVIN_STORAGE asks for ("overlay", "copy"; else auto). */
enum sv_rootfs_mode sv_rootfs_mode_from_env (void);

/* Mount the root of a container of image IMG at TARGET (created when
 * missing).  *USED (may be NULL) says which mode was used. */
int sv_rootfs_mount (struct sv_store *s, const struct sv_image *img, const char *ctr_dir,
                     const char *target, enum sv_rootfs_mode mode, enum sv_rootfs_mode *used,
                     struct sv_err **err);

/* Unmount TARGET (lazily when busy); not mounted is fine. */
int sv_rootfs_umount (const char *target, struct sv_err **err);

#endif

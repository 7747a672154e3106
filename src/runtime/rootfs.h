/* The container's root: preparing it as a mount, switching to it, and the
 * protections applied once inside. */
#ifndef SV_ROOTFS_H
#define SV_ROOTFS_H

#include <stdbool.h>

#include "runtime/spec.h"

/* Set the propagation of / (rootfsPropagation, default rslave) and bind
 * the rootfs onto itself so it is a mount point.  Returns an O_PATH fd of
 * the rootfs mount. */
int sv_rootfs_prepare (const struct sv_spec *spec, const char *rootfs, struct sv_err **err);
/* Make ROOTFS the root: pivot_root (old root detached), or with NO_PIVOT a
 * MS_MOVE onto / and chroot (for an initramfs root). */
int sv_rootfs_enter (const char *rootfs, bool no_pivot, struct sv_err **err);
/* Inside the new root: readonlyPaths, maskedPaths, a read-only root. */
int sv_rootfs_finalize (const struct sv_spec *spec, struct sv_err **err);

#endif

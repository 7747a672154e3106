/* The spec's mounts, made inside the container's root before pivot_root.
 * Destinations are resolved inside the root (openat2 RESOLVE_IN_ROOT) and
 * mounted through /proc/self/fd/N, so a symlink in the image can never
 * redirect a mount onto the host. */
#ifndef SV_MOUNTS_H
#define SV_MOUNTS_H

#include <stdbool.h>

#include "runtime/spec.h"

struct sv_mount_ctx
{
  const struct sv_spec *spec;
  int rootfd;              /* O_PATH of the container's root directory */
  const char *cgroup_path; /* the container's cgroup (for the cgroup mount), or NULL */
  bool new_cgroupns;
  bool in_userns;
};

/* Mount every entry of spec->mounts in order. */
int sv_mounts_setup (const struct sv_mount_ctx *ctx, struct sv_err **err);
/* True when the spec bind-mounts /dev from the host (no default devices then). */
bool sv_mounts_dev_is_bind (const struct sv_spec *spec);
/* Re-apply FLAGS (MS_RDONLY, MS_NOSUID...) to the bind mount at the
 * /proc/self/fd path TARGET, keeping flags the kernel locked. */
int sv_mount_remount_bind (const char *target, unsigned long flags, struct sv_err **err);

#endif

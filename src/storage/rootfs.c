#include "storage/rootfs.h"
#include "image/layer.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/mount.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum sv_rootfs_mode
sv_rootfs_mode_from_env (void)
{
  const char *m = getenv ("SERVIN_STORAGE");
  if (m && strcmp (m, "copy") == 0)
    return SV_ROOTFS_COPY;
  if (m && strcmp (m, "overlay") == 0)
    return SV_ROOTFS_OVERLAY;
  return SV_ROOTFS_AUTO;
}

static int
fsconfig_str (int fd, const char *key, const char *value)
{
  return (int)syscall (SYS_fsconfig, fd, FSCONFIG_SET_STRING, key, value, 0);
}

/* Mount with the new mount API, adding lower dirs one at a time
 * ("lowerdir+", Linux 6.8) so the number of layers is not bounded by the
 * page-sized option string.  LOWERS is top first. */
static int
overlay_fsmount (char **lowers, const char *upper, const char *work, const char *target)
{
  _cleanup_close_ int fs = (int)syscall (SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
  if (fs < 0)
    return -1;
  for (char **l = lowers; *l; l++)
    if (fsconfig_str (fs, "lowerdir+", *l) < 0)
      return -1;
  if (fsconfig_str (fs, "upperdir", upper) < 0 || fsconfig_str (fs, "workdir", work) < 0
      || syscall (SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -1;
  _cleanup_close_ int mfd = (int)syscall (SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
  if (mfd < 0)
    return -1;
  return (int)syscall (SYS_move_mount, mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
}

/* The classic mount(2) form for kernels without "lowerdir+". */
static int
overlay_mount_classic (char **lowers, const char *upper, const char *work, const char *target)
{
  size_t len = 64 + strlen (upper) + strlen (work);
  for (char **l = lowers; *l; l++)
    len += strlen (*l) + 1;
  _cleanup_free_ char *opts = xmalloc (len + 16);
  char *p = stpcpy (opts, "lowerdir=");
  for (char **l = lowers; *l; l++)
    {
      if (l != lowers)
        *p++ = ':';
      p = stpcpy (p, *l);
    }
  p += sprintf (p, ",upperdir=%s,workdir=%s", upper, work);
  return mount ("overlay", target, "overlay", 0, opts);
}

/* The image's layer directories, top first. */
static int
layer_dirs (struct sv_store *s, const struct sv_image_config *c, char ***out, struct sv_err **err)
{
  char **v = xmalloc0 ((c->n_diff_ids + 1) * sizeof *v);
  for (size_t i = 0; i < c->n_diff_ids; i++)
    {
      if (!sv_store_has_layer (s, c->diff_ids[i], NULL))
        {
          sv_strv_free (v);
          return sv_err_make (err, ENOENT, "layer %s of the image is missing from the store",
                              c->diff_ids[i]);
        }
      v[c->n_diff_ids - 1 - i] = sv_store_layer_path (s, c->diff_ids[i]);
    }
  *out = v;
  return 0;
}

static int
mount_overlay (struct sv_store *s, const struct sv_image_config *c, const char *ctr_dir,
               const char *target, struct sv_err **err)
{
  _cleanup_strv_ char **lowers = NULL;
  if (layer_dirs (s, c, &lowers, err) < 0)
    return -1;
  _cleanup_free_ char *upper = xasprintf ("%s/upper", ctr_dir);
  _cleanup_free_ char *work = xasprintf ("%s/work", ctr_dir);
  _cleanup_free_ char *empty = xasprintf ("%s/empty", ctr_dir);
  if (lowers[0] == NULL)
    {
      /* overlayfs needs one lower dir: an image without layers gets an empty one. */
      if (sv_mkdir_p_at (AT_FDCWD, empty, 0755, err) < 0)
        return -1;
      sv_strv_append (&lowers, empty);
    }
  if (sv_mkdir_p_at (AT_FDCWD, upper, 0755, err) < 0
      || sv_mkdir_p_at (AT_FDCWD, work, 0700, err) < 0)
    return -1;
  if (overlay_fsmount (lowers, upper, work, target) == 0)
    return 0;
  if (errno == EINVAL || errno == ENOSYS)
    if (overlay_mount_classic (lowers, upper, work, target) == 0)
      return 0;
  return sv_err_errno (err, "mount overlay at `%s`", target);
}

/* Copy mode: CTR_DIR/copy holds the layers applied in order (done once). */
static int
make_copy (struct sv_store *s, const struct sv_manifest *m, const char *ctr_dir, char **out,
           struct sv_err **err)
{
  char *dir = xasprintf ("%s/copy", ctr_dir);
  *out = dir;
  if (access (dir, F_OK) == 0)
    return 0;
  _cleanup_free_ char *tmp = xasprintf ("%s/copy.tmp", ctr_dir);
  sv_rm_rf_at (AT_FDCWD, tmp, NULL);
  if (mkdir (tmp, 0755) < 0)
    return sv_err_errno (err, "create `%s`", tmp);
  _cleanup_close_ int rootfd = open (tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (size_t i = 0; rootfd >= 0 && i < m->n_layers; i++)
    {
      _cleanup_close_ int blob = sv_store_open_blob (s, m->layers[i].digest, err);
      struct sv_layer_opts o = { .mode = SV_LAYER_MODE_COPY, .allow_devices = true };
      if (blob < 0 || sv_layer_unpack (blob, rootfd, &o, NULL, err) < 0)
        {
          sv_rm_rf_at (AT_FDCWD, tmp, NULL);
          return sv_err_wrap (err, "copy layer %s", m->layers[i].digest);
        }
    }
  if (rename (tmp, dir) < 0)
    return sv_err_errno (err, "rename `%s`", tmp);
  return 0;
}

int
sv_rootfs_mount (struct sv_store *s, const struct sv_image *img, const char *ctr_dir,
                 const char *target, enum sv_rootfs_mode mode, enum sv_rootfs_mode *used,
                 struct sv_err **err)
{
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  _cleanup_image_config_ struct sv_image_config *c = NULL;
  if (sv_store_image_docs (s, img, &m, &c, err) < 0
      || sv_mkdir_p_at (AT_FDCWD, target, 0755, err) < 0)
    return -1;
  if (mode != SV_ROOTFS_COPY)
    {
      struct sv_err *e = NULL;
      if (mount_overlay (s, c, ctr_dir, target, &e) == 0)
        {
          if (used)
            *used = SV_ROOTFS_OVERLAY;
          return 0;
        }
      if (mode == SV_ROOTFS_OVERLAY
          || (e->code != ENODEV && e->code != EINVAL && e->code != EOPNOTSUPP))
        {
          sv_err_free (err);
          *err = e;
          return -1;
        }
      sv_err_free (&e);
    }
  _cleanup_free_ char *copy = NULL;
  if (make_copy (s, m, ctr_dir, &copy, err) < 0)
    return -1;
  if (mount (copy, target, NULL, MS_BIND | MS_REC, NULL) < 0)
    return sv_err_errno (err, "bind-mount `%s`", copy);
  if (used)
    *used = SV_ROOTFS_COPY;
  return 0;
}

int
sv_rootfs_umount (const char *target, struct sv_err **err)
{
  if (umount2 (target, UMOUNT_NOFOLLOW) == 0 || errno == EINVAL || errno == ENOENT)
    return 0;
  if (errno == EBUSY && umount2 (target, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
    return 0;
  return sv_err_errno (err, "unmount `%s`", target);
}

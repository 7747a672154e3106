#include "runtime/rootfs.h"
#include "runtime/mounts.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int
sv_rootfs_prepare (const struct sv_spec *spec, const char *rootfs, struct sv_err **err)
{
  unsigned long prop = spec->rootfs_propagation ? spec->rootfs_propagation : MS_SLAVE | MS_REC;
  if (mount (NULL, "/", NULL, prop, NULL) < 0)
    return sv_err_errno (err, "set propagation of /");
  if (mount (rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return sv_err_errno (err, "bind rootfs `%s`", rootfs);
  /* pivot_root refuses a shared new root; private unless asked otherwise. */
  if (!(prop & (MS_SHARED)) && mount (NULL, rootfs, NULL, MS_PRIVATE, NULL) < 0)
    return sv_err_errno (err, "make rootfs private");
  int fd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open rootfs `%s`", rootfs);
  return fd;
}

static int
pivot (const char *rootfs, struct sv_err **err)
{
  _cleanup_close_ int oldroot = open ("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0)
    return sv_err_errno (err, "open /");
  _cleanup_close_ int newroot = open (rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (newroot < 0)
    return sv_err_errno (err, "open `%s`", rootfs);
  if (fchdir (newroot) < 0)
    return sv_err_errno (err, "chdir rootfs");
  /* pivot_root(".", ".") stacks the old root on top of the new one; it is
   * then detached without needing a directory for it in the image. */
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return sv_err_errno (err, "pivot_root");
  if (fchdir (oldroot) < 0)
    return sv_err_errno (err, "chdir old root");
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return sv_err_errno (err, "make old root rslave");
  if (umount2 (".", MNT_DETACH) < 0)
    return sv_err_errno (err, "detach old root");
  if (chdir ("/") < 0)
    return sv_err_errno (err, "chdir /");
  return 0;
}

int
sv_rootfs_enter (const char *rootfs, bool no_pivot, struct sv_err **err)
{
  if (!no_pivot)
    return pivot (rootfs, err);
  if (chdir (rootfs) < 0)
    return sv_err_errno (err, "chdir rootfs");
  if (mount (rootfs, "/", NULL, MS_MOVE, NULL) < 0)
    return sv_err_errno (err, "move rootfs to /");
  if (chroot (".") < 0)
    return sv_err_errno (err, "chroot");
  if (chdir ("/") < 0)
    return sv_err_errno (err, "chdir /");
  return 0;
}

static int
readonly_path (const char *path, struct sv_err **err)
{
  if (mount (path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
    {
      if (errno == ENOENT)
        return 0;
      return sv_err_errno (err, "bind readonly path `%s`", path);
    }
  if (sv_mount_remount_bind (path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err) < 0)
    return sv_err_wrap (err, "readonly path `%s`", path);
  return 0;
}

static int
masked_path (const char *path, struct sv_err **err)
{
  struct stat st;
  if (stat (path, &st) < 0)
    return errno == ENOENT ? 0 : sv_err_errno (err, "stat masked path `%s`", path);
  if (S_ISDIR (st.st_mode))
    {
      if (mount ("tmpfs", path, "tmpfs", MS_RDONLY, "size=0") < 0)
        return sv_err_errno (err, "mask `%s`", path);
      return 0;
    }
  if (mount ("/dev/null", path, NULL, MS_BIND, NULL) < 0)
    return sv_err_errno (err, "mask `%s`", path);
  return 0;
}

int
sv_rootfs_finalize (const struct sv_spec *spec, struct sv_err **err)
{
  for (size_t i = 0; spec->readonly_paths && spec->readonly_paths[i]; i++)
    if (readonly_path (spec->readonly_paths[i], err) < 0)
      return -1;
  for (size_t i = 0; spec->masked_paths && spec->masked_paths[i]; i++)
    if (masked_path (spec->masked_paths[i], err) < 0)
      return -1;
  if (spec->root_readonly && sv_mount_remount_bind ("/", MS_RDONLY, err) < 0)
    return sv_err_wrap (err, "make root read-only");
  return 0;
}

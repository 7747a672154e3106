#include "runtime/devices.h"
#include "runtime/mounts.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const struct sv_device default_devices[] = {
  { .path = "/dev/null", .type = 'c', .major = 1, .minor = 3 },
  { .path = "/dev/zero", .type = 'c', .major = 1, .minor = 5 },
  { .path = "/dev/full", .type = 'c', .major = 1, .minor = 7 },
  { .path = "/dev/random", .type = 'c', .major = 1, .minor = 8 },
  { .path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9 },
  { .path = "/dev/tty", .type = 'c', .major = 5, .minor = 0 },
};

static const struct
{
  const char *target, *path;
} dev_symlinks[] = {
  { "/proc/self/fd", "fd" },
  { "/proc/self/fd/0", "stdin" },
  { "/proc/self/fd/1", "stdout" },
  { "/proc/self/fd/2", "stderr" },
};

/* Open the parent directory of PATH inside the root; *base points into PATH. */
static int
open_parent (int rootfd, const char *path, const char **base, struct sv_err **err)
{
  const char *slash = strrchr (path, '/');
  *base = slash ? slash + 1 : path;
  _cleanup_free_ char *dir = xstrndup (path, slash ? (size_t)(slash - path) : 0);
  return sv_mkdir_p_in_root (rootfd, *dir ? dir : "/", 0755, err);
}

static mode_t
type_bits (char type)
{
  switch (type)
    {
    case 'b':
      return S_IFBLK;
    case 'p':
      return S_IFIFO;
    default:
      return S_IFCHR;
    }
}

static int
bind_device (int rootfd, const struct sv_device *d, struct sv_err **err)
{
  const char *base;
  _cleanup_close_ int dirfd = open_parent (rootfd, d->path, &base, err);
  if (dirfd < 0)
    return dirfd;
  _cleanup_close_ int f = openat (dirfd, base, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (f < 0 && errno != EEXIST)
    return sv_err_errno (err, "create `%s`", d->path);
  _cleanup_close_ int target = sv_open_in_root (rootfd, d->path, O_PATH, 0, err);
  if (target < 0)
    return target;
  char t[64];
  snprintf (t, sizeof t, "/proc/self/fd/%d", target);
  if (mount (d->path, t, NULL, MS_BIND, NULL) < 0)
    return sv_err_errno (err, "bind device `%s`", d->path);
  return 0;
}

static int
make_device (int rootfd, const struct sv_device *d, bool bind, struct sv_err **err)
{
  if (bind)
    return bind_device (rootfd, d, err);
  const char *base;
  _cleanup_close_ int dirfd = open_parent (rootfd, d->path, &base, err);
  if (dirfd < 0)
    return dirfd;
  mode_t perm = d->has_mode ? (d->mode & 07777) : 0666;
  dev_t dev = d->type == 'p' ? 0 : makedev (d->major, d->minor);
  (void)unlinkat (dirfd, base, 0);
  if (mknodat (dirfd, base, type_bits (d->type) | perm, dev) < 0)
    {
      if (errno == EPERM)
        return bind_device (rootfd, d, err);
      return sv_err_errno (err, "mknod `%s`", d->path);
    }
  /* mknod honours the umask: set the mode exactly. */
  if (fchmodat (dirfd, base, perm, 0) < 0)
    return sv_err_errno (err, "chmod `%s`", d->path);
  uid_t uid = d->has_uid ? d->uid : 0;
  gid_t gid = d->has_gid ? d->gid : 0;
  if (fchownat (dirfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    return sv_err_errno (err, "chown `%s`", d->path);
  return 0;
}

static int
make_symlinks (int rootfd, bool have_pts, struct sv_err **err)
{
  _cleanup_close_ int dev = sv_mkdir_p_in_root (rootfd, "/dev", 0755, err);
  if (dev < 0)
    return dev;
  for (size_t i = 0; i < sizeof dev_symlinks / sizeof dev_symlinks[0]; i++)
    if (symlinkat (dev_symlinks[i].target, dev, dev_symlinks[i].path) < 0 && errno != EEXIST)
      return sv_err_errno (err, "symlink /dev/%s", dev_symlinks[i].path);
  if (access ("/proc/kcore", F_OK) == 0 && symlinkat ("/proc/kcore", dev, "core") < 0
      && errno != EEXIST)
    return sv_err_errno (err, "symlink /dev/core");
  if (have_pts)
    {
      (void)unlinkat (dev, "ptmx", 0);
      if (symlinkat ("pts/ptmx", dev, "ptmx") < 0)
        return sv_err_errno (err, "symlink /dev/ptmx");
    }
  return 0;
}

static bool
has_mount (const struct sv_spec *spec, const char *dest)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (strcmp (spec->mounts[i].destination, dest) == 0)
      return true;
  return false;
}

int
sv_devices_setup (const struct sv_spec *spec, int rootfd, bool bind, struct sv_err **err)
{
  bool dev_bind = sv_mounts_dev_is_bind (spec);
  if (!dev_bind)
    for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++)
      if (make_device (rootfd, &default_devices[i], bind, err) < 0)
        return -1;
  for (size_t i = 0; i < spec->n_devices; i++)
    if (make_device (rootfd, &spec->devices[i], bind, err) < 0)
      return sv_err_wrap (err, "linux.devices[%zu]", i);
  if (dev_bind)
    return 0;
  return make_symlinks (rootfd, has_mount (spec, "/dev/pts"), err);
}

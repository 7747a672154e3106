#include "runtime/mounts.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROC_FD_PATH(buf, fd) snprintf ((buf), sizeof (buf), "/proc/self/fd/%d", (fd))

static const unsigned long bind_remount_flags
    = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME
      | MS_STRICTATIME | MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK | MS_LAZYTIME;

bool
sv_mounts_dev_is_bind (const struct sv_spec *spec)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (strcmp (spec->mounts[i].destination, "/dev") == 0)
      return spec->mounts[i].is_bind;
  return false;
}

/* Flags of the mount at TARGET that an unprivileged remount may not clear. */
static unsigned long
locked_flags (const char *target)
{
  struct statvfs s;
  if (statvfs (target, &s) < 0)
    return 0;
  unsigned long f = 0;
  if (s.f_flag & ST_NOSUID)
    f |= MS_NOSUID;
  if (s.f_flag & ST_NODEV)
    f |= MS_NODEV;
  if (s.f_flag & ST_NOEXEC)
    f |= MS_NOEXEC;
  if (s.f_flag & ST_RDONLY)
    f |= MS_RDONLY;
  return f;
}

int
sv_mount_remount_bind (const char *target, unsigned long flags, struct sv_err **err)
{
  unsigned long f = MS_REMOUNT | MS_BIND | (flags & bind_remount_flags);
  if (mount (NULL, target, NULL, f, NULL) == 0)
    return 0;
  if (errno != EPERM)
    return sv_err_errno (err, "remount bind");
  /* Inside a user namespace the flags inherited from the host are locked. */
  if (mount (NULL, target, NULL, f | locked_flags (target), NULL) < 0)
    return sv_err_errno (err, "remount bind");
  return 0;
}

/* Create the destination for M inside the root: a directory, or an empty
 * file when a bind mount's source is not a directory.  Returns an O_PATH fd. */
static int
make_dest (int rootfd, const struct sv_mount *m, struct sv_err **err)
{
  bool dir = true;
  if (m->is_bind && m->source)
    {
      struct stat st;
      if (stat (m->source, &st) < 0)
        return sv_err_errno (err, "stat bind source `%s`", m->source);
      dir = S_ISDIR (st.st_mode);
    }
  if (dir)
    return sv_mkdir_p_in_root (rootfd, m->destination, 0755, err);
  _cleanup_free_ char *parent = xstrdup (m->destination);
  char *slash = strrchr (parent, '/');
  if (slash && slash != parent)
    {
      *slash = '\0';
      int pfd = sv_mkdir_p_in_root (rootfd, parent, 0755, err);
      if (pfd < 0)
        return pfd;
      close (pfd);
    }
  int fd = sv_open_in_root (rootfd, m->destination, O_CREAT | O_WRONLY | O_NOFOLLOW, 0644, NULL);
  if (fd >= 0)
    close (fd);
  return sv_open_in_root (rootfd, m->destination, O_PATH, 0, err);
}

static int
apply_attrs (int rootfd, const struct sv_mount *m, struct sv_err **err)
{
  if (m->attr_set == 0 && m->attr_clr == 0)
    return 0;
  _cleanup_close_ int fd = sv_open_in_root (rootfd, m->destination, O_PATH, 0, err);
  if (fd < 0)
    return fd;
  struct mount_attr attr = { .attr_set = m->attr_set, .attr_clr = m->attr_clr };
  if (syscall (SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    return sv_err_errno (err, "set recursive mount attributes on `%s`", m->destination);
  return 0;
}

/* Remount flags and propagation act on the new mount: reopen the
 * destination so the fd names it rather than the directory beneath. */
static int
finish_mount (int rootfd, const struct sv_mount *m, struct sv_err **err)
{
  bool remount = m->is_bind && (m->flags & bind_remount_flags);
  if (remount || m->propagation)
    {
      _cleanup_close_ int fd = sv_open_in_root (rootfd, m->destination, O_PATH, 0, err);
      if (fd < 0)
        return fd;
      char target[64];
      PROC_FD_PATH (target, fd);
      if (remount && sv_mount_remount_bind (target, m->flags, err) < 0)
        return -1;
      if (m->propagation && mount (NULL, target, NULL, m->propagation, NULL) < 0)
        return sv_err_errno (err, "set propagation");
    }
  return apply_attrs (rootfd, m, err);
}

static int
mount_bind (const struct sv_mount *m, const char *target, struct sv_err **err)
{
  unsigned long f = MS_BIND | (m->flags & MS_REC);
  if (mount (m->source, target, NULL, f, NULL) < 0)
    return sv_err_errno (err, "bind `%s`", m->source);
  return 0;
}

static int
mount_fs (const struct sv_mount_ctx *ctx, const struct sv_mount *m, const char *target,
          struct sv_err **err)
{
  unsigned long f = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
  if (mount (m->source ? m->source : m->type, target, m->type, f, m->data) == 0)
    return 0;
  /* sysfs cannot be mounted in a user namespace that does not own the
   * network namespace: bind the host's, as runc does. */
  if (errno == EPERM && strcmp (m->type, "sysfs") == 0 && ctx->in_userns)
    {
      if (mount ("/sys", target, NULL, MS_BIND | MS_REC, NULL) < 0)
        return sv_err_errno (err, "bind /sys");
      return 0;
    }
  return sv_err_errno (err, "mount %s", m->type);
}

int sv_mount_cgroup (const struct sv_mount_ctx *ctx, const struct sv_mount *m, int destfd,
                     struct sv_err **err);

static int
mount_one (const struct sv_mount_ctx *ctx, const struct sv_mount *m, struct sv_err **err)
{
  _cleanup_close_ int fd = make_dest (ctx->rootfd, m, err);
  if (fd < 0)
    return fd;
  char target[64];
  PROC_FD_PATH (target, fd);
  int ret;
  if (m->is_bind)
    ret = mount_bind (m, target, err);
  else if (m->type && strcmp (m->type, "cgroup") == 0)
    ret = sv_mount_cgroup (ctx, m, fd, err);
  else if (m->type == NULL)
    ret = sv_err_make (err, EINVAL, "no type");
  else
    ret = mount_fs (ctx, m, target, err);
  if (ret < 0)
    return ret;
  return finish_mount (ctx->rootfd, m, err);
}

int
sv_mounts_setup (const struct sv_mount_ctx *ctx, struct sv_err **err)
{
  for (size_t i = 0; i < ctx->spec->n_mounts; i++)
    {
      const struct sv_mount *m = &ctx->spec->mounts[i];
      if (mount_one (ctx, m, err) < 0)
        return sv_err_wrap (err, "mounts[%zu] `%s`", i, m->destination);
    }
  return 0;
}

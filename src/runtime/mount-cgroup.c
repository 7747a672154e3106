/* The "cgroup" mount type, as runc gives it meaning: on a pure cgroup v2
 * host a cgroup2 mount; on v1 and hybrid hosts a tmpfs holding one entry
 * per host hierarchy (and the unified one), each showing only the
 * container's own cgroup: a fresh cgroup mount inside a new cgroup
 * namespace, a bind of the container's directory otherwise. */
#include "runtime/mounts.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

int sv_mount_cgroup (const struct sv_mount_ctx *ctx, const struct sv_mount *m, int destfd,
                     struct sv_err **err);

struct hierarchy
{
  char *dir;  /* name under /sys/fs/cgroup: "memory", "cpu,cpuacct", "unified", "systemd" */
  char *opts; /* super options for a fresh mount: "memory", "none,name=systemd" */
  bool v2;
};

static void
hierarchies_free (struct hierarchy *h, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (h[i].dir);
      free (h[i].opts);
    }
  free (h);
}

/* Parse one mountinfo line; fills H when it is a cgroup hierarchy mounted
 * directly under /sys/fs/cgroup. */
static bool
parse_line (char *line, struct hierarchy *h)
{
  char *f[12] = { 0 };
  int n = 0;
  char *save = NULL;
  for (char *t = strtok_r (line, " \n", &save); t && n < 12; t = strtok_r (NULL, " \n", &save))
    f[n++] = t;
  /* fields: id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
  int dash = -1;
  for (int i = 6; i < n; i++)
    if (strcmp (f[i], "-") == 0)
      {
        dash = i;
        break;
      }
  if (dash < 0 || dash + 3 >= n + 1 || f[dash + 1] == NULL)
    return false;
  const char *mp = f[4], *fstype = f[dash + 1];
  if (strncmp (mp, "/sys/fs/cgroup/", 15) != 0 || strchr (mp + 15, '/'))
    return false;
  bool v2 = strcmp (fstype, "cgroup2") == 0;
  if (!v2 && strcmp (fstype, "cgroup") != 0)
    return false;
  h->dir = xstrdup (mp + 15);
  h->v2 = v2;
  /* super options minus rw/ro: the controllers (and name=) to mount. */
  const char *super = f[dash + 3] ? f[dash + 3] : "";
  _cleanup_free_ char *copy = xstrdup (super);
  char *opts = xstrdup ("");
  char *s2 = NULL;
  for (char *o = strtok_r (copy, ",", &s2); o; o = strtok_r (NULL, ",", &s2))
    {
      if (strcmp (o, "rw") == 0 || strcmp (o, "ro") == 0)
        continue;
      char *next = xasprintf ("%s%s%s", opts, *opts ? "," : "", o);
      free (opts);
      opts = next;
    }
  h->opts = opts;
  return true;
}

static int
read_hierarchies (struct hierarchy **out, size_t *n, struct sv_err **err)
{
  _cleanup_fclose_ FILE *f = fopen ("/proc/self/mountinfo", "re");
  if (f == NULL)
    return sv_err_errno (err, "open /proc/self/mountinfo");
  struct hierarchy *v = NULL;
  size_t count = 0;
  _cleanup_free_ char *line = NULL;
  size_t cap = 0;
  while (getline (&line, &cap, f) > 0)
    {
      struct hierarchy h = { 0 };
      if (!parse_line (line, &h))
        continue;
      v = xreallocarray (v, count + 1, sizeof *v);
      v[count++] = h;
    }
  *out = v;
  *n = count;
  return 0;
}

static int
mount_hierarchy (const struct sv_mount_ctx *ctx, const struct hierarchy *h, int tmpfd,
                 unsigned long flags, struct sv_err **err)
{
  if (mkdirat (tmpfd, h->dir, 0755) < 0 && errno != EEXIST)
    return sv_err_errno (err, "mkdir cgroup `%s`", h->dir);
  _cleanup_close_ int dfd = openat (tmpfd, h->dir, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dfd < 0)
    return sv_err_errno (err, "open cgroup `%s`", h->dir);
  char target[64];
  snprintf (target, sizeof target, "/proc/self/fd/%d", dfd);
  if (ctx->new_cgroupns)
    {
      if (mount ("cgroup", target, h->v2 ? "cgroup2" : "cgroup", flags, h->v2 ? NULL : h->opts) < 0)
        return sv_err_errno (err, "mount cgroup `%s`", h->dir);
      return 0;
    }
  _cleanup_free_ char *src
      = xasprintf ("/sys/fs/cgroup/%s%s", h->dir, ctx->cgroup_path ? ctx->cgroup_path : "");
  if (access (src, F_OK) < 0)
    return 0; /* the container has no cgroup in this hierarchy: leave it empty */
  /* Flags (ro, nosuid...) are set on the whole tree at once afterwards. */
  if (mount (src, target, NULL, MS_BIND | MS_REC, NULL) < 0)
    return sv_err_errno (err, "bind cgroup `%s`", src);
  return 0;
}

/* Apply FLAGS to the tmpfs and every hierarchy under it in one
 * mount_setattr(2) call instead of a remount per bind. */
static int
set_tree_flags (int tmpfd, unsigned long flags, struct sv_err **err)
{
  struct mount_attr attr = { 0 };
  if (flags & MS_RDONLY)
    attr.attr_set |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID)
    attr.attr_set |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV)
    attr.attr_set |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC)
    attr.attr_set |= MOUNT_ATTR_NOEXEC;
  if (attr.attr_set == 0)
    return 0;
  if (syscall (SYS_mount_setattr, tmpfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    return sv_err_errno (err, "set the flags of the cgroup mounts");
  return 0;
}

/* Host symlinks such as cpu -> cpu,cpuacct, repeated inside the tmpfs. */
static void
copy_symlinks (int tmpfd)
{
  _cleanup_closedir_ DIR *d = opendir ("/sys/fs/cgroup");
  if (d == NULL)
    return;
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (de->d_type != DT_LNK)
        continue;
      char buf[256];
      ssize_t n = readlinkat (dirfd (d), de->d_name, buf, sizeof buf - 1);
      if (n <= 0 || memchr (buf, '/', n))
        continue;
      buf[n] = '\0';
      (void)symlinkat (buf, tmpfd, de->d_name);
    }
}

static int
mount_v1 (const struct sv_mount_ctx *ctx, const struct sv_mount *m, int destfd, struct sv_err **err)
{
  char target[64];
  snprintf (target, sizeof target, "/proc/self/fd/%d", destfd);
  unsigned long flags = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  if (mount ("tmpfs", target, "tmpfs", flags & ~MS_RDONLY, "mode=755") < 0)
    return sv_err_errno (err, "mount tmpfs for cgroups");
  _cleanup_close_ int tmpfd
      = sv_open_in_root (ctx->rootfd, m->destination, O_PATH | O_DIRECTORY, 0, err);
  if (tmpfd < 0)
    return tmpfd;
  struct hierarchy *h = NULL;
  size_t n = 0;
  if (read_hierarchies (&h, &n, err) < 0)
    return -1;
  int ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++)
    ret = mount_hierarchy (ctx, &h[i], tmpfd, flags, err);
  hierarchies_free (h, n);
  if (ret < 0)
    return ret;
  copy_symlinks (tmpfd);
  return set_tree_flags (tmpfd, flags, err);
}

int
sv_mount_cgroup (const struct sv_mount_ctx *ctx, const struct sv_mount *m, int destfd,
                 struct sv_err **err)
{
  struct statfs sfs;
  if (statfs ("/sys/fs/cgroup", &sfs) < 0)
    return sv_err_errno (err, "statfs /sys/fs/cgroup");
  if (sfs.f_type != CGROUP2_SUPER_MAGIC)
    return mount_v1 (ctx, m, destfd, err);
  char target[64];
  snprintf (target, sizeof target, "/proc/self/fd/%d", destfd);
  unsigned long flags = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  if (mount ("cgroup2", target, "cgroup2", flags, NULL) == 0)
    return 0;
  if (errno != EPERM && errno != EBUSY)
    return sv_err_errno (err, "mount cgroup2");
  _cleanup_free_ char *src
      = xasprintf ("/sys/fs/cgroup%s", ctx->cgroup_path ? ctx->cgroup_path : "");
  if (mount (src, target, NULL, MS_BIND | MS_REC, NULL) < 0)
    return sv_err_errno (err, "bind `%s`", src);
  _cleanup_close_ int mfd = sv_open_in_root (ctx->rootfd, m->destination, O_PATH, 0, err);
  if (mfd < 0)
    return mfd;
  snprintf (target, sizeof target, "/proc/self/fd/%d", mfd);
  return sv_mount_remount_bind (target, flags, err);
}

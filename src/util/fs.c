
#include "fs.h"
#include "cleanup.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int
sv_read_file_at (int dirfd, const char *path, char **out, size_t *len, struct sv_err **err)
{
  _cleanup_close_ int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open `%s`", path);
  size_t cap = 4096, n = 0;
  _cleanup_free_ char *buf = xmalloc (cap);
  for (;;)
    {
      if (n + 1 >= cap)
        buf = xrealloc (buf, cap *= 2);
      ssize_t r = read (fd, buf + n, cap - n - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return sv_err_errno (err, "read `%s`", path);
      if (r == 0)
        break;
      n += r;
    }
  buf[n] = '\0';
  if (len)
    *len = n;
  *out = steal_pointer (&buf);
  return 0;
}

int
sv_write_all (int fd, const void *data, size_t len)
{
  const char *p = data;
  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return -1;
      p += w;
      len -= w;
    }
  return 0;
}

int
sv_write_file_at (int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                  struct sv_err **err)
{
  _cleanup_close_ int fd = openat (dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return sv_err_errno (err, "open `%s`", path);
  if (sv_write_all (fd, data, len) < 0)
    return sv_err_errno (err, "write `%s`", path);
  return 0;
}

int
sv_write_knob_at (int dirfd, const char *path, const char *value, struct sv_err **err)
{
  _cleanup_close_ int fd = openat (dirfd, path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open `%s`", path);
  if (sv_write_all (fd, value, strlen (value)) < 0)
    return sv_err_errno (err, "write `%s` to `%s`", value, path);
  return 0;
}

int
sv_write_file_atomic_at (int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                         struct sv_err **err)
{
  _cleanup_free_ char *tmp = xasprintf ("%s.tmp.%d", path, (int)getpid ());
  int ret = sv_write_file_at (dirfd, tmp, data, len, mode, err);
  if (ret < 0)
    return ret;
  if (renameat (dirfd, tmp, dirfd, path) < 0)
    {
      ret = sv_err_errno (err, "rename `%s`", tmp);
      (void)unlinkat (dirfd, tmp, 0);
      return ret;
    }
  return 0;
}

int
sv_mkdir_p_at (int dirfd, const char *path, mode_t mode, struct sv_err **err)
{
  _cleanup_free_ char *p = xstrdup (path);
  for (char *s = p + 1; *s; s++)
    {
      if (*s != '/')
        continue;
      *s = '\0';
      if (mkdirat (dirfd, p, mode) < 0 && errno != EEXIST)
        return sv_err_errno (err, "mkdir `%s`", p);
      *s = '/';
    }
  if (mkdirat (dirfd, p, mode) < 0 && errno != EEXIST)
    return sv_err_errno (err, "mkdir `%s`", p);
  return 0;
}

static int
rm_rf_fd (int dfd, dev_t dev, const char *name, struct sv_err **err)
{
  _cleanup_close_ int fd = openat (dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOTDIR || errno == ELOOP)
        {
          if (unlinkat (dfd, name, 0) < 0 && errno != ENOENT)
            return sv_err_errno (err, "unlink `%s`", name);
          return 0;
        }
      if (errno == ENOENT)
        return 0;
      return sv_err_errno (err, "open `%s`", name);
    }
  struct stat st;
  if (fstat (fd, &st) < 0)
    return sv_err_errno (err, "stat `%s`", name);
  if (st.st_dev != dev)
    return sv_err_make (err, EBUSY, "`%s` is on another file system", name);
  int dup_fd = dup (fd);
  if (dup_fd < 0)
    return sv_err_errno (err, "dup");
  _cleanup_closedir_ DIR *d = fdopendir (dup_fd);
  if (d == NULL)
    {
      close (dup_fd);
      return sv_err_errno (err, "opendir `%s`", name);
    }
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      int ret = rm_rf_fd (fd, dev, de->d_name, err);
      if (ret < 0)
        return sv_err_wrap (err, "%s", name);
    }
  if (unlinkat (dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return sv_err_errno (err, "rmdir `%s`", name);
  return 0;
}

int
sv_rm_rf_at (int dirfd, const char *path, struct sv_err **err)
{
  struct stat st;
  if (fstatat (dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : sv_err_errno (err, "stat `%s`", path);
  return rm_rf_fd (dirfd, st.st_dev, path, err);
}

int
sv_open_in_root (int rootfd, const char *path, int flags, mode_t mode, struct sv_err **err)
{
  struct open_how how = {
    .flags = (uint64_t)flags | O_CLOEXEC,
    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  while (*path == '/')
    path++;
  if (*path == '\0')
    path = ".";
  for (;;)
    {
      int fd = (int)syscall (SYS_openat2, rootfd, path, &how, sizeof how);
      if (fd >= 0)
        return fd;
      if (errno == EINTR || errno == EAGAIN)
        continue;
      return sv_err_errno (err, "open `%s` in the container root", path);
    }
}

/* One step of sv_mkdir_p_in_root: CUR is the resolved directory PREFIX
 * (a path inside the root without symlinks), COMP the next component.
 * Returns the new fd, or -2 with *link set to the symlink's target when
 * COMP is a symlink the caller must restart through. */
static int
step_in_root (int rootfd, int cur, char **prefix, const char *comp, mode_t mode, char **link,
              struct sv_err **err)
{
  if (strcmp (comp, "..") == 0)
    {
      char *slash = strrchr (*prefix, '/');
      if (slash)
        *slash = '\0';
      return sv_open_in_root (rootfd, **prefix ? *prefix : "/", O_PATH | O_DIRECTORY, 0, err);
    }
  struct stat st;
  if (fstatat (cur, comp, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno != ENOENT)
        return sv_err_errno (err, "stat `%s/%s`", *prefix, comp);
      if (mkdirat (cur, comp, mode) < 0 && errno != EEXIST)
        return sv_err_errno (err, "mkdir `%s/%s`", *prefix, comp);
    }
  else if (S_ISLNK (st.st_mode))
    {
      char buf[PATH_MAX];
      ssize_t n = readlinkat (cur, comp, buf, sizeof buf - 1);
      if (n < 0)
        return sv_err_errno (err, "readlink `%s/%s`", *prefix, comp);
      buf[n] = '\0';
      *link = buf[0] == '/' ? xstrdup (buf) : xasprintf ("%s/%s", *prefix, buf);
      return -2;
    }
  else if (!S_ISDIR (st.st_mode))
    return sv_err_make (err, ENOTDIR, "`%s/%s` is not a directory", *prefix, comp);
  int fd = openat (cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open `%s/%s`", *prefix, comp);
  char *next = xasprintf ("%s/%s", *prefix, comp);
  free (*prefix);
  *prefix = next;
  return fd;
}

static int
mkdir_in_root (int rootfd, const char *path, mode_t mode, int depth, struct sv_err **err)
{
  if (depth > 40)
    return sv_err_make (err, ELOOP, "too many symlinks resolving `%s`", path);
  _cleanup_close_ int cur = sv_open_in_root (rootfd, "/", O_PATH | O_DIRECTORY, 0, err);
  if (cur < 0)
    return cur;
  _cleanup_free_ char *prefix = xstrdup ("");
  _cleanup_free_ char *p = xstrdup (path);
  char *save = NULL;
  for (char *c = strtok_r (p, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      if (strcmp (c, ".") == 0)
        continue;
      _cleanup_free_ char *link = NULL;
      int fd = step_in_root (rootfd, cur, &prefix, c, mode, &link, err);
      if (fd == -2)
        {
          /* Restart through the link's target, clamped to the root. */
          const char *rest = save && *save ? save : "";
          _cleanup_free_ char *again = xasprintf ("%s/%s", link, rest);
          return mkdir_in_root (rootfd, again, mode, depth + 1, err);
        }
      if (fd < 0)
        return fd;
      close (cur);
      cur = fd;
    }
  return TAKE_FD (&cur);
}

int
sv_mkdir_p_in_root (int rootfd, const char *path, mode_t mode, struct sv_err **err)
{
  return mkdir_in_root (rootfd, path, mode, 0, err);
}

int
sv_lock_file (const char *path, struct sv_err **err)
{
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return sv_err_errno (err, "open `%s`", path);
  while (flock (fd, LOCK_EX) < 0)
    if (errno != EINTR)
      {
        int saved = errno;
        close (fd);
        errno = saved;
        return sv_err_errno (err, "lock `%s`", path);
      }
  return fd;
}

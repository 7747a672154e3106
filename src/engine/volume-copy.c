/* docker's copy-up: a new, empty volume mounted where the image has a
 * directory starts with a copy of that directory.  Everything is done
 * through directory fds: the source is resolved inside the container's
 * root (its symlinks cannot leave it) and nothing in the volume is
 * followed, since another container may be using the volume already. */
#include "engine/engine.h"
#include "engine/volume.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

static int copy_dir (int src, int dst, struct sv_err **err);

/* Owner, mode and times of ST onto the open FD (chown first: it clears
 * set-id bits). */
static int
set_meta_fd (int fd, const struct stat *st, const char *name, struct sv_err **err)
{
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  if (fchown (fd, st->st_uid, st->st_gid) < 0 || fchmod (fd, st->st_mode & 07777) < 0
      || futimens (fd, ts) < 0)
    return sv_err_errno (err, "copy-up: set owner and mode of `%s`", name);
  return 0;
}

static int
set_meta_at (int dir, const char *name, const struct stat *st, struct sv_err **err)
{
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  if (fchownat (dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0
      || (!S_ISLNK (st->st_mode)
          && fchmodat (dir, name, st->st_mode & 07777, AT_SYMLINK_NOFOLLOW) < 0)
      || utimensat (dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
    return sv_err_errno (err, "copy-up: set owner and mode of `%s`", name);
  return 0;
}

static int
copy_file (int src, int dst, const char *name, const struct stat *st, struct sv_err **err)
{
  _cleanup_close_ int in = openat (src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return sv_err_errno (err, "copy-up: open `%s`", name);
  _cleanup_close_ int out
      = openat (dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return sv_err_errno (err, "copy-up: create `%s`", name);
  ssize_t n;
  while ((n = sendfile (out, in, NULL, 1 << 20)) > 0)
    ;
  if (n < 0)
    return sv_err_errno (err, "copy-up: copy `%s`", name);
  return set_meta_fd (out, st, name, err);
}

static int
copy_subdir (int src, int dst, const char *name, const struct stat *st, struct sv_err **err)
{
  if (mkdirat (dst, name, 0700) < 0)
    return sv_err_errno (err, "copy-up: mkdir `%s`", name);
  _cleanup_close_ int in = openat (src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  _cleanup_close_ int out = openat (dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0 || out < 0)
    return sv_err_errno (err, "copy-up: open `%s`", name);
  if (copy_dir (in, out, err) < 0)
    return sv_err_wrap (err, "%s", name);
  return set_meta_fd (out, st, name, err);
}

static int
copy_link (int src, int dst, const char *name, const struct stat *st, struct sv_err **err)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat (src, name, target, sizeof target - 1);
  if (n < 0)
    return sv_err_errno (err, "copy-up: readlink `%s`", name);
  target[n] = '\0';
  if (symlinkat (target, dst, name) < 0)
    return sv_err_errno (err, "copy-up: symlink `%s`", name);
  return set_meta_at (dst, name, st, err);
}

static int
copy_entry (int src, int dst, const char *name, struct sv_err **err)
{
  struct stat st;
  if (fstatat (src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return sv_err_errno (err, "copy-up: stat `%s`", name);
  switch (st.st_mode & S_IFMT)
    {
    case S_IFDIR:
      return copy_subdir (src, dst, name, &st, err);
    case S_IFREG:
      return copy_file (src, dst, name, &st, err);
    case S_IFLNK:
      return copy_link (src, dst, name, &st, err);
    default:
      if (mknodat (dst, name, st.st_mode, st.st_rdev) < 0)
        return sv_err_errno (err, "copy-up: mknod `%s`", name);
      return set_meta_at (dst, name, &st, err);
    }
}

/* Copy the content of directory SRC into directory DST (both borrowed). */
static int
copy_dir (int src, int dst, struct sv_err **err)
{
  int fd = dup (src);
  if (fd < 0)
    return sv_err_errno (err, "copy-up: dup");
  _cleanup_closedir_ DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return sv_err_errno (err, "copy-up: read directory");
    }
  struct dirent *de;
  while ((errno = 0, de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (copy_entry (src, dst, de->d_name, err) < 0)
        return -1;
    }
  if (errno != 0)
    return sv_err_errno (err, "copy-up: read directory");
  return 0;
}

/* 1 when directory FD has no entries. */
static int
is_empty (int fd, struct sv_err **err)
{
  int dfd = dup (fd);
  if (dfd < 0)
    return sv_err_errno (err, "dup");
  _cleanup_closedir_ DIR *d = fdopendir (dfd);
  if (d == NULL)
    {
      close (dfd);
      return sv_err_errno (err, "read volume directory");
    }
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      return 0;
  return 1;
}

/* Copy what ROOTFD has at TARGET into volume NAME, when it is empty. */
static int
copy_up_one (struct sv_engine *e, int rootfd, const char *name, const char *target,
             struct sv_err **err)
{
  _cleanup_free_ char *path = sv_volume_path (e, name);
  _cleanup_close_ int dst = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0)
    return sv_err_errno (err, "open `%s`", path);
  int empty = is_empty (dst, err);
  if (empty <= 0)
    return empty;
  struct sv_err *lookup = NULL;
  _cleanup_close_ int src
      = sv_open_in_root (rootfd, target, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, &lookup);
  if (src < 0)
    {
      /* The image has nothing (or no directory) there: the volume stays empty. */
      int code = lookup ? lookup->code : 0;
      sv_err_free (&lookup);
      if (code == ENOENT || code == ENOTDIR)
        return 0;
      return sv_err_make (err, code, "open `%s` in the image", target);
    }
  struct stat st;
  if (fstat (src, &st) < 0)
    return sv_err_errno (err, "stat `%s`", target);
  if (copy_dir (src, dst, err) < 0 || set_meta_fd (dst, &st, target, err) < 0)
    return -1;
  return 0;
}

int
sv_volume_copy_up (struct sv_engine *e, const struct sv_ctr *c, const char *rootfs,
                   struct sv_err **err)
{
  if (c->started_at != NULL)
    return 0;
  _cleanup_close_ int rootfd = -1;
  size_t i;
  json_t *m;
  json_array_foreach (json_object_get (json_object_get (c->config, "HostConfig"), "Mounts"), i, m)
  {
    const char *type = json_string_value (json_object_get (m, "Type"));
    const char *src = json_string_value (json_object_get (m, "Source"));
    const char *dst = json_string_value (json_object_get (m, "Target"));
    if (type == NULL || strcmp (type, "volume") != 0 || src == NULL || dst == NULL
        || json_is_true (json_object_get (json_object_get (m, "VolumeOptions"), "NoCopy")))
      continue;
    if (rootfd < 0 && (rootfd = open (rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
      return sv_err_errno (err, "open `%s`", rootfs);
    if (copy_up_one (e, rootfd, src, dst, err) < 0)
      return sv_err_wrap (err, "volume %s", src);
  }
  return 0;
}

/* OCI whiteouts: the overlay form, the copy form and the reverse. */
#include "image/whiteout.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *
opaque_xattr (unsigned flags)
{
  return (flags & SV_WHITEOUT_USERXATTR) ? "user.overlay.opaque" : "trusted.overlay.opaque";
}

int
sv_whiteout_parse (const char *base, const char **target, struct sv_err **err)
{
  if (strncmp (base, SV_WHITEOUT_PREFIX, strlen (SV_WHITEOUT_PREFIX)) != 0)
    return SV_WHITEOUT_NONE;
  if (strcmp (base, SV_WHITEOUT_OPAQUE) == 0)
    return SV_WHITEOUT_OPAQUE_DIR;
  if (strncmp (base, SV_WHITEOUT_META_PREFIX, strlen (SV_WHITEOUT_META_PREFIX)) == 0)
    return SV_WHITEOUT_META;
  const char *name = base + strlen (SV_WHITEOUT_PREFIX);
  if (*name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0 || strchr (name, '/'))
    return sv_err_make (err, EINVAL, "whiteout `%s` names no file", base);
  if (target)
    *target = name;
  return SV_WHITEOUT_FILE;
}

/* Remove NAME in DIRFD whatever it is; a missing NAME is fine. */
static int
remove_any (int dirfd, const char *name, struct sv_err **err)
{
  if (unlinkat (dirfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return sv_err_errno (err, "unlink `%s`", name);
  return sv_rm_rf_at (dirfd, name, err);
}

int
sv_whiteout_overlay_file (int dirfd, const char *name, uid_t uid, gid_t gid, struct sv_err **err)
{
  int ret = remove_any (dirfd, name, err);
  if (ret < 0)
    return ret;
  if (mknodat (dirfd, name, S_IFCHR | 0, makedev (0, 0)) < 0)
    return sv_err_errno (err, "mknod whiteout `%s`", name);
  if (fchownat (dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    return sv_err_errno (err, "chown whiteout `%s`", name);
  return 0;
}

int
sv_whiteout_overlay_opaque (int dirfd, unsigned flags, struct sv_err **err)
{
  if (fsetxattr (dirfd, opaque_xattr (flags), "y", 1, 0) < 0)
    return sv_err_errno (err, "set %s", opaque_xattr (flags));
  return 0;
}

int
sv_whiteout_copy_file (int dirfd, const char *name, struct sv_err **err)
{
  return remove_any (dirfd, name, err);
}

int
sv_whiteout_copy_opaque (int dirfd, sv_whiteout_keep_fn keep, void *data, struct sv_err **err)
{
  int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open opaque directory");
  _cleanup_closedir_ DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      int ret = sv_err_errno (err, "opendir opaque directory");
      close (fd);
      return ret;
    }
  struct dirent *de;
  while ((errno = 0, de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (keep && keep (de->d_name, data))
        continue;
      int ret = remove_any (fd, de->d_name, err); /* fd is owned by d */
      if (ret < 0)
        return ret;
    }
  if (errno != 0)
    return sv_err_errno (err, "readdir opaque directory");
  return 0;
}

struct sv_whiteout_seen
{
  char **slot; /* open addressing, linear probing, at most half full */
  size_t cap, n;
};

struct sv_whiteout_seen *
sv_whiteout_seen_new (void)
{
  struct sv_whiteout_seen *s = xmalloc0 (sizeof *s);
  s->cap = 256;
  s->slot = xmalloc0 (s->cap * sizeof *s->slot);
  return s;
}

void
sv_whiteout_seen_free (struct sv_whiteout_seen **s)
{
  if (*s == NULL)
    return;
  for (size_t i = 0; i < (*s)->cap; i++)
    free ((*s)->slot[i]);
  free ((*s)->slot);
  free (*s);
  *s = NULL;
}

static size_t
hash_bytes (const char *p, size_t len)
{
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
  return (size_t)h;
}

/* The slot holding PATH[0..LEN), or the empty slot where it belongs. */
static char **
seen_slot (const struct sv_whiteout_seen *s, const char *path, size_t len)
{
  for (size_t i = hash_bytes (path, len) & (s->cap - 1);; i = (i + 1) & (s->cap - 1))
    {
      char *p = s->slot[i];
      if (p == NULL || (strncmp (p, path, len) == 0 && p[len] == '\0'))
        return &s->slot[i];
    }
}

static void
seen_grow (struct sv_whiteout_seen *s)
{
  struct sv_whiteout_seen old = *s;
  s->cap *= 2;
  s->slot = xmalloc0 (s->cap * sizeof *s->slot);
  for (size_t i = 0; i < old.cap; i++)
    if (old.slot[i])
      *seen_slot (s, old.slot[i], strlen (old.slot[i])) = old.slot[i];
  free (old.slot);
}

bool
sv_whiteout_seen_has (const struct sv_whiteout_seen *s, const char *path, size_t len)
{
  return *seen_slot (s, path, len) != NULL;
}

void
sv_whiteout_seen_add (struct sv_whiteout_seen *s, const char *path)
{
  for (size_t len = strlen (path); len > 0;)
    {
      char **slot = seen_slot (s, path, len);
      if (*slot)
        return; /* its ancestors are in too */
      *slot = xstrndup (path, len);
      if (++s->n * 2 > s->cap)
        seen_grow (s);
      while (len > 0 && path[len - 1] != '/')
        len--;
      len -= len > 0;
    }
}

/* 1 when the directory NAME in DIRFD carries the opaque xattr, else 0. */
static int
is_opaque_dir (int dirfd, const char *name, unsigned flags, struct sv_err **err)
{
  _cleanup_close_ int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open `%s`", name);
  char v[2];
  ssize_t n = fgetxattr (fd, opaque_xattr (flags), v, sizeof v);
  if (n < 0 && (errno == ENODATA || errno == ENOTSUP))
    return 0;
  if (n < 0)
    return sv_err_errno (err, "read %s of `%s`", opaque_xattr (flags), name);
  return n == 1 && v[0] == 'y';
}

int
sv_whiteout_to_oci (int dirfd, const char *name, unsigned flags, char **oci_name,
                    struct sv_err **err)
{
  struct stat st;
  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return sv_err_errno (err, "stat `%s`", name);
  if (S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0))
    {
      *oci_name = xasprintf (SV_WHITEOUT_PREFIX "%s", name);
      return SV_WHITEOUT_FILE;
    }
  if (!S_ISDIR (st.st_mode))
    return SV_WHITEOUT_NONE;
  int ret = is_opaque_dir (dirfd, name, flags, err);
  if (ret <= 0)
    return ret;
  *oci_name = xasprintf ("%s/" SV_WHITEOUT_OPAQUE, name);
  return SV_WHITEOUT_OPAQUE_DIR;
}

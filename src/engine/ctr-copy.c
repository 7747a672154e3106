/* `cp` in and out of a container, and `export`.  A copy is a tar stream:
 * the source tree is written as tar entries (ctr-tar.c) named as they
 * should land, then unpacked into the destination directory by the layer
 * unpacker, which resolves every entry inside that directory
 * (RESOLVE_IN_ROOT).  On the container's side the source and destination
 * directories are themselves opened inside its root, so no symlink in the
 * container, absolute or relative, can lead a copy onto the host. */
#include "engine/ctr-ops.h"
#include "image/archive-internal.h"
#include "image/layer.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A path split as cp reads it. */
struct cp_path
{
  char *parent;  /* the directory holding it */
  char *base;    /* its last component; "." for the root */
  bool slash;    /* written with a trailing '/' (must be a directory) */
  bool contents; /* written as DIR/. : the directory's content, not itself */
};

static void
cp_path_clear (struct cp_path *p)
{
  free (p->parent);
  free (p->base);
}
#define _cleanup_cp_path_ _cleanup_ (cp_path_clear)

/* PATH of the container cleaned as filepath.Clean does, absolute, so that
 * no ".." remains to walk up from the root. */
static char *
clean_in_root (const char *path)
{
  char *out = xmalloc (strlen (path) + 2);
  size_t n = 0;
  for (const char *p = path; *p;)
    {
      size_t len = strcspn (p, "/");
      if (len == 2 && strncmp (p, "..", 2) == 0)
        while (n > 0 && out[--n] != '/')
          ;
      else if (len > 0 && !(len == 1 && *p == '.'))
        {
          out[n++] = '/';
          memcpy (out + n, p, len);
          n += len;
        }
      p += len + (p[len] == '/');
    }
  if (n == 0)
    out[n++] = '/';
  out[n] = '\0';
  return out;
}

static void
cp_path_split (const char *path, bool in_root, struct cp_path *p)
{
  size_t len = strlen (path);
  p->contents = (len >= 2 && strcmp (path + len - 2, "/.") == 0) || strcmp (path, ".") == 0;
  p->slash = len > 1 && path[len - 1] == '/';
  char *s = in_root ? clean_in_root (path) : xstrdup (path);
  len = strlen (s);
  while (len > 1 && s[len - 1] == '/')
    s[--len] = '\0';
  char *slash = strrchr (s, '/');
  if (strcmp (s, "/") == 0)
    {
      p->parent = xstrdup ("/");
      p->base = xstrdup (".");
      p->contents = true;
    }
  else if (slash == NULL)
    {
      p->parent = xstrdup (".");
      p->base = xstrdup (s);
    }
  else
    {
      p->parent = slash == s ? xstrdup ("/") : xstrndup (s, (size_t)(slash - s));
      p->base = xstrdup (slash + 1);
    }
  if (strcmp (p->base, ".") == 0)
    p->contents = true;
  free (s);
}

/* Open PATH on the host (ROOTFD < 0) or inside the root ROOTFD. */
static int
open_side (int rootfd, const char *path, int flags, struct sv_err **err)
{
  if (rootfd >= 0)
    return sv_open_in_root (rootfd, path, flags, 0, err);
  int fd = open (path, flags | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open `%s`", path);
  return fd;
}

/* Where a copy of a source (a directory when SRC_DIR) lands for the
 * destination DEST: the directory *DIRFD and the name *ARCNAME in it
 * ("" when the content of the source goes straight into *DIRFD). */
static int
dest_target (int rootfd, const char *dest, bool src_dir, const struct cp_path *src, int *dirfd,
             char **arcname, struct sv_err **err)
{
  _cleanup_cp_path_ struct cp_path d = { 0 };
  cp_path_split (dest, rootfd >= 0, &d);
  _cleanup_free_ char *full = rootfd >= 0 ? clean_in_root (dest) : xstrdup (dest);
  _cleanup_close_ int fd = open_side (rootfd, full, O_PATH, err);
  struct stat st;
  if (fd >= 0 && fstat (fd, &st) == 0 && S_ISDIR (st.st_mode))
    {
      *arcname = xstrdup (src->contents && src_dir ? "" : src->base);
      *dirfd = TAKE_FD (&fd);
      return 0;
    }
  if (fd >= 0 && src_dir)
    return sv_err_make_plain (err, ENOTDIR, "cannot copy a directory to the file `%s`", dest);
  if (fd < 0 && (*err)->code != ENOENT)
    return -1;
  if (fd < 0 && d.slash && !src_dir)
    return sv_err_make_plain (err, ENOENT, "destination directory `%s` does not exist", dest);
  sv_err_free (err);
  *dirfd = open_side (rootfd, d.parent, O_PATH | O_DIRECTORY, err);
  if (*dirfd < 0)
    return sv_err_wrap (err, "destination `%s`", dest);
  *arcname = xstrdup (d.base);
  return 0;
}

/* Write NAME of DIRFD as ARCNAME to a new unnamed file next to the data
 * root's content; *OUT is it, rewound. */
static int
tar_to_tmp (struct sv_engine *e, int dirfd, const char *name, const char *arcname, bool follow,
            const struct sv_tar_opts *to, int *out, struct sv_err **err)
{
  _cleanup_close_ int fd = open (e->paths.data_root, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    return sv_err_errno (err, "create a temporary file in `%s`", e->paths.data_root);
  _cleanup_archive_write_ struct archive *a = NULL;
  if (sv_tar_writer_fd (fd, &a, err) < 0
      || sv_tar_add_tree (a, dirfd, name, arcname, follow, to, err) < 0)
    return -1;
  if (archive_write_close (a) != ARCHIVE_OK)
    return sv_archive_err (a, err, "write the tar stream");
  if (lseek (fd, 0, SEEK_SET) < 0)
    return sv_err_errno (err, "rewind");
  *out = TAKE_FD (&fd);
  return 0;
}

static int
tar_to_fd (int fd, int dirfd, const char *name, const char *arcname, bool follow,
           const struct sv_tar_opts *to, struct sv_err **err)
{
  _cleanup_archive_write_ struct archive *a = NULL;
  if (sv_tar_writer_fd (fd, &a, err) < 0
      || sv_tar_add_tree (a, dirfd, name, arcname, follow, to, err) < 0)
    return -1;
  if (archive_write_close (a) != ARCHIVE_OK)
    return sv_archive_err (a, err, "write the tar stream");
  return 0;
}

static int
unpack (int tar_fd, int dirfd, bool devices, struct sv_err **err)
{
  struct sv_layer_opts lo = { .mode = SV_LAYER_MODE_COPY, .allow_devices = devices };
  return sv_layer_unpack (tar_fd, dirfd, &lo, NULL, err);
}

/* The source SRC: its parent directory open as *DIRFD; *IS_DIR. */
static int
open_source (int rootfd, const struct cp_path *src, const char *shown, bool follow, int *dirfd,
             bool *is_dir, struct sv_err **err)
{
  _cleanup_close_ int fd = open_side (rootfd, src->parent, O_PATH | O_DIRECTORY, err);
  struct stat st;
  int r = fd < 0 ? -1 : fstatat (fd, src->base, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW);
  if (r < 0 && fd >= 0)
    sv_err_errno (err, "`%s`", shown);
  if (r < 0 && (*err)->code == ENOENT)
    return sv_err_make_plain (err, ENOENT, "Could not find the file %s", shown);
  if (r < 0)
    return -1;
  if (src->slash && !S_ISDIR (st.st_mode))
    return sv_err_make_plain (err, ENOTDIR, "`%s` is not a directory", shown);
  *is_dir = S_ISDIR (st.st_mode);
  *dirfd = TAKE_FD (&fd);
  return 0;
}

int
sv_engine_copy_out (struct sv_engine *e, struct sv_ctr *c, const char *src, const char *dest,
                    int out_fd, const struct sv_copy_opts *o, struct sv_err **err)
{
  struct sv_ctr_root root;
  _cleanup_cp_path_ struct cp_path s = { 0 };
  cp_path_split (src, true, &s);
  if (sv_ctr_root_open (e, c, &root, err) < 0)
    return -1;
  _cleanup_close_ int sfd = -1, dfd = -1, tmp = -1;
  _cleanup_free_ char *arcname = NULL;
  struct sv_tar_opts to
      = { .uid = o->archive ? -1 : (int)getuid (), .gid = o->archive ? -1 : (int)getgid () };
  bool is_dir = false;
  int r = open_source (root.fd, &s, src, o->follow_link, &sfd, &is_dir, err);
  if (r < 0 && (*err)->code == ENOENT)
    sv_err_make_plain (err, ENOENT, "Could not find the file %s in container %s", src, c->name);
  if (r == 0 && strcmp (dest, "-") == 0)
    r = tar_to_fd (out_fd, sfd, s.base, s.contents && is_dir ? "" : s.base, o->follow_link, &to,
                   err);
  else if (r == 0)
    {
      r = dest_target (-1, dest, is_dir, &s, &dfd, &arcname, err);
      if (r == 0)
        r = tar_to_tmp (e, sfd, s.base, arcname, o->follow_link, &to, &tmp, err);
      if (r == 0)
        r = unpack (tmp, dfd, false, err);
    }
  sv_ctr_root_close (&root);
  return r;
}

int
sv_engine_copy_in (struct sv_engine *e, struct sv_ctr *c, const char *src, const char *dest,
                   int in_fd, const struct sv_copy_opts *o, struct sv_err **err)
{
  struct sv_ctr_root root;
  _cleanup_cp_path_ struct cp_path s = { 0 };
  cp_path_split (src, false, &s);
  if (sv_ctr_root_open (e, c, &root, err) < 0)
    return -1;
  _cleanup_close_ int sfd = -1, dfd = -1, tmp = -1;
  _cleanup_free_ char *arcname = NULL;
  _cleanup_free_ char *full = clean_in_root (dest);
  struct sv_tar_opts to = { .uid = o->archive ? -1 : 0, .gid = o->archive ? -1 : 0 };
  bool is_dir = false;
  int r;
  if (strcmp (src, "-") == 0)
    {
      dfd = sv_open_in_root (root.fd, full, O_PATH | O_DIRECTORY, 0, err);
      r = dfd < 0 ? sv_err_wrap (err, "destination `%s` must be a directory", dest)
                  : unpack (in_fd, dfd, true, err);
    }
  else
    {
      r = open_source (-1, &s, src, o->follow_link, &sfd, &is_dir, err);
      if (r == 0)
        r = dest_target (root.fd, dest, is_dir, &s, &dfd, &arcname, err);
      if (r == 0)
        r = tar_to_tmp (e, sfd, s.base, arcname, o->follow_link, &to, &tmp, err);
      if (r == 0)
        r = unpack (tmp, dfd, true, err);
    }
  sv_ctr_root_close (&root);
  return r;
}

int
sv_engine_export (struct sv_engine *e, struct sv_ctr *c, int fd, struct sv_err **err)
{
  struct sv_ctr_root root;
  if (sv_ctr_root_open (e, c, &root, err) < 0)
    return -1;
  struct sv_tar_opts to = { .uid = -1, .gid = -1 };
  int r = tar_to_fd (fd, root.fd, ".", "", false, &to, err);
  sv_ctr_root_close (&root);
  return r;
}

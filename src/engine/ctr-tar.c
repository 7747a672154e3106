/* A directory tree as tar entries, walked by file descriptors (see
 * ctr-ops.h): every file is opened relative to its parent without
 * following a symlink, so a tree that changes meanwhile (a running
 * container's root) cannot lead the walk elsewhere. */
#include "engine/ctr-ops.h"
#include "image/archive-internal.h"
#include "image/whiteout.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define COPY_BLOCK (256 * 1024)

struct link
{
  dev_t dev;
  ino_t ino;
  char *path;
};

struct walk
{
  struct archive *a;
  const struct sv_tar_opts *o;
  struct archive_entry *e;
  struct link *links;
  size_t n_links;
  char *buf; /* COPY_BLOCK bytes */
};

int
sv_tar_writer_fd (int fd, struct archive **out, struct sv_err **err)
{
  _cleanup_archive_write_ struct archive *a = archive_write_new ();
  if (a == NULL)
    return sv_err_make (err, ENOMEM, "archive_write_new");
  if (archive_write_set_format_pax_restricted (a) != ARCHIVE_OK
      || archive_write_set_bytes_in_last_block (a, 1) != ARCHIVE_OK
      || archive_write_open_fd (a, fd) != ARCHIVE_OK)
    return sv_archive_err (a, err, "open the tar writer");
  *out = steal_pointer (&a);
  return 0;
}

static char *
join (const char *prefix, const char *name)
{
  return *prefix ? xasprintf ("%s/%s", prefix, name) : xstrdup (name);
}

/* Start the entry PATH with the metadata of ST. */
static struct archive_entry *
entry (struct walk *w, const char *path, const struct stat *st)
{
  struct archive_entry *e = archive_entry_clear (w->e);
  archive_entry_copy_stat (e, st);
  archive_entry_set_pathname (e, path);
  if (!S_ISREG (st->st_mode))
    archive_entry_set_size (e, 0);
  if (w->o->uid >= 0)
    archive_entry_set_uid (e, (la_int64_t)w->o->uid);
  if (w->o->gid >= 0)
    archive_entry_set_gid (e, (la_int64_t)w->o->gid);
  return e;
}

static int
write_header (struct walk *w, struct sv_err **err)
{
  if (archive_write_header (w->a, w->e) < ARCHIVE_WARN)
    return sv_archive_err (w->a, err, archive_entry_pathname (w->e));
  return 0;
}

/* File capabilities travel with the file (ping, for one). */
static void
add_caps (struct walk *w, int fd)
{
  char v[256];
  ssize_t n = fgetxattr (fd, "security.capability", v, sizeof v);
  if (n > 0)
    archive_entry_xattr_add_entry (w->e, "security.capability", v, (size_t)n);
}

/* The path already stored for this inode, or NULL (and it is recorded). */
static const char *
hardlink_of (struct walk *w, const struct stat *st, const char *path)
{
  if (st->st_nlink < 2)
    return NULL;
  for (size_t i = 0; i < w->n_links; i++)
    if (w->links[i].dev == st->st_dev && w->links[i].ino == st->st_ino)
      return w->links[i].path;
  w->links = xrealloc (w->links, (w->n_links + 1) * sizeof *w->links);
  w->links[w->n_links++] = (struct link){ st->st_dev, st->st_ino, xstrdup (path) };
  return NULL;
}

static int
add_file (struct walk *w, int fd, const struct stat *st, const char *path, struct sv_err **err)
{
  entry (w, path, st);
  const char *target = hardlink_of (w, st, path);
  if (target)
    {
      archive_entry_set_size (w->e, 0);
      archive_entry_set_hardlink (w->e, target);
      return write_header (w, err);
    }
  add_caps (w, fd);
  if (write_header (w, err) < 0)
    return -1;
  /* A file that shrinks meanwhile is padded by libarchive; one that grows
   * is cut at the size in the header. */
  for (int64_t left = st->st_size; left > 0;)
    {
      ssize_t n = read (fd, w->buf, COPY_BLOCK);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return sv_err_errno (err, "read `%s`", path);
      if (n == 0)
        break;
      if (archive_write_data (w->a, w->buf, (size_t)n) < 0)
        return sv_archive_err (w->a, err, path);
      left -= n;
    }
  return 0;
}

static int
add_symlink (struct walk *w, int dirfd, const char *name, const struct stat *st, const char *path,
             struct sv_err **err)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat (dirfd, name, target, sizeof target - 1);
  if (n < 0)
    return sv_err_errno (err, "readlink `%s`", path);
  target[n] = '\0';
  entry (w, path, st);
  archive_entry_set_symlink (w->e, target);
  return write_header (w, err);
}

static int add_node (struct walk *w, int dirfd, const char *name, const char *path, bool follow,
                     struct sv_err **err);

/* One child of a directory of an overlay upper dir: its whiteouts become
 * OCI ones.  Returns 1 when the child was a file whiteout (done). */
static int
child_whiteout (struct walk *w, int dfd, const char *name, const char *prefix, char **opaque,
                struct sv_err **err)
{
  char *oci = NULL;
  int kind = sv_whiteout_to_oci (dfd, name, 0, &oci, err);
  if (kind < 0)
    return -1;
  _cleanup_free_ char *path = oci ? join (prefix, oci) : NULL;
  free (oci);
  if (kind == SV_WHITEOUT_OPAQUE_DIR)
    *opaque = steal_pointer (&path);
  if (kind != SV_WHITEOUT_FILE)
    return 0;
  struct stat st = { .st_mode = S_IFREG | 0644, .st_nlink = 1 };
  entry (w, path, &st);
  return write_header (w, err) < 0 ? -1 : 1;
}

static int
add_children (struct walk *w, int fd, const char *prefix, struct sv_err **err)
{
  int dup_fd = fcntl (fd, F_DUPFD_CLOEXEC, 3);
  if (dup_fd < 0)
    return sv_err_errno (err, "dup");
  _cleanup_closedir_ DIR *d = fdopendir (dup_fd);
  if (d == NULL)
    {
      close (dup_fd);
      return sv_err_errno (err, "read the directory `%s`", *prefix ? prefix : ".");
    }
  struct dirent *de;
  while ((errno = 0, de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      _cleanup_free_ char *opaque = NULL;
      int r = w->o->whiteouts ? child_whiteout (w, fd, de->d_name, prefix, &opaque, err) : 0;
      if (r < 0)
        return -1;
      if (r > 0)
        continue;
      _cleanup_free_ char *path = join (prefix, de->d_name);
      if (add_node (w, fd, de->d_name, path, false, err) < 0)
        return -1;
      /* Readers apply an opaque marker wherever it comes in the directory. */
      struct stat st = { .st_mode = S_IFREG | 0644, .st_nlink = 1 };
      if (opaque && (entry (w, opaque, &st), write_header (w, err) < 0))
        return -1;
    }
  if (errno)
    return sv_err_errno (err, "read the directory `%s`", *prefix ? prefix : ".");
  return 0;
}

/* NAME of DIRFD as PATH ("" for a directory: no entry of its own). */
static int
add_node (struct walk *w, int dirfd, const char *name, const char *path, bool follow,
          struct sv_err **err)
{
  struct stat st;
  if (fstatat (dirfd, name, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) < 0)
    return sv_err_errno (err, "stat `%s`", *path ? path : name);
  if (S_ISLNK (st.st_mode))
    return add_symlink (w, dirfd, name, &st, path, err);
  if (S_ISSOCK (st.st_mode))
    return 0;
  if (!S_ISREG (st.st_mode) && !S_ISDIR (st.st_mode))
    return entry (w, path, &st), write_header (w, err);
  int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW);
  _cleanup_close_ int fd = openat (dirfd, name, flags | (S_ISDIR (st.st_mode) ? O_DIRECTORY : 0));
  if (fd < 0 || fstat (fd, &st) < 0)
    return sv_err_errno (err, "open `%s`", *path ? path : name);
  if (S_ISREG (st.st_mode))
    return add_file (w, fd, &st, path, err);
  if (!S_ISDIR (st.st_mode))
    return sv_err_make (err, EAGAIN, "`%s` changed while it was read", path);
  if (*path)
    {
      entry (w, path, &st);
      add_caps (w, fd);
      if (write_header (w, err) < 0)
        return -1;
    }
  return add_children (w, fd, path, err);
}

int
sv_tar_add_tree (struct archive *a, int dirfd, const char *name, const char *arcname,
                 bool follow_top, const struct sv_tar_opts *o, struct sv_err **err)
{
  struct walk w = { .a = a, .o = o, .e = archive_entry_new (), .buf = xmalloc (COPY_BLOCK) };
  int r = add_node (&w, dirfd, name, arcname, follow_top, err);
  for (size_t i = 0; i < w.n_links; i++)
    free (w.links[i].path);
  free (w.links);
  free (w.buf);
  archive_entry_free (w.e);
  return r;
}

/* Unpacking an image layer into a directory, without ever leaving it.
 *
 * The stream goes through two stages, on two threads (layer-source.c):
 *   source: SRC_FD -> decompression (ISA-L for gzip, else libarchive's
 *           filters) -> sha256, into a ring of blocks, ahead of
 *   tar:    a libarchive tar reader that takes those blocks through a
 *           callback (sv_layer_source_read) and writes the entries.
 * So the diff_id is the hash of exactly the bytes the tar reader parses,
 * and the bytes after the end-of-archive blocks are hashed too when the
 * source is drained at the end.
 *
 * Entries are then written relative to the destination fd: each parent is
 * opened with openat2 (RESOLVE_IN_ROOT) and cached while entries share it,
 * the last component is created with O_EXCL / O_NOFOLLOW (a file with its
 * permission bits, so chown and chmod are needed only when they differ)
 * and replaced when it exists, file data goes out through one reused
 * buffer in large pwrite(2)s (holes of sparse files are skipped), and
 * directories get their owner, mode, xattrs and times in a final pass,
 * deepest first, so that writing their content does not undo them. */
#include "image/layer-internal.h"
#include "image/whiteout.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define WBUF_SIZE (1024 * 1024)
#define ERR_NAME_MAX 300

/* ---- metadata ---- */

struct xattr
{
  char *name;
  void *value;
  size_t size;
};

struct meta
{
  mode_t mode; /* permission bits, 07777 */
  uid_t uid;
  gid_t gid;
  struct timespec ts[2]; /* atime, mtime */
  struct xattr *xa;
  size_t n_xa;
};

/* A directory whose metadata is applied in the final pass. */
struct dir_meta
{
  char *path; /* cleaned, "" for the root */
  size_t seq; /* order of appearance */
  struct meta m;
};

struct unpack
{
  struct sv_layer_opts opts;
  int dest;
  struct sv_layer_stats st;
  uint64_t total;
  char *wbuf;
  char *ppath; /* the cached parent: its cleaned path and O_PATH fd */
  int pfd;
  bool pstale; /* something was removed since the parent was opened */
  struct dir_meta *dirs;
  size_t n_dirs, cap_dirs;
  struct sv_whiteout_seen *seen; /* copy mode: what the layer wrote */
};

static void
meta_free (struct meta *m)
{
  for (size_t i = 0; i < m->n_xa; i++)
    {
      free (m->xa[i].name);
      free (m->xa[i].value);
    }
  free (m->xa);
}

static void
unpack_free (struct unpack *u)
{
  free (u->wbuf);
  free (u->ppath);
  if (u->pfd >= 0)
    close (u->pfd);
  for (size_t i = 0; i < u->n_dirs; i++)
    {
      free (u->dirs[i].path);
      meta_free (&u->dirs[i].m);
    }
  free (u->dirs);
  sv_whiteout_seen_free (&u->seen);
}

static int
map_id (const struct sv_id_map *map, size_t n, int64_t id, const char *what, uint32_t *out,
        struct sv_err **err)
{
  if (id < 0 || id > UINT32_MAX)
    return sv_err_make (err, EINVAL, "%s %" PRId64 " out of range", what, id);
  if (map == NULL)
    {
      *out = (uint32_t)id;
      return 0;
    }
  for (size_t i = 0; i < n; i++)
    if (id >= map[i].container_id && id - map[i].container_id < map[i].size)
      {
        *out = map[i].host_id + (uint32_t)(id - map[i].container_id);
        return 0;
      }
  return sv_err_make (err, EINVAL, "%s %" PRId64 " is not in the ID mapping", what, id);
}

static int
entry_owner (const struct unpack *u, struct archive_entry *e, uid_t *uid, gid_t *gid,
             struct sv_err **err)
{
  uint32_t id;
  int ret = map_id (u->opts.uid_map, u->opts.n_uid_map, archive_entry_uid (e), "uid", &id, err);
  if (ret < 0)
    return ret;
  *uid = id;
  ret = map_id (u->opts.gid_map, u->opts.n_gid_map, archive_entry_gid (e), "gid", &id, err);
  if (ret < 0)
    return ret;
  *gid = id;
  return 0;
}

static bool
xattr_wanted (const char *name, unsigned flags)
{
  if (strcmp (name, "security.capability") == 0)
    return true;
  if ((flags & SV_LAYER_XATTR_USER) && strncmp (name, "user.", 5) == 0)
    return true;
  return (flags & SV_LAYER_XATTR_OVERLAY) && strncmp (name, "trusted.overlay.", 16) == 0;
}

static void
entry_xattrs (const struct unpack *u, struct archive_entry *e, struct meta *m)
{
  const char *name;
  const void *value;
  size_t size;
  archive_entry_xattr_reset (e);
  while (archive_entry_xattr_next (e, &name, &value, &size) == ARCHIVE_OK)
    {
      if (!xattr_wanted (name, u->opts.xattrs))
        continue;
      m->xa = xreallocarray (m->xa, m->n_xa + 1, sizeof *m->xa);
      struct xattr *x = &m->xa[m->n_xa++];
      x->name = xstrdup (name);
      x->value = xmalloc (size ? size : 1);
      memcpy (x->value, value, size);
      x->size = size;
    }
}

/* Owner (mapped), mode, times and wanted xattrs of E; free with meta_free. */
static int
entry_meta (const struct unpack *u, struct archive_entry *e, struct meta *m, struct sv_err **err)
{
  *m = (struct meta){ .mode = archive_entry_perm (e) & 07777 };
  int ret = entry_owner (u, e, &m->uid, &m->gid, err);
  if (ret < 0)
    return ret;
  m->ts[1] = (struct timespec){ archive_entry_mtime (e), archive_entry_mtime_nsec (e) };
  m->ts[0] = m->ts[1];
  if (archive_entry_atime_is_set (e))
    m->ts[0] = (struct timespec){ archive_entry_atime (e), archive_entry_atime_nsec (e) };
  entry_xattrs (u, e, m);
  return 0;
}

/* Apply M to FD, a regular file or a directory opened for reading or
 * writing.  chown comes first: it clears setuid bits and capabilities.
 * Owner and mode are changed only when they differ (most files are
 * created with theirs), which saves two journalled inode updates a file. */
static int
apply_meta (int fd, const struct meta *m, struct sv_err **err)
{
  struct stat st;
  if (fstat (fd, &st) < 0)
    return sv_err_errno (err, "stat");
  bool owner = st.st_uid != m->uid || st.st_gid != m->gid;
  if (owner && fchown (fd, m->uid, m->gid) < 0)
    return sv_err_errno (err, "chown to %u:%u", (unsigned)m->uid, (unsigned)m->gid);
  if ((owner || (st.st_mode & 07777) != m->mode) && fchmod (fd, m->mode) < 0)
    return sv_err_errno (err, "chmod %o", (unsigned)m->mode);
  for (size_t i = 0; i < m->n_xa; i++)
    if (fsetxattr (fd, m->xa[i].name, m->xa[i].value, m->xa[i].size, 0) < 0)
      return sv_err_errno (err, "set xattr %s", m->xa[i].name);
  if (futimens (fd, m->ts) < 0)
    return sv_err_errno (err, "set times");
  return 0;
}

/* Owner and times of NAME in PFD, not following it (symlinks, nodes). */
static int
apply_meta_at (int pfd, const char *name, const struct meta *m, bool chmod, struct sv_err **err)
{
  if (fchownat (pfd, name, m->uid, m->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return sv_err_errno (err, "chown to %u:%u", (unsigned)m->uid, (unsigned)m->gid);
  if (chmod && fchmodat (pfd, name, m->mode, 0) < 0)
    return sv_err_errno (err, "chmod %o", (unsigned)m->mode);
  if (utimensat (pfd, name, m->ts, AT_SYMLINK_NOFOLLOW) < 0)
    return sv_err_errno (err, "set times");
  return 0;
}

/* ---- paths ---- */

/* Clean IN lexically into *OUT, relative to the root: leading '/', empty
 * and "." components go, ".." removes the previous component and is
 * refused when there is none.  "" is the root itself. */
static int
clean_path (const char *in, char **out, struct sv_err **err)
{
  size_t n = strlen (in);
  if (n >= PATH_MAX)
    return sv_err_make (err, ENAMETOOLONG, "path longer than %d bytes", PATH_MAX - 1);
  _cleanup_free_ char *res = xmalloc (n + 1);
  size_t len = 0;
  for (const char *p = in; *p;)
    {
      const char *c = p;
      while (*p && *p != '/')
        p++;
      size_t cl = (size_t)(p - c);
      while (*p == '/')
        p++;
      if (cl == 0 || (cl == 1 && c[0] == '.'))
        continue;
      if (cl > NAME_MAX)
        return sv_err_make (err, ENAMETOOLONG, "component longer than %d bytes", NAME_MAX);
      if (cl == 2 && c[0] == '.' && c[1] == '.')
        {
          if (len == 0)
            return sv_err_make (err, EPERM, "path escapes the layer root with `..`");
          while (len > 0 && res[len - 1] != '/')
            len--;
          len -= len > 0;
          continue;
        }
      if (len > 0)
        res[len++] = '/';
      memcpy (res + len, c, cl);
      len += cl;
    }
  res[len] = '\0';
  *out = steal_pointer (&res);
  return 0;
}

/* A cleaned path split into its parent (the first plen bytes) and base. */
struct target
{
  const char *path;
  const char *base;
  size_t plen;
};

static struct target
split_path (const char *path)
{
  const char *slash = strrchr (path, '/');
  if (slash == NULL)
    return (struct target){ path, path, 0 };
  return (struct target){ path, slash + 1, (size_t)(slash - path) };
}

/* An O_PATH fd of T's parent, borrowed from the cache.  A missing parent
 * is created (mode 0755) when CREATE, else it fails with -ENOENT. */
static int
open_parent (struct unpack *u, const struct target *t, bool create, struct sv_err **err)
{
  if (u->pfd >= 0 && !u->pstale && strlen (u->ppath) == t->plen
      && memcmp (u->ppath, t->path, t->plen) == 0)
    return u->pfd;
  _cleanup_free_ char *parent = xstrndup (t->path, t->plen);
  int fd = sv_open_in_root (u->dest, parent, O_PATH | O_DIRECTORY, 0, err);
  if (fd == -ENOENT && create)
    {
      sv_err_free (err);
      fd = sv_mkdir_p_in_root (u->dest, parent, 0755, err);
    }
  if (fd < 0)
    return fd;
  if (u->pfd >= 0)
    close (u->pfd);
  free (u->ppath);
  u->ppath = steal_pointer (&parent);
  u->pfd = fd;
  u->pstale = false;
  return fd;
}

/* Remove whatever NAME is in PFD, so that the entry can take its place. */
static int
remove_existing (struct unpack *u, int pfd, const char *name, struct sv_err **err)
{
  u->pstale = true;
  int ret = sv_rm_rf_at (pfd, name, err);
  if (ret < 0)
    return sv_err_wrap (err, "replace existing `%s`", name);
  return 0;
}

/* Creates NAME in PFD from ARG; returns >= 0 or -1 with errno set. */
typedef int (*make_fn) (int pfd, const char *name, const void *arg);

/* Run MK, and once more after removing NAME when it already exists. */
static int
make_replacing (struct unpack *u, int pfd, const char *name, make_fn mk, const void *arg,
                const char *what, struct sv_err **err)
{
  int r = mk (pfd, name, arg);
  if (r < 0 && errno == EEXIST)
    {
      int ret = remove_existing (u, pfd, name, err);
      if (ret < 0)
        return ret;
      r = mk (pfd, name, arg);
    }
  if (r < 0)
    return sv_err_errno (err, "%s", what);
  return r;
}

/* ---- entries ---- */

/* ARG: the mode_t permissions; setuid, setgid and sticky bits wait for
 * the chmod after the chown. */
static int
mk_file (int pfd, const char *name, const void *arg)
{
  mode_t mode = *(const mode_t *)arg & 0777;
  return openat (pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
}

static int
pwrite_all (int fd, const char *p, size_t len, int64_t off)
{
  while (len > 0)
    {
      ssize_t w = pwrite (fd, p, len, off);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return -1;
      p += w;
      len -= (size_t)w;
      off += w;
    }
  return 0;
}

/* Copy the entry's data to FD: contiguous blocks are gathered in u->wbuf
 * and written together; holes are left as holes. */
static int
write_data (struct unpack *u, struct archive *a, int fd, int64_t size, struct sv_err **err)
{
  size_t blen = 0;
  int64_t boff = 0, end = 0;
  for (;;)
    {
      const void *blk;
      size_t len;
      la_int64_t off;
      int r = archive_read_data_block (a, &blk, &len, &off);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        return sv_layer_archive_err (a, err, "read data");
      if (off < 0 || len > (uint64_t)size || off > size - (int64_t)len)
        return sv_err_make (err, EFBIG, "data past the declared size %" PRId64, size);
      if (blen > 0 && (off != boff + (int64_t)blen || blen + len > WBUF_SIZE))
        {
          if (pwrite_all (fd, u->wbuf, blen, boff) < 0)
            return sv_err_errno (err, "write");
          blen = 0;
        }
      if (len >= WBUF_SIZE && pwrite_all (fd, blk, len, off) < 0)
        return sv_err_errno (err, "write");
      if (len < WBUF_SIZE)
        {
          boff = blen == 0 ? off : boff;
          memcpy (u->wbuf + blen, blk, len);
          blen += len;
        }
      end = off + (int64_t)len;
    }
  if (blen > 0 && pwrite_all (fd, u->wbuf, blen, boff) < 0)
    return sv_err_errno (err, "write");
  if (end < size && ftruncate (fd, size) < 0)
    return sv_err_errno (err, "truncate to %" PRId64, size);
  return 0;
}

static int
check_size (struct unpack *u, int64_t size, struct sv_err **err)
{
  if (size < 0 || (uint64_t)size > u->opts.max_entry_size)
    return sv_err_make (err, EFBIG, "size %" PRId64 " is over the limit of %" PRIu64, size,
                        u->opts.max_entry_size);
  if ((uint64_t)size > u->opts.max_total_size - u->total)
    return sv_err_make (err, EFBIG, "layer is over the total size limit of %" PRIu64,
                        u->opts.max_total_size);
  u->total += (uint64_t)size;
  return 0;
}

static int
do_file (struct unpack *u, struct archive *a, struct archive_entry *e, const struct target *t,
         struct sv_err **err)
{
  int64_t size = archive_entry_size (e);
  int ret = check_size (u, size, err);
  if (ret < 0)
    return ret;
  int pfd = open_parent (u, t, true, err);
  if (pfd < 0)
    return pfd;
  _cleanup_ (meta_free) struct meta m = { 0 };
  ret = entry_meta (u, e, &m, err);
  if (ret < 0)
    return ret;
  _cleanup_close_ int fd = make_replacing (u, pfd, t->base, mk_file, &m.mode, "create file", err);
  if (fd < 0)
    return fd;
  ret = write_data (u, a, fd, size, err);
  if (ret < 0)
    return ret;
  u->st.files++;
  u->st.bytes += (uint64_t)size;
  return apply_meta (fd, &m, err);
}

static int
mk_dir (int pfd, const char *name, const void *arg)
{
  return mkdirat (pfd, name, 0700);
}

static void
record_dir (struct unpack *u, const char *path, struct meta *m)
{
  if (u->n_dirs == u->cap_dirs)
    {
      u->cap_dirs = u->cap_dirs ? 2 * u->cap_dirs : 64;
      u->dirs = xreallocarray (u->dirs, u->cap_dirs, sizeof *u->dirs);
    }
  u->dirs[u->n_dirs] = (struct dir_meta){ xstrdup (path), u->n_dirs, *m };
  u->n_dirs++;
}

/* Make the directory NAME in PFD: one already there is kept, anything
 * else there is replaced. */
static int
make_dir (struct unpack *u, int pfd, const char *name, struct sv_err **err)
{
  if (mkdirat (pfd, name, 0700) == 0)
    return 0;
  struct stat st;
  if (errno == EEXIST && fstatat (pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode))
    return 0;
  int ret = make_replacing (u, pfd, name, mk_dir, NULL, "mkdir", err);
  return ret < 0 ? ret : 0;
}

/* The directory T; its metadata waits for the final pass. */
static int
do_dir (struct unpack *u, struct archive_entry *e, const struct target *t, struct sv_err **err)
{
  if (*t->path != '\0')
    {
      int pfd = open_parent (u, t, true, err);
      if (pfd < 0)
        return pfd;
      int ret = make_dir (u, pfd, t->base, err);
      if (ret < 0)
        return ret;
    }
  struct meta m;
  int ret = entry_meta (u, e, &m, err);
  if (ret < 0)
    return ret;
  record_dir (u, t->path, &m);
  u->st.dirs++;
  return 0;
}

static int
mk_symlink (int pfd, const char *name, const void *arg)
{
  return symlinkat (arg, pfd, name);
}

static int
do_symlink (struct unpack *u, struct archive_entry *e, const struct target *t, struct sv_err **err)
{
  const char *target = archive_entry_symlink (e);
  if (target == NULL || *target == '\0')
    return sv_err_make (err, EINVAL, "symlink without a target");
  if (strlen (target) >= PATH_MAX)
    return sv_err_make (err, ENAMETOOLONG, "symlink target longer than %d bytes", PATH_MAX - 1);
  int pfd = open_parent (u, t, true, err);
  if (pfd < 0)
    return pfd;
  int ret = make_replacing (u, pfd, t->base, mk_symlink, target, "symlink", err);
  if (ret < 0)
    return ret;
  struct meta m;
  ret = entry_meta (u, e, &m, err);
  if (ret >= 0)
    ret = apply_meta_at (pfd, t->base, &m, false, err);
  meta_free (&m);
  u->st.symlinks++;
  return ret;
}

struct node
{
  mode_t mode;
  dev_t dev;
};

static int
mk_node (int pfd, const char *name, const void *arg)
{
  const struct node *n = arg;
  return mknodat (pfd, name, n->mode, n->dev);
}

/* FIFOs always; char and block devices only when allowed. */
static int
do_node (struct unpack *u, struct archive_entry *e, const struct target *t, struct sv_err **err)
{
  mode_t type = archive_entry_filetype (e);
  if (type != AE_IFIFO && !u->opts.allow_devices)
    {
      u->st.skipped_devices++;
      return 0;
    }
  int pfd = open_parent (u, t, true, err);
  if (pfd < 0)
    return pfd;
  struct node n
      = { type | 0600, makedev (archive_entry_rdevmajor (e), archive_entry_rdevminor (e)) };
  int ret = make_replacing (u, pfd, t->base, mk_node, &n, "mknod", err);
  if (ret < 0)
    return ret;
  struct meta m;
  ret = entry_meta (u, e, &m, err);
  if (ret >= 0)
    ret = apply_meta_at (pfd, t->base, &m, true, err);
  meta_free (&m);
  return ret;
}

struct link_src
{
  int dirfd;
  const char *name;
};

static int
mk_link (int pfd, const char *name, const void *arg)
{
  const struct link_src *l = arg;
  return linkat (l->dirfd, l->name, pfd, name, 0);
}

/* A hardlink to TARGET, which must already be in the tree. */
static int
do_hardlink (struct unpack *u, const struct target *t, const char *target, struct sv_err **err)
{
  _cleanup_free_ char *tpath = NULL;
  int ret = clean_path (target, &tpath, err);
  if (ret < 0)
    return sv_err_wrap (err, "hardlink target `%s`", target);
  if (strcmp (tpath, t->path) == 0)
    return 0;
  struct target tt = split_path (tpath);
  _cleanup_free_ char *tparent = xstrndup (tpath, tt.plen);
  _cleanup_close_ int tfd = sv_open_in_root (u->dest, tparent, O_PATH | O_DIRECTORY, 0, err);
  if (tfd < 0)
    return sv_err_wrap (err, "hardlink target `%s` is not in the layer", target);
  struct stat st;
  if (*tt.base == '\0' || fstatat (tfd, tt.base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return sv_err_errno (err, "hardlink target `%s` is not in the layer", target);
  if (S_ISDIR (st.st_mode))
    return sv_err_make (err, EPERM, "hardlink target `%s` is a directory", target);
  int pfd = open_parent (u, t, true, err);
  if (pfd < 0)
    return pfd;
  struct link_src l = { tfd, tt.base };
  ret = make_replacing (u, pfd, t->base, mk_link, &l, "link", err);
  if (ret < 0)
    return ret;
  u->st.hardlinks++;
  return 0;
}

/* ---- whiteouts ---- */

struct opaque_dir
{
  const struct sv_whiteout_seen *seen;
  const char *path; /* the opaque directory, "" for the root */
};

static bool
keep_seen (const char *name, void *data)
{
  const struct opaque_dir *d = data;
  _cleanup_free_ char *p = *d->path ? xasprintf ("%s/%s", d->path, name) : xstrdup (name);
  return sv_whiteout_seen_has (d->seen, p, strlen (p));
}

/* Copy mode: the whiteout deletes from the tree; a missing parent means
 * there is nothing to delete. */
static int
whiteout_copy (struct unpack *u, const struct target *t, int kind, const char *name,
               struct sv_err **err)
{
  int pfd = open_parent (u, t, false, err);
  if (pfd == -ENOENT)
    {
      sv_err_free (err);
      return 0;
    }
  if (pfd < 0)
    return pfd;
  u->pstale = true;
  if (kind == SV_WHITEOUT_FILE)
    return sv_whiteout_copy_file (pfd, name, err);
  _cleanup_free_ char *dir = xstrndup (t->path, t->plen);
  struct opaque_dir d = { u->seen, dir };
  return sv_whiteout_copy_opaque (pfd, keep_seen, &d, err);
}

/* Overlay mode: the whiteout becomes a 0:0 device or an opaque xattr. */
static int
whiteout_overlay (struct unpack *u, struct archive_entry *e, const struct target *t, int kind,
                  const char *name, struct sv_err **err)
{
  int pfd = open_parent (u, t, true, err);
  if (pfd < 0)
    return pfd;
  if (kind == SV_WHITEOUT_FILE)
    {
      uid_t uid;
      gid_t gid;
      int ret = entry_owner (u, e, &uid, &gid, err);
      if (ret < 0)
        return ret;
      u->pstale = true;
      return sv_whiteout_overlay_file (pfd, name, uid, gid, err);
    }
  _cleanup_close_ int dfd = openat (pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return sv_err_errno (err, "open opaque directory");
  return sv_whiteout_overlay_opaque (dfd, u->opts.userxattr ? SV_WHITEOUT_USERXATTR : 0, err);
}

static int
do_whiteout (struct unpack *u, struct archive_entry *e, const struct target *t, int kind,
             const char *name, struct sv_err **err)
{
  if (kind == SV_WHITEOUT_META)
    return 0;
  u->st.whiteouts++;
  if (u->opts.mode == SV_LAYER_MODE_COPY)
    return whiteout_copy (u, t, kind, name, err);
  return whiteout_overlay (u, e, t, kind, name, err);
}

/* ---- the loop ---- */

static int
unpack_path (struct unpack *u, struct archive *a, struct archive_entry *e, const char *raw,
             struct sv_err **err)
{
  _cleanup_free_ char *path = NULL;
  int ret = clean_path (raw, &path, err);
  if (ret < 0)
    return ret;
  struct target t = split_path (path);
  const char *name = NULL;
  int kind = sv_whiteout_parse (t.base, &name, err);
  if (kind < 0)
    return kind;
  if (kind != SV_WHITEOUT_NONE)
    return do_whiteout (u, e, &t, kind, name, err);
  if (u->seen)
    sv_whiteout_seen_add (u->seen, path);
  mode_t type = archive_entry_filetype (e);
  if (*path == '\0' && (type != AE_IFDIR || archive_entry_hardlink (e)))
    return sv_err_make (err, EPERM, "cannot replace the layer root");
  if (archive_entry_hardlink (e))
    return do_hardlink (u, &t, archive_entry_hardlink (e), err);
  switch (type)
    {
    case AE_IFREG:
      return do_file (u, a, e, &t, err);
    case AE_IFDIR:
      return do_dir (u, e, &t, err);
    case AE_IFLNK:
      return do_symlink (u, e, &t, err);
    case AE_IFIFO:
    case AE_IFCHR:
    case AE_IFBLK:
      return do_node (u, e, &t, err);
    default: /* sockets cannot be unpacked; other types are unknown */
      return 0;
    }
}

static int
unpack_entry (struct unpack *u, struct archive *a, struct archive_entry *e, struct sv_err **err)
{
  const char *raw = archive_entry_pathname (e);
  if (raw == NULL)
    return sv_err_make (err, EILSEQ, "layer entry %" PRIu64 " has no usable path name",
                        u->st.entries + 1);
  /* Name the entry in errors, cut when absurdly long. */
  const char *more = strlen (raw) > ERR_NAME_MAX ? "..." : "";
  if (++u->st.entries > u->opts.max_entries)
    return sv_err_make (err, EFBIG, "layer entry `%.*s%s`: more than %" PRIu64 " entries",
                        ERR_NAME_MAX, raw, more, u->opts.max_entries);
  int ret = unpack_path (u, a, e, raw, err);
  if (ret < 0)
    return sv_err_wrap (err, "layer entry `%.*s%s`", ERR_NAME_MAX, raw, more);
  return 0;
}

static int
read_entries (struct unpack *u, struct archive *tar, struct sv_err **err)
{
  for (;;)
    {
      struct archive_entry *e;
      int r = archive_read_next_header (tar, &e);
      if (r == ARCHIVE_EOF)
        return 0;
      if (r < ARCHIVE_WARN)
        return sv_layer_archive_err (tar, err, "read layer");
      int ret = unpack_entry (u, tar, e, err);
      if (ret < 0)
        return ret;
    }
}

/* ---- directories, last ---- */

static int
cmp_dir (const void *a, const void *b)
{
  const struct dir_meta *x = a, *y = b;
  int c = strcmp (x->path, y->path);
  return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Apply a directory's metadata; a directory replaced or deleted by a later
 * entry is skipped. */
static int
apply_dir (struct unpack *u, const struct dir_meta *d, struct sv_err **err)
{
  int fd = sv_open_in_root (u->dest, d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, err);
  if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP)
    {
      sv_err_free (err);
      return 0;
    }
  if (fd < 0)
    return fd;
  int ret = apply_meta (fd, &d->m, err);
  close (fd);
  if (ret < 0)
    return sv_err_wrap (err, "layer directory `%s`", *d->path ? d->path : "/");
  return 0;
}

/* Sorted by path, a directory comes before what is under it: walk backwards
 * so that children are done before their parents, and of a directory that
 * appears twice, only the last entry counts. */
static int
apply_dirs (struct unpack *u, struct sv_err **err)
{
  if (u->n_dirs == 0)
    return 0;
  qsort (u->dirs, u->n_dirs, sizeof *u->dirs, cmp_dir);
  for (size_t i = u->n_dirs; i-- > 0;)
    {
      if (i + 1 < u->n_dirs && strcmp (u->dirs[i].path, u->dirs[i + 1].path) == 0)
        continue;
      int ret = apply_dir (u, &u->dirs[i], err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static struct sv_layer_opts
opts_with_defaults (const struct sv_layer_opts *o)
{
  struct sv_layer_opts r = o ? *o : (struct sv_layer_opts){ 0 };
  if (r.max_entry_size == 0)
    r.max_entry_size = SV_LAYER_DEFAULT_MAX_ENTRY_SIZE;
  if (r.max_total_size == 0)
    r.max_total_size = SV_LAYER_DEFAULT_MAX_TOTAL_SIZE;
  if (r.max_entries == 0)
    r.max_entries = SV_LAYER_DEFAULT_MAX_ENTRIES;
  return r;
}

static int
open_tar (struct source *src, struct archive **out, struct sv_err **err)
{
  _cleanup_ (sv_layer_archive_read_freep) struct archive *tar = archive_read_new ();
  if (tar == NULL)
    return sv_err_make (err, ENOMEM, "archive_read_new");
  if (archive_read_support_format_tar (tar) != ARCHIVE_OK
      || archive_read_open (tar, src, NULL, sv_layer_source_read, NULL) != ARCHIVE_OK)
    return sv_layer_archive_err (tar, err, "open layer tar");
  *out = steal_pointer (&tar);
  return 0;
}

int
sv_layer_unpack (int src_fd, int dest_dirfd, const struct sv_layer_opts *o,
                 struct sv_layer_stats *stats, struct sv_err **err)
{
  _cleanup_ (unpack_free) struct unpack u = {
    .opts = opts_with_defaults (o),
    .dest = dest_dirfd,
    .pfd = -1,
  };
  _cleanup_ (sv_layer_source_freep) struct source *src = NULL;
  int ret = sv_layer_source_open (src_fd, &u.opts, &src, err);
  if (ret < 0)
    return ret;
  _cleanup_ (sv_layer_archive_read_freep) struct archive *tar = NULL;
  ret = open_tar (src, &tar, err);
  if (ret < 0)
    return ret;
  u.wbuf = xmalloc (WBUF_SIZE);
  if (u.opts.mode == SV_LAYER_MODE_COPY)
    u.seen = sv_whiteout_seen_new ();
  ret = read_entries (&u, tar, err);
  if (ret < 0)
    return ret;
  ret = apply_dirs (&u, err);
  if (ret < 0)
    return ret;
  ret = sv_layer_source_finish (src, u.opts.diff_id_out, err);
  if (ret < 0)
    return ret;
  if (stats)
    *stats = u.st;
  return 0;
}

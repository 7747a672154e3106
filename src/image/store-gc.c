/* Garbage collection: what no image record reaches goes. */
#include "image/store-internal.h"
#include "util/cleanup.h"
#include "util/db.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The set of digests (blobs and diff_ids) still referenced. */
struct live
{
  char **v;
};

static bool
live_has (const struct live *l, const char *digest)
{
  return sv_strv_contains (l->v, digest);
}

static void
live_add (struct live *l, const char *digest)
{
  if (digest && !live_has (l, digest))
    sv_strv_append (&l->v, digest);
}

static int
mark_image (struct sv_store *s, const struct sv_image *img, struct live *l, struct sv_err **err)
{
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  _cleanup_image_config_ struct sv_image_config *c = NULL;
  live_add (l, img->manifest_digest);
  if (sv_store_image_docs (s, img, &m, &c, err) < 0)
    return sv_err_wrap (err, "image %s", img->id);
  live_add (l, m->config.digest);
  for (size_t i = 0; i < m->n_layers; i++)
    live_add (l, m->layers[i].digest);
  for (size_t i = 0; i < c->n_diff_ids; i++)
    live_add (l, c->diff_ids[i]);
  return 0;
}

static int
mark (struct sv_store *s, struct live *l, struct sv_err **err)
{
  struct sv_image **v = NULL;
  size_t n = 0;
  if (sv_store_list_images (s, &v, &n, err) < 0)
    return -1;
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++)
    r = mark_image (s, v[i], l, err);
  sv_image_list_free (v, n);
  if (r < 0)
    return -1;
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (s->db, "SELECT blob FROM image_names WHERE blob IS NOT NULL", &q, err) < 0)
    return -1;
  while (sqlite3_step (q) == SQLITE_ROW)
    live_add (l, (const char *)sqlite3_column_text (q, 0));
  return 0;
}

static int64_t
entry_size (int dirfd, const char *name)
{
  struct stat st;
  return fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st.st_size : 0;
}

/* Remove the blobs of ALGO that L does not hold, and temporary files. */
static int
sweep_blobs (struct sv_store *s, const char *algo, const struct live *l, int64_t *freed,
             struct sv_err **err)
{
  int fd = openat (s->blobs_fd, algo, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : sv_err_errno (err, "open blobs/%s", algo);
  _cleanup_closedir_ DIR *d = fdopendir (fd);
  if (d == NULL)
    return close (fd), sv_err_errno (err, "read blobs/%s", algo);
  struct dirent *e;
  while ((e = readdir (d)))
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      _cleanup_free_ char *digest = xasprintf ("%s:%s", algo, e->d_name);
      if (e->d_name[0] != '.' && live_has (l, digest))
        continue;
      *freed += entry_size (dirfd (d), e->d_name);
      if (unlinkat (dirfd (d), e->d_name, 0) < 0 && errno != ENOENT)
        return sv_err_errno (err, "remove blob %s", digest);
    }
  return 0;
}

static int
forget_layer (struct sv_store *s, const char *diff_id, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (s->db, "DELETE FROM layers WHERE diff_id = ?", &q, err) < 0)
    return -1;
  sqlite3_bind_text (q, 1, diff_id, -1, SQLITE_STATIC);
  if (sqlite3_step (q) != SQLITE_DONE)
    return sv_db_error (s->db, "forget layer", err);
  return 0;
}

/* Remove unreferenced layer directories (their row first: a layer without
 * a row counts as absent) and abandoned unpacks. */
static int
sweep_layers (struct sv_store *s, const struct live *l, int64_t *freed, struct sv_err **err)
{
  int fd = fcntl (s->layers_fd, F_DUPFD_CLOEXEC, 3);
  _cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  if (d == NULL)
    return sv_err_errno (err, "read layers");
  rewinddir (d);
  struct dirent *e;
  while ((e = readdir (d)))
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      _cleanup_free_ char *diff_id = xasprintf ("sha256:%s", e->d_name);
      if (e->d_name[0] != '.' && live_has (l, diff_id))
        continue;
      int64_t size = 0;
      if (e->d_name[0] != '.')
        {
          sv_store_has_layer (s, diff_id, &size);
          if (forget_layer (s, diff_id, err) < 0)
            return -1;
        }
      if (sv_rm_rf_at (s->layers_fd, e->d_name, err) < 0)
        return -1;
      *freed += size;
    }
  return 0;
}

int
sv_store_gc (struct sv_store *s, int64_t *freed, struct sv_err **err)
{
  enum store_lock before = s->lock;
  if (sv_store_lock (s, true, err) < 0)
    return -1;
  struct live l = { 0 };
  int64_t n = 0;
  int r = mark (s, &l, err);
  if (r == 0)
    r = sweep_blobs (s, "sha256", &l, &n, err);
  if (r == 0)
    r = sweep_blobs (s, "sha512", &l, &n, err);
  if (r == 0)
    r = sweep_layers (s, &l, &n, err);
  sv_strv_free (l.v);
  if (before == STORE_SHARED)
    sv_store_lock (s, false, NULL);
  if (freed)
    *freed = n;
  return r;
}

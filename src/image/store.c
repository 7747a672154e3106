/* The store's root: directories, database schema and the store lock. */
#include "image/store-internal.h"
#include "image/digest.h"
#include "util/cleanup.h"
#include "util/db.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char schema[]
    = "CREATE TABLE IF NOT EXISTS images ("
      "  id TEXT PRIMARY KEY,"
      "  manifest_digest TEXT NOT NULL,"
      "  manifest_media_type TEXT NOT NULL,"
      "  created TEXT,"
      "  size INTEGER NOT NULL,"
      "  added INTEGER NOT NULL,"
      "  os TEXT, arch TEXT, variant TEXT);"
      /* Tags (is_digest 0) and NAME@DIGEST names (1, with the blob they
       * name, kept alive by the image). */
      "CREATE TABLE IF NOT EXISTS image_names ("
      "  name TEXT PRIMARY KEY,"
      "  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
      "  is_digest INTEGER NOT NULL,"
      "  blob TEXT);"
      "CREATE INDEX IF NOT EXISTS image_names_by_image ON image_names(image_id);"
      "CREATE TABLE IF NOT EXISTS layers ("
      "  diff_id TEXT PRIMARY KEY,"
      "  size INTEGER NOT NULL);";

static int
open_dir (int dirfd, const char *name, struct sv_err **err)
{
  if (mkdirat (dirfd, name, 0700) < 0 && errno != EEXIST)
    return sv_err_errno (err, "create `%s`", name);
  int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open `%s`", name);
  return fd;
}

static int
store_open_dirs (struct sv_store *s, struct sv_err **err)
{
  if (sv_mkdir_p_at (AT_FDCWD, s->root, 0700, err) < 0)
    return -1;
  s->root_fd = open (s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->root_fd < 0)
    return sv_err_errno (err, "open `%s`", s->root);
  s->blobs_fd = open_dir (s->root_fd, "blobs", err);
  if (s->blobs_fd < 0)
    return -1;
  for (int a = SV_DIGEST_SHA256; a <= SV_DIGEST_SHA512; a++)
    if (mkdirat (s->blobs_fd, sv_digest_algo_name (a), 0700) < 0 && errno != EEXIST)
      return sv_err_errno (err, "create `blobs/%s`", sv_digest_algo_name (a));
  s->layers_fd = open_dir (s->root_fd, "layers", err);
  if (s->layers_fd < 0)
    return -1;
  s->lock_fd = openat (s->root_fd, "store.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (s->lock_fd < 0)
    return sv_err_errno (err, "open `store.lock`");
  return 0;
}

int
sv_store_open (const char *root, struct sv_store **out, struct sv_err **err)
{
  struct sv_store *s = xmalloc0 (sizeof *s);
  s->root = xstrdup (root);
  s->root_fd = s->blobs_fd = s->layers_fd = s->lock_fd = -1;
  _cleanup_free_ char *db_path = xasprintf ("%s/servin.db", root);
  if (store_open_dirs (s, err) < 0 || sv_db_open (db_path, &s->db, err) < 0
      || sv_db_exec (s->db, schema, err) < 0)
    {
      sv_store_close (s);
      return sv_err_wrap (err, "image store `%s`", root);
    }
  *out = s;
  return 0;
}

void
sv_store_close (struct sv_store *s)
{
  if (s == NULL)
    return;
  if (s->db)
    sv_db_close (s->db);
  int fds[] = { s->root_fd, s->blobs_fd, s->layers_fd, s->lock_fd };
  for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  free (s->root);
  free (s);
}

sqlite3 *
sv_store_db (struct sv_store *s)
{
  return s->db;
}

void
sv_store_db_suspend (struct sv_store *s)
{
  if (s->db)
    sv_db_close (s->db);
  s->db = NULL;
}

int
sv_store_db_resume (struct sv_store *s, struct sv_err **err)
{
  if (s->db)
    return 0;
  _cleanup_free_ char *path = xasprintf ("%s/servin.db", s->root);
  return sv_db_open (path, &s->db, err);
}

int
sv_store_root_fd (struct sv_store *s)
{
  return s->root_fd;
}

const char *
sv_store_root (struct sv_store *s)
{
  return s->root;
}

int
sv_store_lock (struct sv_store *s, bool exclusive, struct sv_err **err)
{
  enum store_lock want = exclusive ? STORE_EXCLUSIVE : STORE_SHARED;
  if (s->lock == want)
    return 0;
  while (flock (s->lock_fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
    if (errno != EINTR)
      return sv_err_errno (err, "lock the image store");
  s->lock = want;
  return 0;
}

int
store_lock_for_write (struct sv_store *s, struct sv_err **err)
{
  /* Writers may be threads of one pull. */
  static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock (&mu);
  int r = s->lock == STORE_UNLOCKED ? sv_store_lock (s, false, err) : 0;
  pthread_mutex_unlock (&mu);
  return r;
}

int
store_blob_name (const char *digest, const char **algo, const char **hex, struct sv_err **err)
{
  int a = sv_digest_parse (digest, hex, err);
  if (a < 0)
    return -1;
  *algo = sv_digest_algo_name (a);
  return 0;
}

int
store_layer_name (const char *diff_id, const char **hex, struct sv_err **err)
{
  if (sv_digest_parse (diff_id, hex, err) != SV_DIGEST_SHA256)
    return sv_err_make (err, EINVAL, "layer diff_id `%s`: not a sha256 digest", diff_id);
  return 0;
}

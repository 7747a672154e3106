/* Layers: each diff_id unpacked once, into its own directory, shared by
 * every image that has it. */
#include "image/digest.h"
#include "image/layer.h"
#include "image/store-internal.h"
#include "util/cleanup.h"
#include "util/db.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool
sv_store_has_layer (struct sv_store *s, const char *diff_id, int64_t *size)
{
  const char *hex;
  if (store_layer_name (diff_id, &hex, NULL) < 0)
    return false;
  struct stat st;
  if (fstatat (s->layers_fd, hex, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR (st.st_mode))
    return false;
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (s->db, "SELECT size FROM layers WHERE diff_id = ?", &q, NULL) < 0)
    return false;
  sqlite3_bind_text (q, 1, diff_id, -1, SQLITE_STATIC);
  if (sqlite3_step (q) != SQLITE_ROW)
    return false;
  if (size)
    *size = sqlite3_column_int64 (q, 0);
  return true;
}

char *
sv_store_layer_path (struct sv_store *s, const char *diff_id)
{
  const char *hex;
  if (store_layer_name (diff_id, &hex, NULL) < 0)
    return NULL;
  return xasprintf ("%s/layers/%s", s->root, hex);
}

static int
record_layer (struct sv_store *s, const char *diff_id, int64_t size, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (s->db, "INSERT OR REPLACE INTO layers (diff_id, size) VALUES (?, ?)", &q, err)
      < 0)
    return -1;
  sqlite3_bind_text (q, 1, diff_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (q, 2, size);
  if (sqlite3_step (q) != SQLITE_DONE)
    return sv_db_error (s->db, "record layer", err);
  return 0;
}

/* A fresh temporary directory under layers/ (".tmp-XXXXXX"). */
static int
make_tmp_dir (struct sv_store *s, char **name, struct sv_err **err)
{
  for (int tries = 0; tries < 100; tries++)
    {
      char *n = xasprintf (".tmp-%d-%08lx", (int)getpid (), (unsigned long)random ());
      if (mkdirat (s->layers_fd, n, 0755) == 0)
        {
          *name = n;
          return 0;
        }
      free (n);
      if (errno != EEXIST)
        return sv_err_errno (err, "create a layer directory");
    }
  return sv_err_make (err, EEXIST, "create a layer directory: no free name");
}

/* Unpack BLOB_FD into layers/TMP; *SIZE gets the bytes of its files. */
static int
unpack_into (struct sv_store *s, int blob_fd, const char *tmp, const char *diff_id, int64_t *size,
             struct sv_err **err)
{
  _cleanup_close_ int dfd = openat (s->layers_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return sv_err_errno (err, "open the layer directory");
  char got[SV_LAYER_DIFF_ID_LEN];
  struct sv_layer_opts o = {
    .mode = SV_LAYER_MODE_OVERLAY,
    .allow_devices = true,
    .diff_id_out = got,
  };
  struct sv_layer_stats st = { 0 };
  if (sv_layer_unpack (blob_fd, dfd, &o, &st, err) < 0)
    return -1;
  if (sv_digest_verify (diff_id, got, err) < 0)
    return sv_err_wrap (err, "uncompressed layer");
  *size = (int64_t)st.bytes;
  return 0;
}

int
sv_store_unpack_layer (struct sv_store *s, const char *blob_digest, const char *diff_id,
                       struct sv_err **err)
{
  const char *hex;
  if (store_layer_name (diff_id, &hex, err) < 0)
    return -1;
  if (sv_store_has_layer (s, diff_id, NULL))
    return 0;
  if (store_lock_for_write (s, err) < 0)
    return -1;
  _cleanup_close_ int blob_fd = sv_store_open_blob (s, blob_digest, err);
  if (blob_fd < 0)
    return -1;
  _cleanup_free_ char *tmp = NULL;
  if (make_tmp_dir (s, &tmp, err) < 0)
    return -1;
  int64_t size = 0;
  if (unpack_into (s, blob_fd, tmp, diff_id, &size, err) < 0)
    {
      sv_rm_rf_at (s->layers_fd, tmp, NULL);
      return sv_err_wrap (err, "layer %s", blob_digest);
    }
  /* Another writer may have finished the same layer meanwhile: its copy
   * is as good as ours. */
  if (renameat (s->layers_fd, tmp, s->layers_fd, hex) < 0)
    {
      int e = errno;
      sv_rm_rf_at (s->layers_fd, tmp, NULL);
      if (e != ENOTEMPTY && e != EEXIST)
        return errno = e, sv_err_errno (err, "layer %s: rename into place", blob_digest);
    }
  return record_layer (s, diff_id, size, err);
}

/* Image records: an image is listed only once everything it needs is
 * stored, and its names move between images in one transaction. */
#include "image/digest.h"
#include "image/reference.h"
#include "image/store-internal.h"
#include "util/cleanup.h"
#include "util/db.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#define MAX_MANIFEST_SIZE (4u << 20)
#define MAX_CONFIG_SIZE (32u << 20)

void
sv_image_free (struct sv_image *img)
{
  if (img == NULL)
    return;
  free (img->id);
  free (img->manifest_digest);
  free (img->manifest_media_type);
  sv_strv_free (img->repo_tags);
  sv_strv_free (img->repo_digests);
  free (img->created);
  free (img->os);
  free (img->arch);
  free (img->variant);
  free (img);
}

void
sv_image_list_free (struct sv_image **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    sv_image_free (v[i]);
  free (v);
}

static int
read_docs (struct sv_store *s, const char *manifest_digest, const char *media_type,
           struct sv_manifest **m, struct sv_image_config **c, struct sv_err **err)
{
  _cleanup_free_ char *mbuf = NULL, *cbuf = NULL;
  size_t mlen, clen;
  _cleanup_manifest_ struct sv_manifest *man = NULL;
  if (sv_store_read_blob (s, manifest_digest, MAX_MANIFEST_SIZE, &mbuf, &mlen, err) < 0
      || sv_manifest_parse (mbuf, mlen, media_type, &man, err) < 0)
    return sv_err_wrap (err, "manifest %s", manifest_digest);
  if (man->kind != SV_MANIFEST_IMAGE)
    return sv_err_make (err, EINVAL, "manifest %s: an index, not an image manifest",
                        manifest_digest);
  if (sv_store_read_blob (s, man->config.digest, MAX_CONFIG_SIZE, &cbuf, &clen, err) < 0
      || sv_image_config_parse (cbuf, clen, c, err) < 0)
    return sv_err_wrap (err, "image config %s", man->config.digest);
  *m = steal_pointer (&man);
  return 0;
}

int
sv_store_image_docs (struct sv_store *s, const struct sv_image *img, struct sv_manifest **m,
                     struct sv_image_config **c, struct sv_err **err)
{
  _cleanup_manifest_ struct sv_manifest *man = NULL;
  _cleanup_image_config_ struct sv_image_config *cfg = NULL;
  if (read_docs (s, img->manifest_digest, img->manifest_media_type, &man, &cfg, err) < 0)
    return -1;
  if (m)
    *m = steal_pointer (&man);
  if (c)
    *c = steal_pointer (&cfg);
  return 0;
}

/* Sum of the layer sizes; fails when a layer is not unpacked. */
static int
image_size (struct sv_store *s, const struct sv_image_config *c, int64_t *size, struct sv_err **err)
{
  *size = 0;
  for (size_t i = 0; i < c->n_diff_ids; i++)
    {
      int64_t n;
      if (!sv_store_has_layer (s, c->diff_ids[i], &n))
        return sv_err_make_plain (err, ENOENT, "layer %s is not in the store", c->diff_ids[i]);
      *size += n;
    }
  return 0;
}

static int
step_done (struct sv_store *s, sqlite3_stmt *q, const char *what, struct sv_err **err)
{
  if (sqlite3_step (q) != SQLITE_DONE)
    return sv_db_error (s->db, what, err);
  return 0;
}

static int
insert_image (struct sv_store *s, const char *id, const struct sv_manifest *m, const char *digest,
              const struct sv_image_config *c, int64_t size, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (s->db,
                     "INSERT OR IGNORE INTO images (id, manifest_digest, manifest_media_type,"
                     " created, size, added, os, arch, variant)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     &q, err)
      < 0)
    return -1;
  sqlite3_bind_text (q, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 2, digest, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 3, m->media_type, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 4, c->created, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (q, 5, size);
  sqlite3_bind_int64 (q, 6, (sqlite3_int64)time (NULL));
  sqlite3_bind_text (q, 7, c->os, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 8, c->architecture, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 9, c->variant, -1, SQLITE_STATIC);
  return step_done (s, q, "record image", err);
}

static int
set_name (struct sv_store *s, const char *name, const char *id, bool is_digest, const char *blob,
          struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (s->db,
                     "INSERT OR REPLACE INTO image_names (name, image_id, is_digest, blob)"
                     " VALUES (?, ?, ?, ?)",
                     &q, err)
      < 0)
    return -1;
  sqlite3_bind_text (q, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (q, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_int (q, 3, is_digest);
  sqlite3_bind_text (q, 4, blob, -1, SQLITE_STATIC);
  return step_done (s, q, "name image", err);
}

static int
add_image_tx (struct sv_store *s, const struct sv_image_add *a, const char *id,
              const struct sv_manifest *m, const struct sv_image_config *c, int64_t size,
              struct sv_err **err)
{
  if (insert_image (s, id, m, a->manifest_digest, c, size, err) < 0)
    return -1;
  if (a->tag && set_name (s, a->tag, id, false, NULL, err) < 0)
    return -1;
  if (a->repo_digest && set_name (s, a->repo_digest, id, true, a->repo_digest_blob, err) < 0)
    return -1;
  return 0;
}

int
sv_store_add_image (struct sv_store *s, const struct sv_image_add *a, char **id,
                    struct sv_err **err)
{
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  _cleanup_image_config_ struct sv_image_config *c = NULL;
  int64_t size;
  if (store_lock_for_write (s, err) < 0 || read_docs (s, a->manifest_digest, NULL, &m, &c, err) < 0
      || sv_manifest_check_config (m, c, err) < 0 || image_size (s, c, &size, err) < 0)
    return -1;
  if (a->repo_digest_blob && !sv_store_has_blob (s, a->repo_digest_blob, NULL))
    return sv_err_make_plain (err, ENOENT, "blob %s is not in the store", a->repo_digest_blob);
  const char *cid = m->config.digest;
  if (sv_db_begin (s->db, err) < 0)
    return -1;
  if (add_image_tx (s, a, cid, m, c, size, err) < 0 || sv_db_commit (s->db, err) < 0)
    {
      sv_db_rollback (s->db);
      return -1;
    }
  if (id)
    *id = xstrdup (cid);
  return 0;
}

/* ---- reading records ---- */

#define IMAGE_COLUMNS                                                                              \
  "id, manifest_digest, manifest_media_type, created, size, added, os, arch, variant"

static int
load_names (struct sv_store *s, struct sv_image *img, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (s->db,
                     "SELECT name, is_digest FROM image_names WHERE image_id = ? ORDER BY name", &q,
                     err)
      < 0)
    return -1;
  sqlite3_bind_text (q, 1, img->id, -1, SQLITE_STATIC);
  int r;
  while ((r = sqlite3_step (q)) == SQLITE_ROW)
    sv_strv_append (sqlite3_column_int (q, 1) ? &img->repo_digests : &img->repo_tags,
                    (const char *)sqlite3_column_text (q, 0));
  if (r != SQLITE_DONE)
    return sv_db_error (s->db, "read image names", err);
  return 0;
}

static struct sv_image *
image_from_row (sqlite3_stmt *q)
{
  struct sv_image *img = xmalloc0 (sizeof *img);
  img->id = sv_db_column_strdup (q, 0);
  img->manifest_digest = sv_db_column_strdup (q, 1);
  img->manifest_media_type = sv_db_column_strdup (q, 2);
  img->created = sv_db_column_strdup (q, 3);
  img->size = sqlite3_column_int64 (q, 4);
  img->added = sqlite3_column_int64 (q, 5);
  img->os = sv_db_column_strdup (q, 6);
  img->arch = sv_db_column_strdup (q, 7);
  img->variant = sv_db_column_strdup (q, 8);
  return img;
}

/* Run Q (bound by the caller) and collect the images it selects. */
static int
collect (struct sv_store *s, sqlite3_stmt *q, struct sv_image ***out, size_t *n,
         struct sv_err **err)
{
  struct sv_image **v = NULL;
  size_t count = 0;
  int r;
  while ((r = sqlite3_step (q)) == SQLITE_ROW)
    {
      v = xreallocarray (v, count + 1, sizeof *v);
      v[count++] = image_from_row (q);
    }
  if (r != SQLITE_DONE)
    {
      sv_image_list_free (v, count);
      return sv_db_error (s->db, "read images", err);
    }
  for (size_t i = 0; i < count; i++)
    if (load_names (s, v[i], err) < 0)
      {
        sv_image_list_free (v, count);
        return -1;
      }
  *out = v;
  *n = count;
  return 0;
}

int
sv_store_list_images (struct sv_store *s, struct sv_image ***out, size_t *n, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (
          s->db, "SELECT " IMAGE_COLUMNS " FROM images ORDER BY created DESC, added DESC", &q, err)
      < 0)
    return -1;
  return collect (s, q, out, n, err);
}

/* The images selected by SQL with one text parameter ARG. */
static int
query_images (struct sv_store *s, const char *sql, const char *arg, struct sv_image ***out,
              size_t *n, struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (s->db, sql, &q, err) < 0)
    return -1;
  sqlite3_bind_text (q, 1, arg, -1, SQLITE_TRANSIENT);
  return collect (s, q, out, n, err);
}

/* Exactly one image from the result of query_images, else ENOENT (none)
 * or EINVAL (several). */
static int
one_image (struct sv_image **v, size_t n, const char *name, struct sv_image **out,
           struct sv_err **err)
{
  if (n != 1)
    {
      sv_image_list_free (v, n);
      if (n == 0)
        return sv_err_make_plain (err, ENOENT, "no such image: %s", name);
      return sv_err_make_plain (err, EINVAL, "image id prefix `%s` is ambiguous", name);
    }
  *out = v[0];
  free (v);
  return 0;
}

static bool
is_hex (const char *s)
{
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (!isxdigit ((unsigned char)*s) || isupper ((unsigned char)*s))
      return false;
  return true;
}

/* By name: a tag or NAME@DIGEST; a digest reference also matches an image
 * whose manifest has that digest. */
static int
lookup_by_name (struct sv_store *s, const struct sv_ref *ref, struct sv_image ***v, size_t *n,
                struct sv_err **err)
{
  _cleanup_free_ char *name = sv_ref_name (ref);
  _cleanup_free_ char *full
      = ref->digest ? xasprintf ("%s@%s", name, ref->digest) : sv_ref_string (ref);
  const char *sql = "SELECT " IMAGE_COLUMNS " FROM images WHERE id IN"
                    " (SELECT image_id FROM image_names WHERE name = ?)";
  if (query_images (s, sql, full, v, n, err) < 0)
    return -1;
  if (*n > 0 || ref->digest == NULL)
    return 0;
  free (*v);
  return query_images (s, "SELECT " IMAGE_COLUMNS " FROM images WHERE manifest_digest = ?",
                       ref->digest, v, n, err);
}

int
sv_store_lookup_image (struct sv_store *s, const char *name_or_id, struct sv_image **out,
                       struct sv_err **err)
{
  struct sv_image **v = NULL;
  size_t n = 0;
  const char *hex = name_or_id;
  if (strncmp (name_or_id, "sha256:", 7) == 0)
    hex = name_or_id + 7;
  else
    {
      _cleanup_ref_ struct sv_ref *ref = NULL;
      if (sv_ref_parse (name_or_id, &ref, NULL) == 0)
        {
          if (lookup_by_name (s, ref, &v, &n, err) < 0)
            return -1;
          if (n > 0)
            return one_image (v, n, name_or_id, out, err);
          free (v);
        }
    }
  if (!is_hex (hex) || strlen (hex) > 64)
    return sv_err_make_plain (err, ENOENT, "no such image: %s", name_or_id);
  _cleanup_free_ char *pattern = xasprintf ("sha256:%s*", hex);
  if (query_images (s, "SELECT " IMAGE_COLUMNS " FROM images WHERE id GLOB ?", pattern, &v, &n, err)
      < 0)
    return -1;
  return one_image (v, n, name_or_id, out, err);
}

/* ---- names ---- */

int
sv_store_tag (struct sv_store *s, const char *id, const char *tag, struct sv_err **err)
{
  return set_name (s, tag, id, false, NULL, err);
}

static int
exec_one (struct sv_store *s, const char *sql, const char *arg, const char *what, int *changes,
          struct sv_err **err)
{
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (sv_db_prepare (s->db, sql, &q, err) < 0)
    return -1;
  sqlite3_bind_text (q, 1, arg, -1, SQLITE_STATIC);
  if (step_done (s, q, what, err) < 0)
    return -1;
  if (changes)
    *changes = sqlite3_changes (s->db);
  return 0;
}

int
sv_store_untag (struct sv_store *s, const char *name, struct sv_err **err)
{
  int changes = 0;
  if (exec_one (s, "DELETE FROM image_names WHERE name = ?", name, "untag", &changes, err) < 0)
    return -1;
  if (changes == 0)
    return sv_err_make_plain (err, ENOENT, "no such image: %s", name);
  return 0;
}

int
sv_store_delete_image (struct sv_store *s, const char *id, struct sv_err **err)
{
  int changes = 0;
  if (exec_one (s, "DELETE FROM images WHERE id = ?", id, "delete image", &changes, err) < 0)
    return -1;
  if (changes == 0)
    return sv_err_make_plain (err, ENOENT, "no such image: %s", id);
  return 0;
}

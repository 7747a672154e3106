/* The image store of one data root: content-addressed blobs, unpacked
 * layers shared by every image that uses them, and image records in the
 * data root's SQLite database.
 *
 *   ROOT/servin.db              images, their names, layer sizes
 *   ROOT/blobs/sha256/HEX       immutable, verified blobs (manifests,
 *                               configs, layer tarballs as fetched)
 *   ROOT/layers/HEX             one directory per layer diff_id (sha256),
 *                               unpacked in overlay mode: a lower dir
 *   ROOT/layers/.tmp-*          unpacks in progress (removed by gc once
 *                               their owner is gone)
 *   ROOT/store.lock             flock: writers shared, gc exclusive
 *
 * Crash safety: a blob is written to an unnamed O_TMPFILE, verified (size
 * and digest) and only then linked under its name, so a blob that has a
 * name is complete.  A layer is unpacked into a temporary directory and
 * renamed into place.  An image record is added last, in one transaction,
 * after checking that its manifest, config and every layer are present:
 * an image that is listed is complete.  Concurrent writers that fetch the
 * same blob or layer both succeed and end up sharing one copy.
 *
 * Every function returns < 0 with *err set on failure. */
#ifndef SV_IMAGE_STORE_H
#define SV_IMAGE_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/manifest.h"
#include "util/err.h"

struct sv_store;

/* Open (creating what is missing) the store under ROOT. */
int sv_store_open (const char *root, struct sv_store **out, struct sv_err **err);
void sv_store_close (struct sv_store *s);
sqlite3 *sv_store_db (struct sv_store *s);
/* Close the database connection before fork(): SQLite's per-process lock
 * bookkeeping would be wrong in a child that opens the database while the
 * parent's connection is open.  sv_store_db_resume reopens it (the handle
 * changes: fetch it again with sv_store_db). */
void sv_store_db_suspend (struct sv_store *s);
int sv_store_db_resume (struct sv_store *s, struct sv_err **err);
/* An O_PATH fd of ROOT, owned by the store. */
int sv_store_root_fd (struct sv_store *s);
const char *sv_store_root (struct sv_store *s);

/* Hold the store lock until sv_store_close: shared for anything that adds
 * content (pull, load, import), exclusive for gc.  Blocks. */
int sv_store_lock (struct sv_store *s, bool exclusive, struct sv_err **err);

/* ---- blobs ---- */

/* Whether the blob DIGEST is stored; its size in *SIZE when not NULL. */
bool sv_store_has_blob (struct sv_store *s, const char *digest, int64_t *size);
/* Open the blob DIGEST read-only (ENOENT when it is not stored). */
int sv_store_open_blob (struct sv_store *s, const char *digest, struct sv_err **err);
/* Read the blob DIGEST into memory (refused past MAX bytes); *buf is
 * NUL-terminated and owned by the caller. */
int sv_store_read_blob (struct sv_store *s, const char *digest, size_t max, char **buf, size_t *len,
                        struct sv_err **err);
/* "ROOT/blobs/sha256/HEX"; owned by the caller. */
char *sv_store_blob_path (struct sv_store *s, const char *digest);

/* Streaming ingest.  EXPECTED_DIGEST (NULL: whatever arrives, sha256) and
 * EXPECTED_SIZE (-1: unknown) are enforced: a write past the size fails at
 * once, and commit fails on a short blob or a digest mismatch ("digest
 * mismatch: expected X, got Y", code EBADMSG).  Nothing is visible under
 * the blob's name before commit; freeing an uncommitted writer discards
 * what was written. */
struct sv_blob_writer;
int sv_blob_writer_new (struct sv_store *s, const char *expected_digest, int64_t expected_size,
                        struct sv_blob_writer **out, struct sv_err **err);
int sv_blob_writer_write (struct sv_blob_writer *w, const void *buf, size_t len,
                          struct sv_err **err);
/* Start over (a retried download): drop what was written. */
int sv_blob_writer_reset (struct sv_blob_writer *w, struct sv_err **err);
/* Bytes written so far. */
int64_t sv_blob_writer_size (const struct sv_blob_writer *w);
/* Verify and link the blob under its name.  *DIGEST (may be NULL) gets the
 * digest, owned by the caller.  A blob already stored is fine. */
int sv_blob_writer_commit (struct sv_blob_writer *w, char **digest, struct sv_err **err);
void sv_blob_writer_free (struct sv_blob_writer *w);

/* One-shot forms of the writer. */
int sv_store_put_blob (struct sv_store *s, const void *buf, size_t len, const char *expected_digest,
                       char **digest, struct sv_err **err);
/* Copy FD to its end. */
int sv_store_put_blob_fd (struct sv_store *s, int fd, const char *expected_digest,
                          int64_t expected_size, char **digest, struct sv_err **err);

/* ---- layers ---- */

/* Whether the layer DIFF_ID is unpacked; its size (bytes of its files) in
 * *SIZE when not NULL. */
bool sv_store_has_layer (struct sv_store *s, const char *diff_id, int64_t *size);
/* Unpack the stored blob BLOB_DIGEST (any compression) as layer DIFF_ID,
 * checking that the uncompressed stream hashes to DIFF_ID.  A no-op when
 * the layer is already there. */
int sv_store_unpack_layer (struct sv_store *s, const char *blob_digest, const char *diff_id,
                           struct sv_err **err);
/* "ROOT/layers/HEX"; owned by the caller. */
char *sv_store_layer_path (struct sv_store *s, const char *diff_id);

/* ---- images ---- */

struct sv_image
{
  char *id; /* the config digest */
  char *manifest_digest;
  char *manifest_media_type;
  char **repo_tags;    /* "docker.io/library/busybox:latest" */
  char **repo_digests; /* "docker.io/library/busybox@sha256:..." */
  char *created;       /* from the config; may be NULL */
  int64_t size;        /* bytes of the unpacked layers */
  int64_t added;       /* unix time the record was made */
  char *os;
  char *arch;
  char *variant; /* may be NULL */
};
void sv_image_free (struct sv_image *img);
void sv_image_list_free (struct sv_image **v, size_t n);

struct sv_image_add
{
  const char *manifest_digest; /* a stored image manifest (not an index) */
  /* A tag to point at the image, normalised ("docker.io/library/x:1"); a
   * tag on another image moves here.  May be NULL. */
  const char *tag;
  /* "NAME@DIGEST" to record (what a pull by tag or digest resolved to) and
   * the stored blob it names, kept while the image lives (an index, or the
   * manifest itself).  Both NULL or both set. */
  const char *repo_digest;
  const char *repo_digest_blob;
};
/* Record the image whose manifest is stored; checks its config and every
 * layer are present first.  *ID (may be NULL) gets the image id. */
int sv_store_add_image (struct sv_store *s, const struct sv_image_add *a, char **id,
                        struct sv_err **err);

/* Find an image the way docker does: a name ("busybox", "x/y:tag",
 * "name@sha256:..."), a full id ("sha256:HEX" or HEX) or a unique prefix of
 * the id's hex.  ENOENT: "no such image: NAME". */
int sv_store_lookup_image (struct sv_store *s, const char *name_or_id, struct sv_image **out,
                           struct sv_err **err);
/* Every image, newest first. */
int sv_store_list_images (struct sv_store *s, struct sv_image ***out, size_t *n,
                          struct sv_err **err);
/* The manifest and config of IMG, parsed. */
int sv_store_image_docs (struct sv_store *s, const struct sv_image *img, struct sv_manifest **m,
                         struct sv_image_config **c, struct sv_err **err);

/* Point the normalised tag TAG at image ID (moving it if needed). */
int sv_store_tag (struct sv_store *s, const char *id, const char *tag, struct sv_err **err);
/* Remove the name NAME (a normalised tag or NAME@DIGEST); ENOENT if unknown. */
int sv_store_untag (struct sv_store *s, const char *name, struct sv_err **err);
/* Delete the record of image ID and all its names.  Its blobs and layers
 * go at the next sv_store_gc. */
int sv_store_delete_image (struct sv_store *s, const char *id, struct sv_err **err);

/* Remove blobs and layers no image references, and abandoned temporary
 * files.  Takes the exclusive lock (so call it on a store without one).
 * *FREED (may be NULL) gets the bytes reclaimed. */
int sv_store_gc (struct sv_store *s, int64_t *freed, struct sv_err **err);

#endif

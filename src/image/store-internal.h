/* What the store's files share (internal to the image library). */
#ifndef SV_IMAGE_STORE_INTERNAL_H
#define SV_IMAGE_STORE_INTERNAL_H

#include "image/store.h"

enum store_lock
{
  STORE_UNLOCKED,
  STORE_SHARED,
  STORE_EXCLUSIVE,
};

struct sv_store
{
  char *root;
  int root_fd;   /* ROOT, O_DIRECTORY */
  int blobs_fd;  /* ROOT/blobs */
  int layers_fd; /* ROOT/layers */
  int lock_fd;   /* ROOT/store.lock */
  enum store_lock lock;
  sqlite3 *db;
};

/* Take the shared lock unless a lock is already held (every writer calls
 * this, so gc never runs under a writer). */
int store_lock_for_write (struct sv_store *s, struct sv_err **err);

/* Split DIGEST into the directory of its algorithm under blobs/ and its hex
 * part ("sha256", "ab12...").  < 0 with *err when DIGEST is invalid. */
int store_blob_name (const char *digest, const char **algo, const char **hex, struct sv_err **err);

/* The hex part of a sha256 DIFF_ID (layers are named by it). */
int store_layer_name (const char *diff_id, const char **hex, struct sv_err **err);

#endif

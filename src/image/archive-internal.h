/* What archive-load.c, archive-save.c and import.c share (internal to the
 * image library). */
#ifndef SV_ARCHIVE_INTERNAL_H
#define SV_ARCHIVE_INTERNAL_H

#include <archive.h>
#include <stddef.h>
#include <stdint.h>

#include "image/store.h"
#include "util/err.h"

#define SV_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define SV_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define SV_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"

/* Size of the blocks copied between archives and blobs. */
#define SV_ARCHIVE_BLOCK (1024 * 1024)

/* A libarchive reader of the decompressed bytes of FD (gzip, zstd, xz,
 * bzip2 or none), positioned at the data: read it with archive_read_data.
 * *OUT is owned by the caller (archive_read_free). */
int sv_archive_raw_open (int fd, struct archive **out, struct sv_err **err);

/* Copy the decompressed stream of FD into a new blob.  *DIGEST gets its
 * sha256 (the diff_id when FD is a layer), *SIZE its length. */
int sv_archive_put_decompressed (struct sv_store *s, int fd, char **digest, int64_t *size,
                                 struct sv_err **err);

struct sv_layer_desc
{
  const char *media_type;
  const char *digest;
  int64_t size;
};

/* Write and store an OCI image manifest for the config blob CONFIG_DIGEST
 * (CONFIG_SIZE bytes, media type OCI config) and LAYERS; *DIGEST gets the
 * manifest's digest, owned by the caller. */
int sv_archive_put_manifest (struct sv_store *s, const char *config_digest, int64_t config_size,
                             const struct sv_layer_desc *layers, size_t n_layers, char **digest,
                             struct sv_err **err);

/* The media type of an OCI layer stored with the compression that starts
 * with MAGIC (LEN bytes read): gzip, zstd or none. */
const char *sv_archive_layer_media_type (const unsigned char *magic, size_t len);

static inline void
sv_archive_read_freep (struct archive **a)
{
  if (*a)
    archive_read_free (*a);
}
static inline void
sv_archive_write_freep (struct archive **a)
{
  if (*a)
    archive_write_free (*a);
}
#define _cleanup_archive_read_ __attribute__ ((cleanup (sv_archive_read_freep)))
#define _cleanup_archive_write_ __attribute__ ((cleanup (sv_archive_write_freep)))

/* *err from libarchive's last error on A, prefixed with WHAT. */
int sv_archive_err (struct archive *a, struct sv_err **err, const char *what);

static inline void
sv_archive_blob_writer_freep (struct sv_blob_writer **w)
{
  if (*w)
    sv_blob_writer_free (*w);
}
#define _cleanup_archive_blob_writer_ __attribute__ ((cleanup (sv_archive_blob_writer_freep)))

#endif

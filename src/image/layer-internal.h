/* What layer.c and layer-source.c share (internal to the image library). */
#ifndef SV_LAYER_INTERNAL_H
#define SV_LAYER_INTERNAL_H

#include <archive.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>

#include "image/layer.h"

#define READ_BLOCK_SIZE (1024 * 1024)

/* The decompressed layer stream: a libarchive "raw" reader whose blocks are
 * hashed (for the diff_id) as the tar reader pulls them. */
struct source
{
  struct archive *raw;
  EVP_MD_CTX *md; /* NULL when no diff_id is wanted */
  int64_t next_off;
  bool eof;
};

void sv_layer_archive_read_freep (struct archive **a);
void sv_layer_source_free (struct source *s);
/* *err from libarchive's last error on A, prefixed with WHAT. */
int sv_layer_archive_err (struct archive *a, struct sv_err **err, const char *what);
/* The tar reader's read callback (DATA is the struct source). */
la_ssize_t sv_layer_source_read (struct archive *tar, void *data, const void **buf);
/* Open the decompressing reader on FD as O asks (compression, diff_id). */
int sv_layer_source_open (struct source *s, int fd, const struct sv_layer_opts *o,
                          struct sv_err **err);
/* Drain what follows the tar's end and write the diff_id to OUT (when hashing). */
int sv_layer_source_finish (struct source *s, char *out, struct sv_err **err);

#endif

/* What layer.c, layer-source.c and layer-gzip.c share (internal to the
 * image library). */
#ifndef SV_LAYER_INTERNAL_H
#define SV_LAYER_INTERNAL_H

#include <archive.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "image/layer.h"

#define READ_BLOCK_SIZE (1024 * 1024)

/* The compressed layer as read from its fd: buf[off, len) is not consumed
 * yet.  A regular file is mapped whole instead (one copy less). */
struct input
{
  int fd;
  unsigned char *buf; /* READ_BLOCK_SIZE bytes, or the mapping */
  size_t off, len;
  size_t map_len; /* > 0: buf is the file, mapped */
  bool eof;       /* read(2) returned 0, or buf is the file */
};

/* Make at least WANT (<= READ_BLOCK_SIZE) unconsumed bytes available, moving
 * what is left to the start of the buffer; fewer only at the end of the
 * input.  Returns the bytes available, or -1 with errno set. */
ssize_t sv_layer_input_need (struct input *in, size_t want);

/* A streaming gzip decoder (ISA-L), multi-member streams included. */
struct sv_gunzip;

struct sv_gunzip *sv_gunzip_new (void);
void sv_gunzip_free (struct sv_gunzip *g);
/* Decompress from IN into OUT until CAP bytes are there or the stream ends;
 * returns the bytes written (< CAP only at the end, 0 once ended) or < 0
 * with *err set on corrupt, truncated or unreadable input.  What follows
 * the last member, when it is not another member, is ignored. */
ssize_t sv_gunzip_read (struct sv_gunzip *g, struct input *in, unsigned char *out, size_t cap,
                        struct sv_err **err);

/* The decompressed layer stream, produced by a thread that decompresses
 * and hashes (for the diff_id) ahead of the tar reader, through a ring of
 * blocks. */
struct source;

void sv_layer_archive_read_freep (struct archive **a);
/* *err from libarchive's last error on A, prefixed with WHAT. */
int sv_layer_archive_err (struct archive *a, struct sv_err **err, const char *what);
/* Open the decompressing reader on FD as O asks (compression, diff_id) and
 * start its thread; *OUT is owned by the caller (sv_layer_source_free). */
int sv_layer_source_open (int fd, const struct sv_layer_opts *o, struct source **out,
                          struct sv_err **err);
/* Stop the thread when it still runs and free S; NULL is fine. */
void sv_layer_source_free (struct source *s);
void sv_layer_source_freep (struct source **s);
/* The tar reader's read callback (DATA is the struct source): a block
 * stays valid until the next call. */
la_ssize_t sv_layer_source_read (struct archive *tar, void *data, const void **buf);
/* Drain what follows the tar's end and write the diff_id to OUT (when
 * hashing). */
int sv_layer_source_finish (struct source *s, char *out, struct sv_err **err);

#endif

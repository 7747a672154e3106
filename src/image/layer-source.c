/* The decompressing, hashing source of a layer stream (see layer.c). */
#include "image/layer-internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- the decompressed source, hashed on the way ---- */

void
sv_layer_archive_read_freep (struct archive **a)
{
  if (*a)
    archive_read_free (*a);
}

void
sv_layer_source_free (struct source *s)
{
  sv_layer_archive_read_freep (&s->raw);
  EVP_MD_CTX_free (s->md);
}

int
sv_layer_archive_err (struct archive *a, struct sv_err **err, const char *what)
{
  int code = archive_errno (a) > 0 ? archive_errno (a) : EIO;
  const char *msg = archive_error_string (a);
  return sv_err_make (err, code, "%s: %s", what, msg ? msg : "unknown libarchive error");
}

/* The next block of the uncompressed stream: returns its length, 0 at the
 * end, < 0 on error (the message is in s->raw). */
static ssize_t
source_next (struct source *s, const void **buf)
{
  while (!s->eof)
    {
      size_t len;
      la_int64_t off;
      int r = archive_read_data_block (s->raw, buf, &len, &off);
      if (r == ARCHIVE_EOF)
        s->eof = true;
      else if (r < ARCHIVE_WARN)
        return -1;
      else if (off != s->next_off)
        {
          archive_set_error (s->raw, EIO, "decompressor skipped bytes at %" PRId64, s->next_off);
          return -1;
        }
      else if (len > 0)
        {
          s->next_off += (int64_t)len;
          if (s->md && EVP_DigestUpdate (s->md, *buf, len) != 1)
            {
              archive_set_error (s->raw, EIO, "sha256 update failed");
              return -1;
            }
          return (ssize_t)len;
        }
    }
  return 0;
}

la_ssize_t
sv_layer_source_read (struct archive *tar, void *data, const void **buf)
{
  struct source *s = data;
  ssize_t n = source_next (s, buf);
  if (n < 0)
    {
      const char *msg = archive_error_string (s->raw);
      archive_set_error (tar, archive_errno (s->raw) > 0 ? archive_errno (s->raw) : EIO, "%s",
                         msg ? msg : "decompression failed");
    }
  return n;
}

static const struct
{
  enum sv_layer_compression c;
  int filter;
  const char *name;
} compressions[] = {
  { SV_LAYER_COMPRESSION_NONE, ARCHIVE_FILTER_NONE, "uncompressed" },
  { SV_LAYER_COMPRESSION_GZIP, ARCHIVE_FILTER_GZIP, "gzip" },
  { SV_LAYER_COMPRESSION_ZSTD, ARCHIVE_FILTER_ZSTD, "zstd" },
};

static const char *
compression_name (enum sv_layer_compression c)
{
  for (size_t i = 0; i < sizeof compressions / sizeof compressions[0]; i++)
    if (compressions[i].c == c)
      return compressions[i].name;
  return "auto";
}

/* Register the filters for C; ARCHIVE_WARN (an external program would do
 * the work) is accepted. */
static int
source_filters (struct archive *a, enum sv_layer_compression c, struct sv_err **err)
{
  int r = ARCHIVE_OK;
  if (c == SV_LAYER_COMPRESSION_AUTO)
    {
      (void)archive_read_support_filter_gzip (a);
      (void)archive_read_support_filter_zstd (a);
      (void)archive_read_support_filter_xz (a);
      (void)archive_read_support_filter_bzip2 (a);
    }
  else if (c == SV_LAYER_COMPRESSION_GZIP)
    r = archive_read_support_filter_gzip (a);
  else if (c == SV_LAYER_COMPRESSION_ZSTD)
    r = archive_read_support_filter_zstd (a);
  if (r < ARCHIVE_WARN)
    return sv_layer_archive_err (a, err, "no support for the layer's compression");
  return 0;
}

/* The detected filter must be the one the caller announced. */
static int
source_check_filter (struct source *s, enum sv_layer_compression c, struct sv_err **err)
{
  if (c == SV_LAYER_COMPRESSION_AUTO)
    return 0;
  int code = archive_filter_count (s->raw) > 0 ? archive_filter_code (s->raw, 0) : -1;
  for (size_t i = 0; i < sizeof compressions / sizeof compressions[0]; i++)
    if (compressions[i].c == c && compressions[i].filter == code)
      return 0;
  return sv_err_make (err, EILSEQ, "layer is not %s-compressed", compression_name (c));
}

int
sv_layer_source_open (struct source *s, int fd, const struct sv_layer_opts *o, struct sv_err **err)
{
  s->raw = archive_read_new ();
  if (s->raw == NULL)
    return sv_err_make (err, ENOMEM, "archive_read_new");
  int ret = source_filters (s->raw, o->compression, err);
  if (ret < 0)
    return ret;
  if (archive_read_support_format_raw (s->raw) != ARCHIVE_OK
      || archive_read_open_fd (s->raw, fd, READ_BLOCK_SIZE) != ARCHIVE_OK)
    return sv_layer_archive_err (s->raw, err, "open layer stream");
  struct archive_entry *e;
  int r = archive_read_next_header (s->raw, &e);
  if (r == ARCHIVE_EOF)
    s->eof = true;
  else if (r < ARCHIVE_WARN)
    return sv_layer_archive_err (s->raw, err, "read layer stream");
  ret = source_check_filter (s, o->compression, err);
  if (ret < 0)
    return ret;
  if (o->diff_id_out)
    {
      s->md = EVP_MD_CTX_new ();
      if (s->md == NULL || EVP_DigestInit_ex (s->md, EVP_sha256 (), NULL) != 1)
        return sv_err_make (err, EIO, "sha256 init failed");
    }
  return 0;
}

/* Read the stream to its end and write "sha256:HEX" to OUT when wanted. */
int
sv_layer_source_finish (struct source *s, char *out, struct sv_err **err)
{
  const void *buf;
  ssize_t n;
  while ((n = source_next (s, &buf)) > 0)
    ;
  if (n < 0)
    return sv_layer_archive_err (s->raw, err, "read layer stream");
  if (s->md == NULL)
    return 0;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex (s->md, md, &len) != 1 || len != 32)
    return sv_err_make (err, EIO, "sha256 final failed");
  char hex[65];
  for (unsigned i = 0; i < len; i++)
    snprintf (hex + 2 * i, 3, "%02x", md[i]);
  snprintf (out, SV_LAYER_DIFF_ID_LEN, "sha256:%s", hex);
  return 0;
}

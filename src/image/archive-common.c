/* Helpers of load, save and import: decompressing readers and the OCI
 * manifest Servin writes for images it makes itself. */
#include "image/archive-internal.h"
#include "image/manifest.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <errno.h>
#include <string.h>

int
sv_archive_err (struct archive *a, struct sv_err **err, const char *what)
{
  /* A format error (EILSEQ) says nothing strerror would add to. */
  int code = archive_errno (a);
  if (code == EILSEQ || code < 0)
    code = 0;
  const char *msg = archive_error_string (a);
  return sv_err_make (err, code, "%s: %s", what, msg ? msg : "unknown libarchive error");
}

int
sv_archive_raw_open (int fd, struct archive **out, struct sv_err **err)
{
  _cleanup_archive_read_ struct archive *a = archive_read_new ();
  if (a == NULL)
    return sv_err_make (err, ENOMEM, "archive_read_new");
  /* ARCHIVE_WARN means an external program would do the work: fine. */
  (void)archive_read_support_filter_gzip (a);
  (void)archive_read_support_filter_zstd (a);
  (void)archive_read_support_filter_xz (a);
  (void)archive_read_support_filter_bzip2 (a);
  if (archive_read_support_format_raw (a) != ARCHIVE_OK
      || archive_read_open_fd (a, fd, SV_ARCHIVE_BLOCK) != ARCHIVE_OK)
    return sv_archive_err (a, err, "open stream");
  struct archive_entry *e;
  int r = archive_read_next_header (a, &e);
  if (r == ARCHIVE_EOF)
    return sv_err_make (err, ENODATA, "the input is empty");
  if (r < ARCHIVE_WARN)
    return sv_archive_err (a, err, "read stream");
  *out = steal_pointer (&a);
  return 0;
}

int
sv_archive_put_decompressed (struct sv_store *s, int fd, char **digest, int64_t *size,
                             struct sv_err **err)
{
  _cleanup_archive_read_ struct archive *a = NULL;
  _cleanup_archive_blob_writer_ struct sv_blob_writer *w = NULL;
  if (sv_archive_raw_open (fd, &a, err) < 0 || sv_blob_writer_new (s, NULL, -1, &w, err) < 0)
    return -1;
  _cleanup_free_ char *buf = xmalloc (SV_ARCHIVE_BLOCK);
  la_ssize_t n;
  while ((n = archive_read_data (a, buf, SV_ARCHIVE_BLOCK)) > 0)
    if (sv_blob_writer_write (w, buf, (size_t)n, err) < 0)
      return -1;
  if (n < 0)
    return sv_archive_err (a, err, "decompress");
  if (sv_blob_writer_size (w) == 0)
    return sv_err_make (err, ENODATA, "the input is empty");
  int64_t total = sv_blob_writer_size (w);
  if (sv_blob_writer_commit (w, digest, err) < 0)
    return -1;
  *size = total;
  return 0;
}

int
sv_archive_put_manifest (struct sv_store *s, const char *config_digest, int64_t config_size,
                         const struct sv_layer_desc *layers, size_t n_layers, char **digest,
                         struct sv_err **err)
{
  json_t *descs = json_array ();
  for (size_t i = 0; i < n_layers; i++)
    json_array_append_new (descs, json_pack ("{s:s, s:s, s:I}", "mediaType", layers[i].media_type,
                                             "digest", layers[i].digest, "size",
                                             (json_int_t)layers[i].size));
  _cleanup_json_ json_t *m
      = json_pack ("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
                   SV_MT_OCI_MANIFEST, "config", "mediaType", SV_MT_OCI_CONFIG, "digest",
                   config_digest, "size", (json_int_t)config_size, "layers", descs);
  if (m == NULL)
    return sv_err_make (err, EINVAL, "cannot build the image manifest");
  _cleanup_free_ char *text = json_dumps (m, JSON_COMPACT);
  if (text == NULL)
    return sv_err_make (err, ENOMEM, "cannot serialise the image manifest");
  return sv_store_put_blob (s, text, strlen (text), NULL, digest, err);
}

const char *
sv_archive_layer_media_type (const unsigned char *magic, size_t len)
{
  if (len >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
    return SV_MT_OCI_LAYER_GZIP;
  if (len >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
    return SV_MT_OCI_LAYER_ZSTD;
  return SV_MT_OCI_LAYER;
}

/* `servin import`: a root filesystem tarball as a one-layer image. */
#include "image/archive-internal.h"
#include "image/archive.h"
#include "image/platform.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

/* Now as RFC 3339 with nanoseconds, UTC; owned by the caller. */
static char *
now_rfc3339 (void)
{
  struct timespec ts;
  struct tm tm;
  char buf[64];
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return xasprintf ("%s.%09ldZ", buf, ts.tv_nsec);
}

/* The "config" object the --change instructions describe. */
static int
container_config (char *const *changes, json_t **out, struct sv_err **err)
{
  _cleanup_json_ json_t *cfg = json_object ();
  for (char *const *c = changes; c && *c; c++)
    if (sv_import_apply_change (cfg, *c, err) < 0)
      return -1;
  *out = steal_pointer (&cfg);
  return 0;
}

static int
import_platform (const char *spec, struct sv_platform **out, struct sv_err **err)
{
  if (spec == NULL)
    return sv_platform_host (out, err);
  if (sv_platform_parse (spec, out, err) < 0)
    return sv_err_wrap (err, "--platform");
  return 0;
}

/* Store the image config; *DIGEST and *SIZE describe the blob. */
static int
put_config (struct sv_store *s, const struct sv_platform *p, json_t *cfg, const char *diff_id,
            const char *comment, char **digest, int64_t *size, struct sv_err **err)
{
  _cleanup_free_ char *created = now_rfc3339 ();
  _cleanup_json_ json_t *c
      = json_pack ("{s:s, s:s, s:s, s:s*, s:O, s:{s:s, s:[s]}, s:[{s:s, s:s, s:s}]}", "created",
                   created, "architecture", p->arch, "os", p->os, "variant", p->variant, "config",
                   cfg, "rootfs", "type", "layers", "diff_ids", diff_id, "history", "created",
                   created, "created_by", "", "comment", comment);
  if (c == NULL)
    return sv_err_make (err, EINVAL, "cannot build the image config");
  _cleanup_free_ char *text = json_dumps (c, JSON_COMPACT);
  if (text == NULL)
    return sv_err_make (err, ENOMEM, "cannot serialise the image config");
  if (sv_store_put_blob (s, text, strlen (text), NULL, digest, err) < 0)
    return -1;
  *size = (int64_t)strlen (text);
  return 0;
}

/* Whether the first 512 bytes of the blob DIGEST are a tar header: its
 * checksum (octal, at 148) is the sum of the bytes with the field as
 * blanks.  V7, ustar, GNU and pax headers all have one. */
static int
check_tar (struct sv_store *s, const char *digest, struct sv_err **err)
{
  unsigned char h[512];
  _cleanup_close_ int fd = sv_store_open_blob (s, digest, err);
  if (fd < 0)
    return -1;
  ssize_t n = pread (fd, h, sizeof h, 0);
  unsigned long sum = 0, want = 0;
  for (size_t i = 0; n == (ssize_t)sizeof h && i < sizeof h; i++)
    sum += (i >= 148 && i < 156) ? ' ' : h[i];
  char field[9] = { 0 };
  if (n == (ssize_t)sizeof h)
    memcpy (field, h + 148, 8);
  char *end = NULL;
  want = strtoul (field, &end, 8);
  if (n != (ssize_t)sizeof h || end == field || want != sum)
    return sv_err_make (err, EINVAL, "not a tar archive");
  return 0;
}

int
sv_image_import (struct sv_store *s, int fd, const struct sv_import_opts *o, char **id,
                 struct sv_err **err)
{
  _cleanup_platform_ struct sv_platform *p = NULL;
  _cleanup_json_ json_t *cfg = NULL;
  if (sv_store_lock (s, false, err) < 0 || import_platform (o->platform, &p, err) < 0
      || container_config (o->changes, &cfg, err) < 0)
    return -1;

  _cleanup_free_ char *diff_id = NULL;
  int64_t layer_size = 0;
  if (sv_archive_put_decompressed (s, fd, &diff_id, &layer_size, err) < 0)
    return sv_err_wrap (err, "read the tarball");
  if (check_tar (s, diff_id, err) < 0)
    return sv_err_wrap (err, "%s", o->source ? o->source : "-");

  _cleanup_free_ char *comment = o->message
                                     ? xstrdup (o->message)
                                     : xasprintf ("Imported from %s", o->source ? o->source : "-");
  _cleanup_free_ char *config_digest = NULL;
  int64_t config_size = 0;
  if (put_config (s, p, cfg, diff_id, comment, &config_digest, &config_size, err) < 0)
    return -1;

  struct sv_layer_desc layer = { SV_MT_OCI_LAYER, diff_id, layer_size };
  _cleanup_free_ char *manifest_digest = NULL;
  if (sv_archive_put_manifest (s, config_digest, config_size, &layer, 1, &manifest_digest, err) < 0)
    return -1;
  if (sv_store_unpack_layer (s, diff_id, diff_id, err) < 0)
    return sv_err_wrap (err, "unpack the tarball");
  struct sv_image_add add = { .manifest_digest = manifest_digest, .tag = o->tag };
  return sv_store_add_image (s, &add, id, err);
}

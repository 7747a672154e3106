/* `servin save`: images of the store as a docker-archive (the layout
 * docker 20.10 and podman write) or an oci-archive (see archive.h). */
#include "image/archive-internal.h"
#include "image/archive.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* An image to write and the tags it is saved with. */
struct saved
{
  struct sv_image *img;
  struct sv_manifest *m;
  struct sv_image_config *c;
  char **tags; /* normalised; NULL when saved by id */
};

struct save
{
  struct sv_store *s;
  struct archive *w;
  char **written; /* members already in the archive */
  struct saved *images;
  size_t n_images;
};

static void
save_free (struct save *sv)
{
  for (size_t i = 0; i < sv->n_images; i++)
    {
      sv_image_free (sv->images[i].img);
      sv_manifest_free (sv->images[i].m);
      sv_image_config_free (sv->images[i].c);
      sv_strv_free (sv->images[i].tags);
    }
  free (sv->images);
  sv_strv_free (sv->written);
  if (sv->w)
    archive_write_free (sv->w);
}

int
sv_archive_format_parse (const char *s, enum sv_archive_format *out, struct sv_err **err)
{
  if (strcmp (s, "docker-archive") == 0)
    *out = SV_ARCHIVE_DOCKER;
  else if (strcmp (s, "oci-archive") == 0)
    *out = SV_ARCHIVE_OCI;
  else
    return sv_err_make (err, EINVAL, "unknown format `%s` (docker-archive or oci-archive)", s);
  return 0;
}

/* ---- which images, with which tags ---- */

/* The tag NAME stands for when IMG has it ("busybox" -> its
 * docker.io/library/busybox:latest), else NULL (a name by id or digest). */
static char *
tag_named (const struct sv_image *img, const char *name)
{
  _cleanup_ref_ struct sv_ref *ref = NULL;
  struct sv_err *e = NULL;
  if (sv_ref_parse (name, &ref, &e) < 0)
    {
      sv_err_free (&e);
      return NULL;
    }
  if (ref->tag == NULL || ref->digest != NULL)
    return NULL;
  _cleanup_free_ char *repo = sv_ref_name (ref);
  _cleanup_free_ char *tag = xasprintf ("%s:%s", repo, ref->tag);
  return sv_strv_contains (img->repo_tags, tag) ? steal_pointer (&tag) : NULL;
}

static int
add_image (struct save *sv, const char *name, struct sv_err **err)
{
  struct sv_image *img = NULL;
  if (sv_store_lookup_image (sv->s, name, &img, err) < 0)
    return -1;
  _cleanup_free_ char *tag = tag_named (img, name);
  for (size_t i = 0; i < sv->n_images; i++)
    if (strcmp (sv->images[i].img->id, img->id) == 0)
      {
        sv_image_free (img);
        if (tag && !sv_strv_contains (sv->images[i].tags, tag))
          sv_strv_append (&sv->images[i].tags, tag);
        return 0;
      }
  sv->images = xreallocarray (sv->images, sv->n_images + 1, sizeof *sv->images);
  struct saved *x = &sv->images[sv->n_images++];
  *x = (struct saved){ .img = img };
  if (tag)
    sv_strv_append (&x->tags, tag);
  if (sv_store_image_docs (sv->s, img, &x->m, &x->c, err) < 0)
    return sv_err_wrap (err, "%s", name);
  return 0;
}

/* ---- tar members ---- */

/* Whether member NAME is in the archive already; marks it as being so. */
static bool
already_written (struct save *sv, const char *name)
{
  if (sv_strv_contains (sv->written, name))
    return true;
  sv_strv_append (&sv->written, name);
  return false;
}

static int
write_header (struct save *sv, const char *name, int64_t size, unsigned type)
{
  struct archive_entry *e = archive_entry_new ();
  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, type);
  archive_entry_set_perm (e, type == AE_IFDIR ? 0755 : 0644);
  archive_entry_set_size (e, type == AE_IFDIR ? 0 : size);
  archive_entry_set_mtime (e, 0, 0);
  int r = archive_write_header (sv->w, e);
  archive_entry_free (e);
  return r < ARCHIVE_WARN ? -1 : 0;
}

static int
write_dir (struct save *sv, const char *name, struct sv_err **err)
{
  if (already_written (sv, name))
    return 0;
  if (write_header (sv, name, 0, AE_IFDIR) < 0)
    return sv_archive_err (sv->w, err, "write archive");
  return 0;
}

static int
write_buffer (struct save *sv, const char *name, const char *buf, size_t len, struct sv_err **err)
{
  if (write_header (sv, name, (int64_t)len, AE_IFREG) < 0
      || archive_write_data (sv->w, buf, len) != (la_ssize_t)len)
    return sv_archive_err (sv->w, err, "write archive");
  return 0;
}

/* Member NAME with exactly SIZE bytes read from FD. */
static int
write_fd (struct save *sv, const char *name, int fd, int64_t size, struct sv_err **err)
{
  if (write_header (sv, name, size, AE_IFREG) < 0)
    return sv_archive_err (sv->w, err, "write archive");
  _cleanup_free_ char *buf = xmalloc (SV_ARCHIVE_BLOCK);
  int64_t left = size;
  while (left > 0)
    {
      ssize_t n = read (fd, buf, left < SV_ARCHIVE_BLOCK ? (size_t)left : SV_ARCHIVE_BLOCK);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return sv_err_errno (err, "read %s", name);
      if (n == 0)
        return sv_err_make (err, EIO, "%s: shorter than its %lld bytes", name, (long long)size);
      if (archive_write_data (sv->w, buf, (size_t)n) != n)
        return sv_archive_err (sv->w, err, "write archive");
      left -= n;
    }
  return 0;
}

/* The stored blob DIGEST as member NAME, verbatim. */
static int
write_blob (struct save *sv, const char *name, const char *digest, struct sv_err **err)
{
  if (already_written (sv, name))
    return 0;
  int64_t size = 0;
  if (!sv_store_has_blob (sv->s, digest, &size))
    return sv_err_make (err, ENOENT, "blob %s is missing from the store", digest);
  _cleanup_close_ int fd = sv_store_open_blob (sv->s, digest, err);
  if (fd < 0)
    return -1;
  return write_fd (sv, name, fd, size, err);
}

/* ---- docker-archive ---- */

static int
write_all (int fd, const void *buf, size_t len, struct sv_err **err)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return sv_err_errno (err, "write temporary file");
      p += n;
      len -= (size_t)n;
    }
  return 0;
}

static int
open_tmpfile (struct sv_store *s, struct sv_err **err)
{
  int fd = openat (sv_store_root_fd (s), ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    fd = open ("/var/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    return sv_err_errno (err, "create a temporary file");
  return fd;
}

/* Decompress the blob DIGEST into a temporary file, checking it hashes to
 * DIFF_ID; returns the fd (at offset 0) and its size in *SIZE. */
static int
decompress_layer (struct sv_store *s, const char *digest, const char *diff_id, int64_t *size,
                  struct sv_err **err)
{
  _cleanup_close_ int blob = sv_store_open_blob (s, digest, err);
  _cleanup_close_ int tmp = blob < 0 ? -1 : open_tmpfile (s, err);
  _cleanup_archive_read_ struct archive *a = NULL;
  _cleanup_hasher_ struct sv_hasher *h = NULL;
  if (tmp < 0 || sv_archive_raw_open (blob, &a, err) < 0
      || sv_hasher_new (SV_DIGEST_SHA256, &h, err) < 0)
    return -1;
  _cleanup_free_ char *buf = xmalloc (SV_ARCHIVE_BLOCK);
  la_ssize_t n;
  int64_t total = 0;
  while ((n = archive_read_data (a, buf, SV_ARCHIVE_BLOCK)) > 0)
    {
      if (sv_hasher_update (h, buf, (size_t)n, err) < 0 || write_all (tmp, buf, (size_t)n, err) < 0)
        return -1;
      total += n;
    }
  if (n < 0)
    return sv_archive_err (a, err, "decompress");
  _cleanup_free_ char *got = NULL;
  if (sv_hasher_final (h, &got, err) < 0 || sv_digest_verify (diff_id, got, err) < 0)
    return -1;
  if (lseek (tmp, 0, SEEK_SET) < 0)
    return sv_err_errno (err, "seek temporary file");
  *size = total;
  return TAKE_FD (&tmp);
}

/* LAYER (whose uncompressed digest is DIFF_ID) as NAME, uncompressed. */
static int
write_layer_tar (struct save *sv, const char *name, const struct sv_descriptor *layer,
                 const char *diff_id, struct sv_err **err)
{
  if (layer->compression == SV_COMPRESSION_NONE)
    return write_blob (sv, name, layer->digest, err);
  if (already_written (sv, name))
    return 0;
  int64_t size = 0;
  _cleanup_close_ int fd = decompress_layer (sv->s, layer->digest, diff_id, &size, err);
  if (fd < 0)
    return sv_err_wrap (err, "layer %s", layer->digest);
  return write_fd (sv, name, fd, size, err);
}

/* The repository of the normalised TAG ("docker.io/library/busybox"). */
static char *
tag_repository (const char *tag)
{
  /* a normalised tag always ends in ":TAG" */
  return xstrndup (tag, (size_t)(strrchr (tag, ':') - tag));
}

/* Write one image's layers and config; returns its manifest.json entry. */
static int
docker_image (struct save *sv, const struct saved *x, json_t *repositories, json_t **entry,
              struct sv_err **err)
{
  json_t *layers = json_array ();
  _cleanup_json_ json_t *e = json_pack ("{s:s, s:o, s:o}", "Config", "", "RepoTags",
                                        x->tags ? json_array () : json_null (), "Layers", layers);
  const char *hex = NULL;
  for (size_t i = 0; i < x->m->n_layers; i++)
    {
      if (sv_digest_parse (x->c->diff_ids[i], &hex, err) < 0)
        return -1;
      _cleanup_free_ char *dir = xasprintf ("%s/", hex);
      _cleanup_free_ char *name = xasprintf ("%s/layer.tar", hex);
      if (write_dir (sv, dir, err) < 0
          || write_layer_tar (sv, name, &x->m->layers[i], x->c->diff_ids[i], err) < 0)
        return -1;
      json_array_append_new (layers, json_string (name));
    }
  const char *config_hex = NULL;
  if (sv_digest_parse (x->img->id, &config_hex, err) < 0)
    return -1;
  _cleanup_free_ char *config = xasprintf ("%s.json", config_hex);
  if (write_blob (sv, config, x->img->id, err) < 0)
    return -1;
  json_object_set_new (e, "Config", json_string (config));
  for (char **t = x->tags; t && *t; t++)
    {
      _cleanup_free_ char *repo = tag_repository (*t);
      json_array_append_new (json_object_get (e, "RepoTags"), json_string (*t));
      if (hex == NULL)
        continue;
      if (!json_is_object (json_object_get (repositories, repo)))
        json_object_set_new (repositories, repo, json_object ());
      json_object_set_new (json_object_get (repositories, repo), strrchr (*t, ':') + 1,
                           json_string (hex));
    }
  *entry = steal_pointer (&e);
  return 0;
}

/* A JSON document as member NAME. */
static int
write_json (struct save *sv, const char *name, json_t *j, struct sv_err **err)
{
  _cleanup_free_ char *text = json_dumps (j, JSON_COMPACT);
  if (text == NULL)
    return sv_err_make (err, ENOMEM, "serialise %s", name);
  return write_buffer (sv, name, text, strlen (text), err);
}

static int
save_docker (struct save *sv, struct sv_err **err)
{
  _cleanup_json_ json_t *manifest = json_array ();
  _cleanup_json_ json_t *repositories = json_object ();
  for (size_t i = 0; i < sv->n_images; i++)
    {
      json_t *entry = NULL;
      if (docker_image (sv, &sv->images[i], repositories, &entry, err) < 0)
        return sv_err_wrap (err, "image %s", sv->images[i].img->id);
      json_array_append_new (manifest, entry);
    }
  if (write_json (sv, "manifest.json", manifest, err) < 0)
    return -1;
  if (json_object_size (repositories) > 0)
    return write_json (sv, "repositories", repositories, err);
  return 0;
}

/* ---- oci-archive ---- */

static int
write_oci_blob (struct save *sv, const char *digest, struct sv_err **err)
{
  const char *hex = NULL;
  int algo = sv_digest_parse (digest, &hex, err);
  if (algo < 0)
    return -1;
  _cleanup_free_ char *dir = xasprintf ("blobs/%s/", sv_digest_algo_name (algo));
  _cleanup_free_ char *name = xasprintf ("blobs/%s/%s", sv_digest_algo_name (algo), hex);
  if (write_dir (sv, dir, err) < 0)
    return -1;
  return write_blob (sv, name, digest, err);
}

/* One index.json entry for X (TAG may be NULL). */
static json_t *
oci_index_entry (struct save *sv, const struct saved *x, const char *tag)
{
  int64_t size = 0;
  (void)sv_store_has_blob (sv->s, x->img->manifest_digest, &size);
  const char *mt = x->img->manifest_media_type ? x->img->manifest_media_type : x->m->media_type;
  json_t *d = json_pack ("{s:s, s:s, s:I}", "mediaType", mt, "digest", x->img->manifest_digest,
                         "size", (json_int_t)size);
  if (tag)
    {
      const char *colon = strrchr (tag, ':');
      json_object_set_new (d, "annotations",
                           json_pack ("{s:s, s:s}", "io.containerd.image.name", tag,
                                      "org.opencontainers.image.ref.name", colon + 1));
    }
  return d;
}

static int
oci_image (struct save *sv, const struct saved *x, json_t *manifests, struct sv_err **err)
{
  for (size_t i = 0; i < x->m->n_layers; i++)
    if (write_oci_blob (sv, x->m->layers[i].digest, err) < 0)
      return -1;
  if (write_oci_blob (sv, x->img->id, err) < 0
      || write_oci_blob (sv, x->img->manifest_digest, err) < 0)
    return -1;
  if (x->tags == NULL)
    json_array_append_new (manifests, oci_index_entry (sv, x, NULL));
  for (char **t = x->tags; t && *t; t++)
    json_array_append_new (manifests, oci_index_entry (sv, x, *t));
  return 0;
}

static int
save_oci (struct save *sv, struct sv_err **err)
{
  _cleanup_json_ json_t *layout = json_pack ("{s:s}", "imageLayoutVersion", "1.0.0");
  if (write_json (sv, "oci-layout", layout, err) < 0 || write_dir (sv, "blobs/", err) < 0)
    return -1;
  json_t *manifests = json_array ();
  _cleanup_json_ json_t *index = json_pack ("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType",
                                            SV_MT_OCI_INDEX, "manifests", manifests);
  for (size_t i = 0; i < sv->n_images; i++)
    if (oci_image (sv, &sv->images[i], manifests, err) < 0)
      return sv_err_wrap (err, "image %s", sv->images[i].img->id);
  return write_json (sv, "index.json", index, err);
}

int
sv_archive_save (struct sv_store *s, char *const *names, enum sv_archive_format format, int fd,
                 struct sv_err **err)
{
  __attribute__ ((cleanup (save_free))) struct save sv = { .s = s };
  /* shared, so that gc cannot take blobs away while they are copied */
  if (sv_store_lock (s, false, err) < 0)
    return -1;
  for (char *const *n = names; n && *n; n++)
    if (add_image (&sv, *n, err) < 0)
      return -1;
  if (sv.n_images == 0)
    return sv_err_make (err, EINVAL, "no image to save");
  sv.w = archive_write_new ();
  if (sv.w == NULL)
    return sv_err_make (err, ENOMEM, "archive_write_new");
  if (archive_write_set_format_pax_restricted (sv.w) != ARCHIVE_OK
      || archive_write_open_fd (sv.w, fd) != ARCHIVE_OK)
    return sv_archive_err (sv.w, err, "write archive");
  int ret = format == SV_ARCHIVE_OCI ? save_oci (&sv, err) : save_docker (&sv, err);
  if (ret < 0)
    return ret;
  if (archive_write_close (sv.w) != ARCHIVE_OK)
    return sv_archive_err (sv.w, err, "write archive");
  return 0;
}

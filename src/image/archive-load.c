/* `servin load`: docker-archive and oci-archive, told apart by content and
 * read in one streaming pass (see archive.h).
 *
 * Pass 1 streams every regular member into the store and remembers
 * name -> blob (and symlinks/hardlinks name -> name); the small metadata
 * files (manifest.json, index.json, oci-layout) are kept in memory.  Then
 * the archive's images are planned (docker-archive: an OCI manifest is
 * written for each), checked and their layers unpacked; only when all of
 * them are fine are the image records added. */
#include "image/archive-internal.h"
#include "image/archive.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "image/platform.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <archive_entry.h>
#include <errno.h>
#include <string.h>

/* Metadata files and documents read into memory are refused past this. */
#define MAX_DOCUMENT (16 * 1024 * 1024)
/* Symlinks followed to resolve one member name. */
#define MAX_LINK_HOPS 16

struct member
{
  char *name;   /* cleaned path inside the archive */
  char *digest; /* the stored blob (regular files) */
  int64_t size;
  char *link; /* cleaned target (symlinks and hardlinks) */
  unsigned char magic[4];
  size_t n_magic;
};

/* An image the archive holds: its stored manifest and the tags to record. */
struct plan
{
  char *manifest_digest;
  char *media_type;
  char **tags;
};

struct load
{
  struct sv_store *s;
  struct member *members;
  size_t n_members;
  char *manifest_json; /* docker-archive */
  size_t manifest_json_len;
  char *index_json; /* oci-archive */
  size_t index_json_len;
  char *oci_layout;
  size_t oci_layout_len;
  struct plan *plans;
  size_t n_plans;
};

static void
load_free (struct load *l)
{
  for (size_t i = 0; i < l->n_members; i++)
    {
      free (l->members[i].name);
      free (l->members[i].digest);
      free (l->members[i].link);
    }
  free (l->members);
  for (size_t i = 0; i < l->n_plans; i++)
    {
      free (l->plans[i].manifest_digest);
      free (l->plans[i].media_type);
      sv_strv_free (l->plans[i].tags);
    }
  free (l->plans);
  free (l->manifest_json);
  free (l->index_json);
  free (l->oci_layout);
}

void
sv_load_result_free (struct sv_load_result *r)
{
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->n_images; i++)
    {
      free (r->images[i].id);
      sv_strv_free (r->images[i].tags);
    }
  free (r->images);
  free (r);
}

/* ---- paths inside the archive ---- */

/* Join BASE (a directory, "" for the root) and PATH and resolve "." and
 * ".." lexically; a leading '/' of PATH means the archive's root.  Returns
 * the clean path, or NULL when it climbs above the root. */
static char *
clean_path (const char *base, const char *path)
{
  _cleanup_free_ char *joined = xasprintf ("%s/%s", path[0] == '/' ? "" : base, path);
  _cleanup_free_ char *out = xmalloc (strlen (joined) + 1);
  size_t n = 0;
  char *save = NULL;
  for (char *c = strtok_r (joined, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      if (strcmp (c, ".") == 0)
        continue;
      if (strcmp (c, "..") == 0)
        {
          if (n == 0)
            return NULL;
          while (n > 0 && out[n - 1] != '/')
            n--;
          if (n > 0)
            n--;
          continue;
        }
      if (n > 0)
        out[n++] = '/';
      memcpy (out + n, c, strlen (c));
      n += strlen (c);
    }
  out[n] = '\0';
  return steal_pointer (&out);
}

static struct member *
find_member (struct load *l, const char *name)
{
  /* The last member of a name wins, as when extracting. */
  for (size_t i = l->n_members; i-- > 0;)
    if (strcmp (l->members[i].name, name) == 0)
      return &l->members[i];
  return NULL;
}

/* Whether PATH has a ".." component. */
static bool
has_dotdot (const char *path)
{
  for (const char *c = path; c; c = strchr (c, '/') ? strchr (c, '/') + 1 : NULL)
    if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == '\0'))
      return true;
  return false;
}

/* The stored member PATH (from manifest.json) names, links followed. */
static int
resolve_member (struct load *l, const char *path, struct member **out, struct sv_err **err)
{
  if (path[0] == '/' || has_dotdot (path))
    return sv_err_make (err, EINVAL, "path `%s` leaves the archive", path);
  _cleanup_free_ char *name = clean_path ("", path);
  for (int hops = 0; hops <= MAX_LINK_HOPS; hops++)
    {
      struct member *m = name ? find_member (l, name) : NULL;
      if (m == NULL)
        return sv_err_make (err, ENOENT, "`%s` is not in the archive", path);
      if (m->link == NULL)
        {
          *out = m;
          return 0;
        }
      free (name);
      name = xstrdup (m->link);
    }
  return sv_err_make (err, ELOOP, "`%s`: too many levels of links", path);
}

/* ---- pass 1: the members ---- */

static struct member *
add_member (struct load *l, const char *name)
{
  l->members = xreallocarray (l->members, l->n_members + 1, sizeof *l->members);
  struct member *m = &l->members[l->n_members++];
  memset (m, 0, sizeof *m);
  m->name = xstrdup (name);
  return m;
}

/* "sha256:HEX" for a member named blobs/sha256/HEX with a valid digest. */
static char *
blob_name_digest (const char *name)
{
  if (strncmp (name, "blobs/", 6) != 0)
    return NULL;
  const char *algo = name + 6;
  const char *slash = strchr (algo, '/');
  if (slash == NULL || strchr (slash + 1, '/'))
    return NULL;
  _cleanup_free_ char *d = xasprintf ("%.*s:%s", (int)(slash - algo), algo, slash + 1);
  struct sv_err *e = NULL;
  if (sv_digest_validate (d, &e) < 0)
    {
      sv_err_free (&e);
      return NULL;
    }
  return steal_pointer (&d);
}

/* Stream the data of the current member into a blob. */
static int
store_member (struct load *l, struct archive *a, struct archive_entry *e, struct member *m,
              struct sv_err **err)
{
  _cleanup_free_ char *expected = blob_name_digest (m->name);
  int64_t size = archive_entry_size_is_set (e) ? archive_entry_size (e) : -1;
  _cleanup_archive_blob_writer_ struct sv_blob_writer *w = NULL;
  if (sv_blob_writer_new (l->s, expected, size, &w, err) < 0)
    return -1;
  _cleanup_free_ char *buf = xmalloc (SV_ARCHIVE_BLOCK);
  la_ssize_t n;
  while ((n = archive_read_data (a, buf, SV_ARCHIVE_BLOCK)) > 0)
    {
      for (la_ssize_t i = 0; i < n && m->n_magic < sizeof m->magic; i++)
        m->magic[m->n_magic++] = (unsigned char)buf[i];
      if (sv_blob_writer_write (w, buf, (size_t)n, err) < 0)
        return -1;
    }
  if (n < 0)
    return sv_archive_err (a, err, "read archive");
  m->size = sv_blob_writer_size (w);
  return sv_blob_writer_commit (w, &m->digest, err);
}

/* Keep a metadata file in memory. */
static int
read_document (struct archive *a, struct archive_entry *e, char **buf, size_t *len,
               struct sv_err **err)
{
  int64_t size = archive_entry_size (e);
  if (size < 0 || size > MAX_DOCUMENT)
    return sv_err_make (err, EFBIG, "larger than %d bytes", MAX_DOCUMENT);
  _cleanup_free_ char *data = xmalloc ((size_t)size + 1);
  size_t have = 0;
  la_ssize_t n;
  while (have < (size_t)size && (n = archive_read_data (a, data + have, (size_t)size - have)) > 0)
    have += (size_t)n;
  if (have < (size_t)size)
    return sv_archive_err (a, err, "read archive");
  data[have] = '\0';
  free (*buf);
  *buf = steal_pointer (&data);
  *len = have;
  return 0;
}

static int
read_regular (struct load *l, struct archive *a, struct archive_entry *e, const char *name,
              struct sv_err **err)
{
  if (strcmp (name, "manifest.json") == 0)
    return read_document (a, e, &l->manifest_json, &l->manifest_json_len, err);
  if (strcmp (name, "index.json") == 0)
    return read_document (a, e, &l->index_json, &l->index_json_len, err);
  if (strcmp (name, "oci-layout") == 0)
    return read_document (a, e, &l->oci_layout, &l->oci_layout_len, err);
  if (strcmp (name, "repositories") == 0)
    return 0; /* legacy; manifest.json says the same */
  return store_member (l, a, e, add_member (l, name), err);
}

/* One tar entry: a regular file, or a link to one; others are skipped. */
static int
read_entry (struct load *l, struct archive *a, struct archive_entry *e, struct sv_err **err)
{
  const char *raw = archive_entry_pathname (e);
  _cleanup_free_ char *name = raw ? clean_path ("", raw) : NULL;
  if (name == NULL)
    return sv_err_make (err, EINVAL, "archive member `%s`: path leaves the archive",
                        raw ? raw : "");
  if (*name == '\0')
    return 0; /* "./", the archive's root */
  const char *hardlink = archive_entry_hardlink (e);
  const char *symlink = archive_entry_symlink (e);
  if (hardlink || (symlink && archive_entry_filetype (e) == AE_IFLNK))
    {
      _cleanup_free_ char *dir = xstrdup (name);
      char *slash = strrchr (dir, '/');
      *(slash ? slash : dir) = '\0';
      char *target = hardlink ? clean_path ("", hardlink) : clean_path (dir, symlink);
      if (target == NULL)
        return sv_err_make (err, EINVAL, "archive member `%s`: link leaves the archive", raw);
      add_member (l, name)->link = target;
      return 0;
    }
  if (archive_entry_filetype (e) != AE_IFREG)
    return 0;
  if (read_regular (l, a, e, name, err) < 0)
    return sv_err_wrap (err, "archive member `%s`", raw);
  return 0;
}

static int
read_archive (struct load *l, int fd, struct sv_err **err)
{
  _cleanup_archive_read_ struct archive *a = archive_read_new ();
  if (a == NULL)
    return sv_err_make (err, ENOMEM, "archive_read_new");
  (void)archive_read_support_filter_gzip (a);
  (void)archive_read_support_filter_zstd (a);
  (void)archive_read_support_filter_xz (a);
  (void)archive_read_support_filter_bzip2 (a);
  if (archive_read_support_format_tar (a) != ARCHIVE_OK
      || archive_read_open_fd (a, fd, SV_ARCHIVE_BLOCK) != ARCHIVE_OK)
    return sv_archive_err (a, err, "read archive");
  for (;;)
    {
      struct archive_entry *e;
      int r = archive_read_next_header (a, &e);
      if (r == ARCHIVE_EOF)
        return 0;
      if (r < ARCHIVE_WARN)
        return sv_archive_err (a, err, "read archive");
      if (read_entry (l, a, e, err) < 0)
        return -1;
    }
}

/* ---- planning ---- */

/* "docker.io/library/busybox:latest" from a name with a tag ("busybox" has
 * the tag latest); *OUT stays NULL for a name that only has a digest. */
static int
normalize_tag (const char *name, char **out, struct sv_err **err)
{
  _cleanup_ref_ struct sv_ref *ref = NULL;
  if (sv_ref_parse (name, &ref, err) < 0)
    return -1;
  if (ref->tag == NULL)
    return 0;
  _cleanup_free_ char *repo = sv_ref_name (ref);
  *out = xasprintf ("%s:%s", repo, ref->tag);
  return 0;
}

/* Add MANIFEST_DIGEST with TAG (may be NULL) to the plans, merging
 * entries of the same manifest. */
static void
add_plan (struct load *l, const char *manifest_digest, const char *media_type, const char *tag)
{
  struct plan *p = NULL;
  for (size_t i = 0; i < l->n_plans && p == NULL; i++)
    if (strcmp (l->plans[i].manifest_digest, manifest_digest) == 0)
      p = &l->plans[i];
  if (p == NULL)
    {
      l->plans = xreallocarray (l->plans, l->n_plans + 1, sizeof *l->plans);
      p = &l->plans[l->n_plans++];
      *p = (struct plan){ xstrdup (manifest_digest),
                          xstrdup (media_type ? media_type : SV_MT_OCI_MANIFEST), NULL };
    }
  if (tag && !sv_strv_contains (p->tags, tag))
    sv_strv_append (&p->tags, tag);
}

/* Read the blob DIGEST the archive must have brought (WHAT names it). */
static int
read_blob (struct load *l, const char *what, const char *digest, char **buf, size_t *len,
           struct sv_err **err)
{
  if (!sv_store_has_blob (l->s, digest, NULL))
    return sv_err_make (err, ENOENT, "%s %s is not in the archive", what, digest);
  if (sv_store_read_blob (l->s, digest, MAX_DOCUMENT, buf, len, err) < 0)
    return sv_err_wrap (err, "%s %s", what, digest);
  return 0;
}

static int
parse_document (struct load *l, const struct sv_descriptor *d, struct sv_manifest **out,
                struct sv_err **err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  if (read_blob (l, "manifest", d->digest, &buf, &len, err) < 0)
    return -1;
  if (sv_manifest_parse (buf, len, d->media_type, out, err) < 0)
    return sv_err_wrap (err, "manifest %s", d->digest);
  return 0;
}

/* The image manifest an index.json entry stands for: itself, or the
 * host's entry of the index it names.  *OUT points into D or *HOLD. */
static int
oci_resolve (struct load *l, const struct sv_descriptor *d, const struct sv_descriptor **out,
             struct sv_manifest **hold, struct sv_err **err)
{
  if (!sv_media_type_is_index (d->media_type))
    {
      *out = d;
      return 0;
    }
  _cleanup_manifest_ struct sv_manifest *idx = NULL;
  _cleanup_platform_ struct sv_platform *host = NULL;
  if (parse_document (l, d, &idx, err) < 0 || sv_platform_host (&host, err) < 0)
    return -1;
  if (idx->kind != SV_MANIFEST_INDEX)
    return sv_err_make (err, EINVAL, "%s: expected an index", d->digest);
  const struct sv_descriptor *pick = NULL;
  if (sv_index_select (idx, host, &pick, err) < 0)
    return sv_err_wrap (err, "index %s", d->digest);
  if (sv_media_type_is_index (pick->media_type))
    return sv_err_make (err, EINVAL, "index %s: nested indexes are not supported", d->digest);
  *out = pick;
  *hold = steal_pointer (&idx);
  return 0;
}

/* The tag of an index.json entry (see sv_archive_load), or NULL. */
static int
oci_entry_tag (const struct sv_descriptor *d, char **out, struct sv_err **err)
{
  const char *name = sv_descriptor_annotation (d, "io.containerd.image.name");
  if (name == NULL)
    {
      name = sv_descriptor_annotation (d, "org.opencontainers.image.ref.name");
      if (name && strpbrk (name, "/:@") == NULL)
        name = NULL;
    }
  if (name && normalize_tag (name, out, err) < 0)
    return sv_err_wrap (err, "index.json: image name `%s`", name);
  return 0;
}

static int
plan_oci (struct load *l, struct sv_err **err)
{
  if (l->oci_layout)
    {
      _cleanup_json_ json_t *layout = NULL;
      if (sv_json_load_buffer (l->oci_layout, l->oci_layout_len, "oci-layout", &layout, err) < 0)
        return -1;
    }
  _cleanup_manifest_ struct sv_manifest *idx = NULL;
  if (sv_manifest_parse (l->index_json, l->index_json_len, SV_MT_OCI_INDEX, &idx, err) < 0)
    return sv_err_wrap (err, "index.json");
  if (idx->kind != SV_MANIFEST_INDEX || idx->n_manifests == 0)
    return sv_err_make (err, EINVAL, "index.json lists no image");
  for (size_t i = 0; i < idx->n_manifests; i++)
    {
      _cleanup_manifest_ struct sv_manifest *hold = NULL;
      const struct sv_descriptor *d = NULL;
      _cleanup_free_ char *tag = NULL;
      if (oci_resolve (l, &idx->manifests[i], &d, &hold, err) < 0
          || oci_entry_tag (&idx->manifests[i], &tag, err) < 0)
        return -1;
      add_plan (l, d->digest, d->media_type, tag);
    }
  return 0;
}

/* The stored member named by the manifest.json value V (at PATH). */
static int
docker_member (struct load *l, const char *path, json_t *v, struct member **out,
               struct sv_err **err)
{
  if (!json_is_string (v))
    return sv_err_make (err, EINVAL, "%s: expected a string", path);
  if (resolve_member (l, json_string_value (v), out, err) < 0)
    return sv_err_wrap (err, "%s", path);
  return 0;
}

/* Describe the layers of a manifest.json entry; uncompressed layers must
 * hash to their diff_id already (compressed ones are checked on unpack). */
static int
docker_layers (struct load *l, json_t *layers, const char *path,
               const struct sv_image_config *config, struct sv_layer_desc *descs,
               struct sv_err **err)
{
  size_t i;
  json_t *v;
  json_array_foreach (layers, i, v)
  {
    _cleanup_free_ char *p = xasprintf ("%s.Layers[%zu]", path, i);
    struct member *m = NULL;
    if (docker_member (l, p, v, &m, err) < 0)
      return -1;
    descs[i] = (struct sv_layer_desc){ sv_archive_layer_media_type (m->magic, m->n_magic),
                                       m->digest, m->size };
    if (strcmp (descs[i].media_type, SV_MT_OCI_LAYER) == 0
        && sv_digest_verify (config->diff_ids[i], m->digest, err) < 0)
      return sv_err_wrap (err, "%s (%s)", p, json_string_value (v));
  }
  return 0;
}

/* Tags of a manifest.json entry's RepoTags (absent or null: none). */
static int
docker_tags (json_t *entry, const char *path, char ***out, struct sv_err **err)
{
  _cleanup_strv_ char **names = NULL;
  _cleanup_strv_ char **tags = NULL;
  if (sv_json_get_strv (entry, path, "RepoTags", &names, err) < 0)
    return -1;
  for (char **n = names; n && *n; n++)
    {
      _cleanup_free_ char *tag = NULL;
      if (normalize_tag (*n, &tag, err) < 0)
        return sv_err_wrap (err, "%s.RepoTags: `%s`", path, *n);
      if (tag)
        sv_strv_append (&tags, tag);
    }
  *out = steal_pointer (&tags);
  return 0;
}

static int
plan_docker_entry (struct load *l, json_t *entry, size_t index, struct sv_err **err)
{
  _cleanup_free_ char *path = xasprintf ("manifest.json[%zu]", index);
  _cleanup_free_ char *cpath = xasprintf ("%s.Config", path);
  json_t *layers = NULL;
  struct member *cm = NULL;
  if (!json_is_object (entry))
    return sv_err_make (err, EINVAL, "%s: expected an object", path);
  if (docker_member (l, cpath, json_object_get (entry, "Config"), &cm, err) < 0
      || sv_json_get_array (entry, path, "Layers", &layers, err) < 0)
    return -1;
  if (layers == NULL)
    return sv_err_make (err, EINVAL, "%s.Layers: missing", path);

  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  _cleanup_image_config_ struct sv_image_config *config = NULL;
  if (read_blob (l, "config", cm->digest, &buf, &len, err) < 0
      || sv_image_config_parse (buf, len, &config, err) < 0)
    return sv_err_wrap (err, "%s", cpath);
  size_t n = json_array_size (layers);
  if (n != config->n_diff_ids)
    return sv_err_make (err, EINVAL, "%s: %zu layers but the config has %zu rootfs.diff_ids", path,
                        n, config->n_diff_ids);

  _cleanup_free_ struct sv_layer_desc *descs = xmalloc0 ((n ? n : 1) * sizeof *descs);
  _cleanup_strv_ char **tags = NULL;
  _cleanup_free_ char *manifest = NULL;
  if (docker_layers (l, layers, path, config, descs, err) < 0
      || docker_tags (entry, path, &tags, err) < 0
      || sv_archive_put_manifest (l->s, cm->digest, cm->size, descs, n, &manifest, err) < 0)
    return -1;
  add_plan (l, manifest, SV_MT_OCI_MANIFEST, NULL);
  for (char **t = tags; t && *t; t++)
    add_plan (l, manifest, SV_MT_OCI_MANIFEST, *t);
  return 0;
}

static int
plan_docker (struct load *l, struct sv_err **err)
{
  json_error_t jerr;
  _cleanup_json_ json_t *j
      = json_loadb (l->manifest_json, l->manifest_json_len, JSON_REJECT_DUPLICATES, &jerr);
  if (j == NULL)
    return sv_err_make (err, EINVAL, "manifest.json: invalid JSON at line %d, column %d: %s",
                        jerr.line, jerr.column, jerr.text);
  if (!json_is_array (j) || json_array_size (j) == 0)
    return sv_err_make (err, EINVAL, "manifest.json: expected a non-empty array");
  size_t i;
  json_t *entry;
  json_array_foreach (j, i, entry)
  {
    if (plan_docker_entry (l, entry, i, err) < 0)
      return -1;
  }
  return 0;
}

/* ---- checking and recording ---- */

/* Everything an image needs is stored and its layers are unpacked. */
static int
check_image (struct load *l, const struct plan *p, struct sv_err **err)
{
  struct sv_descriptor d = { .media_type = p->media_type, .digest = p->manifest_digest };
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  if (parse_document (l, &d, &m, err) < 0)
    return -1;
  if (m->kind != SV_MANIFEST_IMAGE)
    return sv_err_make (err, EINVAL, "%s: expected an image manifest", p->manifest_digest);
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  _cleanup_image_config_ struct sv_image_config *config = NULL;
  if (read_blob (l, "config", m->config.digest, &buf, &len, err) < 0
      || sv_image_config_parse (buf, len, &config, err) < 0
      || sv_manifest_check_config (m, config, err) < 0)
    return sv_err_wrap (err, "image %s", m->config.digest);
  for (size_t i = 0; i < m->n_layers; i++)
    {
      const char *blob = m->layers[i].digest;
      if (!sv_store_has_blob (l->s, blob, NULL))
        return sv_err_make (err, ENOENT, "layer %s is not in the archive", blob);
      if (sv_store_unpack_layer (l->s, blob, config->diff_ids[i], err) < 0)
        return sv_err_wrap (err, "layer %s", blob);
    }
  return 0;
}

static int
record (struct load *l, const struct plan *p, struct sv_loaded_image *out, struct sv_err **err)
{
  _cleanup_free_ char *id = NULL;
  struct sv_image_add add = { .manifest_digest = p->manifest_digest };
  for (char **t = p->tags; t && *t; t++)
    {
      add.tag = *t;
      free (id);
      id = NULL;
      if (sv_store_add_image (l->s, &add, &id, err) < 0)
        return -1;
    }
  if (p->tags == NULL && sv_store_add_image (l->s, &add, &id, err) < 0)
    return -1;
  out->id = steal_pointer (&id);
  out->tags = p->tags ? sv_strv_dup (p->tags) : NULL;
  return 0;
}

static int
plan (struct load *l, struct sv_err **err)
{
  if (l->index_json)
    return plan_oci (l, err);
  if (l->manifest_json)
    return plan_docker (l, err);
  return sv_err_make (err, EINVAL,
                      "not a docker-archive or oci-archive: no manifest.json or index.json");
}

int
sv_archive_load (struct sv_store *s, int fd, struct sv_load_result **out, struct sv_err **err)
{
  __attribute__ ((cleanup (load_free))) struct load l = { .s = s };
  if (sv_store_lock (s, false, err) < 0 || read_archive (&l, fd, err) < 0 || plan (&l, err) < 0)
    return -1;
  for (size_t i = 0; i < l.n_plans; i++)
    if (check_image (&l, &l.plans[i], err) < 0)
      return -1;
  struct sv_load_result *r = xmalloc0 (sizeof *r);
  r->images = xmalloc0 (l.n_plans * sizeof *r->images);
  for (size_t i = 0; i < l.n_plans; i++, r->n_images++)
    if (record (&l, &l.plans[i], &r->images[i], err) < 0)
      {
        sv_load_result_free (r);
        return -1;
      }
  *out = r;
  return 0;
}

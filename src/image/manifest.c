#include "manifest.h"
#include "digest.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <string.h>

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a)[0]))

/* The documents a registry may hand us, and what they are. */
struct doc_type
{
  const char *media_type;
  enum sv_manifest_kind kind;
};

static const struct doc_type doc_types[] = {
  { SV_MT_OCI_MANIFEST, SV_MANIFEST_IMAGE },
  { SV_MT_DOCKER_MANIFEST, SV_MANIFEST_IMAGE },
  { SV_MT_OCI_INDEX, SV_MANIFEST_INDEX },
  { SV_MT_DOCKER_LIST, SV_MANIFEST_INDEX },
};

/* Layer blobs Servin can unpack. */
struct layer_type
{
  const char *media_type;
  enum sv_compression compression;
  bool foreign;
};

static const struct layer_type layer_types[] = {
  { "application/vnd.oci.image.layer.v1.tar", SV_COMPRESSION_NONE, false },
  { "application/vnd.oci.image.layer.v1.tar+gzip", SV_COMPRESSION_GZIP, false },
  { "application/vnd.oci.image.layer.v1.tar+zstd", SV_COMPRESSION_ZSTD, false },
  { "application/vnd.oci.image.layer.nondistributable.v1.tar", SV_COMPRESSION_NONE, true },
  { "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", SV_COMPRESSION_GZIP, true },
  { "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", SV_COMPRESSION_ZSTD, true },
  { "application/vnd.docker.image.rootfs.diff.tar", SV_COMPRESSION_NONE, false },
  { "application/vnd.docker.image.rootfs.diff.tar.gzip", SV_COMPRESSION_GZIP, false },
  { "application/vnd.docker.image.rootfs.diff.tar.zstd", SV_COMPRESSION_ZSTD, false },
  { "application/vnd.docker.image.rootfs.foreign.diff.tar", SV_COMPRESSION_NONE, true },
  { "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", SV_COMPRESSION_GZIP, true },
};

static const char *const config_types[] = { SV_MT_OCI_CONFIG, SV_MT_DOCKER_CONFIG };

/* Returns the kind of MEDIA_TYPE, -1 when it is not a manifest or index. */
static int
kind_of (const char *media_type)
{
  for (size_t i = 0; media_type && i < N_ELEMENTS (doc_types); i++)
    if (strcmp (media_type, doc_types[i].media_type) == 0)
      return (int)doc_types[i].kind;
  return -1;
}

bool
sv_media_type_is_manifest (const char *media_type)
{
  return kind_of (media_type) == SV_MANIFEST_IMAGE;
}

bool
sv_media_type_is_index (const char *media_type)
{
  return kind_of (media_type) == SV_MANIFEST_INDEX;
}

static bool
is_schema1 (const char *media_type)
{
  return media_type
         && (strcmp (media_type, SV_MT_DOCKER_SCHEMA1) == 0
             || strcmp (media_type, SV_MT_DOCKER_SCHEMA1_SIGNED) == 0);
}

static const struct layer_type *
find_layer_type (const char *media_type)
{
  for (size_t i = 0; i < N_ELEMENTS (layer_types); i++)
    if (strcmp (media_type, layer_types[i].media_type) == 0)
      return &layer_types[i];
  return NULL;
}

/* "PATH.KEY: required" when RET says the field was absent. */
static int
required (int ret, const char *path, const char *key, struct sv_err **err)
{
  if (ret == 0)
    return sv_err_make_plain (err, EINVAL, "%s%s%s: required", path, *path ? "." : "", key);
  return ret < 0 ? ret : 0;
}

static void
descriptor_clear (struct sv_descriptor *d)
{
  free (d->media_type);
  free (d->digest);
  sv_strv_free (d->urls);
  sv_strv_free (d->annotations);
  sv_platform_free (d->platform);
  memset (d, 0, sizeof *d);
}

static void
descriptors_free (struct sv_descriptor *v, size_t n)
{
  for (size_t i = 0; v && i < n; i++)
    descriptor_clear (&v[i]);
  free (v);
}

const char *
sv_descriptor_annotation (const struct sv_descriptor *d, const char *key)
{
  size_t len = strlen (key);
  for (char **a = d->annotations; a && *a; a++)
    if (strncmp (*a, key, len) == 0 && (*a)[len] == '=')
      return *a + len + 1;
  return NULL;
}

/* A descriptor's "platform" object, kept as written. */
static int
parse_platform (json_t *obj, const char *path, struct sv_platform **out, struct sv_err **err)
{
  json_t *pobj = NULL;
  int ret = sv_json_get_object (obj, path, "platform", &pobj, err);
  if (ret <= 0)
    return ret;
  _cleanup_free_ char *ppath = xasprintf ("%s.platform", path);
  _cleanup_platform_ struct sv_platform *p = xmalloc0 (sizeof *p);
  ret = required (sv_json_dup_string (pobj, ppath, "os", &p->os, err), ppath, "os", err);
  if (ret < 0)
    return ret;
  ret = sv_json_dup_string (pobj, ppath, "architecture", &p->arch, err);
  ret = required (ret, ppath, "architecture", err);
  if (ret < 0)
    return ret;
  ret = sv_json_dup_string (pobj, ppath, "variant", &p->variant, err);
  if (ret < 0)
    return ret;
  *out = steal_pointer (&p);
  return 1;
}

static int
parse_digest_size (json_t *obj, const char *path, struct sv_descriptor *d, struct sv_err **err)
{
  int ret = sv_json_dup_string (obj, path, "digest", &d->digest, err);
  ret = required (ret, path, "digest", err);
  if (ret < 0)
    return ret;
  if (sv_digest_validate (d->digest, err) < 0)
    return sv_err_wrap (err, "%s.digest", path);
  ret = sv_json_get_int64 (obj, path, "size", &d->size, err);
  ret = required (ret, path, "size", err);
  if (ret < 0)
    return ret;
  if (d->size < 0)
    return sv_err_make_plain (err, EINVAL, "%s.size: must not be negative", path);
  return 0;
}

/* Fill D from the descriptor object at PATH (e.g. "layers[2]"). */
static int
parse_descriptor (json_t *obj, const char *path, struct sv_descriptor *d, struct sv_err **err)
{
  if (!json_is_object (obj))
    return sv_err_make_plain (err, EINVAL, "%s: expected an object", path);
  int ret = sv_json_dup_string (obj, path, "mediaType", &d->media_type, err);
  ret = required (ret, path, "mediaType", err);
  if (ret < 0)
    return ret;
  ret = parse_digest_size (obj, path, d, err);
  if (ret < 0)
    return ret;
  ret = sv_json_get_strv (obj, path, "urls", &d->urls, err);
  if (ret < 0)
    return ret;
  ret = sv_json_get_kv_strv (obj, path, "annotations", &d->annotations, err);
  if (ret < 0)
    return ret;
  ret = parse_platform (obj, path, &d->platform, err);
  return ret < 0 ? ret : 0;
}

/* Parse the array KEY of ROOT into a new descriptor vector; *out and *n
 * are set even on failure so the caller's free sees what was parsed. */
static int
parse_descriptor_array (json_t *root, const char *key, struct sv_descriptor **out, size_t *n,
                        struct sv_err **err)
{
  json_t *arr = NULL;
  int ret = required (sv_json_get_array (root, "", key, &arr, err), "", key, err);
  if (ret < 0)
    return ret;
  *n = json_array_size (arr);
  *out = xmalloc0 ((*n + 1) * sizeof (struct sv_descriptor));
  for (size_t i = 0; i < *n; i++)
    {
      _cleanup_free_ char *path = xasprintf ("%s[%zu]", key, i);
      ret = parse_descriptor (json_array_get (arr, i), path, &(*out)[i], err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static int
check_layers (struct sv_manifest *m, struct sv_err **err)
{
  for (size_t i = 0; i < m->n_layers; i++)
    {
      struct sv_descriptor *l = &m->layers[i];
      const struct layer_type *t = find_layer_type (l->media_type);
      if (t == NULL)
        return sv_err_make (err, ENOTSUP,
                            "layers[%zu].mediaType: unsupported layer media type \"%s\"", i,
                            l->media_type);
      l->compression = t->compression;
      l->foreign = t->foreign;
    }
  return 0;
}

static int
parse_image_manifest (json_t *root, struct sv_manifest *m, struct sv_err **err)
{
  json_t *cobj = NULL;
  int ret = required (sv_json_get_object (root, "", "config", &cobj, err), "", "config", err);
  if (ret < 0)
    return ret;
  ret = parse_descriptor (cobj, "config", &m->config, err);
  if (ret < 0)
    return ret;
  bool image = false;
  for (size_t i = 0; i < N_ELEMENTS (config_types); i++)
    image = image || strcmp (m->config.media_type, config_types[i]) == 0;
  if (!image)
    return sv_err_make (err, ENOTSUP,
                        "config.mediaType: \"%s\" is not a container image config (an artifact?)",
                        m->config.media_type);
  ret = parse_descriptor_array (root, "layers", &m->layers, &m->n_layers, err);
  if (ret < 0)
    return ret;
  return check_layers (m, err);
}

/* "type/subtype; charset=..." -> "type/subtype". */
static char *
strip_params (const char *media_type)
{
  if (media_type == NULL)
    return NULL;
  size_t len = strcspn (media_type, "; \t");
  return xstrndup (media_type, len);
}

/* Sets *kind to what the document's fields suggest, -1 when they say nothing. */
static int
kind_by_shape (json_t *root, int *kind, struct sv_err **err)
{
  bool index = json_object_get (root, "manifests") != NULL;
  bool image = json_object_get (root, "layers") || json_object_get (root, "config");
  if (index && image)
    return sv_err_make_plain (err, EINVAL,
                              "document has both \"manifests\" and \"layers\"/\"config\"");
  *kind = index ? SV_MANIFEST_INDEX : image ? (int)SV_MANIFEST_IMAGE : -1;
  return 0;
}

static int
refuse_schema1 (json_t *root, const char *doc_mt, const char *hint, struct sv_err **err)
{
  int64_t version = 0;
  int ret = sv_json_get_int64 (root, "", "schemaVersion", &version, err);
  if (ret < 0)
    return ret;
  if (is_schema1 (doc_mt) || is_schema1 (hint) || (ret > 0 && version == 1)
      || json_object_get (root, "fsLayers"))
    return sv_err_make (err, ENOTSUP,
                        "schema1 manifests are not supported (push the image again with a "
                        "current client to convert it to schema2/OCI)");
  if (ret == 0 || version != 2)
    return sv_err_make_plain (err, EINVAL, "schemaVersion: expected 2");
  return 0;
}

static const char *
kind_name (int kind)
{
  return kind == SV_MANIFEST_INDEX ? "an index" : "an image manifest";
}

/* Decide manifest vs index from the document's mediaType, the caller's
 * hint and the fields, which must not contradict each other (containerd's
 * validateMediaType rule: the exact types may differ, the kinds may not). */
static int
decide_kind (json_t *root, const char *doc_mt, const char *hint, struct sv_err **err)
{
  int doc_kind = kind_of (doc_mt), hint_kind = kind_of (hint), shape = -1;
  if (doc_mt && doc_kind < 0)
    return sv_err_make (err, ENOTSUP, "mediaType: unsupported manifest media type \"%s\"", doc_mt);
  int ret = kind_by_shape (root, &shape, err);
  if (ret < 0)
    return ret;
  if (doc_kind >= 0 && hint_kind >= 0 && doc_kind != hint_kind)
    return sv_err_make_plain (err, EINVAL,
                              "media type %s names %s but the document's mediaType is %s", hint,
                              kind_name (hint_kind), doc_mt);
  int kind = doc_kind >= 0 ? doc_kind : hint_kind;
  if (kind >= 0 && shape >= 0 && shape != kind)
    return sv_err_make_plain (err, EINVAL, "%s%s names %s but the document has the fields of %s",
                              doc_kind >= 0 ? "mediaType " : "media type ",
                              doc_kind >= 0 ? doc_mt : hint, kind_name (kind), kind_name (shape));
  kind = kind >= 0 ? kind : shape;
  if (kind < 0)
    return sv_err_make_plain (err, EINVAL,
                              "cannot tell an image manifest from an index: no mediaType, "
                              "no \"manifests\" and no \"layers\"");
  return kind;
}

static int
parse_root (json_t *root, const char *hint, struct sv_manifest *m, struct sv_err **err)
{
  const char *doc_mt = NULL;
  int ret = sv_json_get_string (root, "", "mediaType", &doc_mt, err);
  if (ret < 0)
    return ret;
  ret = refuse_schema1 (root, doc_mt, hint, err);
  if (ret < 0)
    return ret;
  int kind = decide_kind (root, doc_mt, hint, err);
  if (kind < 0)
    return kind;
  m->kind = (enum sv_manifest_kind)kind;
  if (doc_mt)
    m->media_type = xstrdup (doc_mt);
  else if (kind_of (hint) >= 0)
    m->media_type = xstrdup (hint);
  else
    m->media_type = xstrdup (kind == SV_MANIFEST_INDEX ? SV_MT_OCI_INDEX : SV_MT_OCI_MANIFEST);
  ret = sv_json_get_kv_strv (root, "", "annotations", &m->annotations, err);
  if (ret < 0)
    return ret;
  if (kind == SV_MANIFEST_INDEX)
    return parse_descriptor_array (root, "manifests", &m->manifests, &m->n_manifests, err);
  return parse_image_manifest (root, m, err);
}

int
sv_manifest_parse (const char *buf, size_t len, const char *media_type_hint,
                   struct sv_manifest **out, struct sv_err **err)
{
  _cleanup_json_ json_t *root = NULL;
  int ret = sv_json_load_buffer (buf, len, "manifest", &root, err);
  if (ret < 0)
    return ret;
  _cleanup_free_ char *hint = strip_params (media_type_hint);
  _cleanup_manifest_ struct sv_manifest *m = xmalloc0 (sizeof *m);
  ret = parse_root (root, hint, m, err);
  if (ret < 0)
    return ret;
  *out = steal_pointer (&m);
  return 0;
}

void
sv_manifest_free (struct sv_manifest *m)
{
  if (m == NULL)
    return;
  free (m->media_type);
  sv_strv_free (m->annotations);
  descriptor_clear (&m->config);
  descriptors_free (m->layers, m->n_layers);
  descriptors_free (m->manifests, m->n_manifests);
  free (m);
}

/* Index entries that are not images of a platform: buildkit attaches
 * provenance/SBOM manifests with platform unknown/unknown. */
static bool
is_attestation (const struct sv_descriptor *d)
{
  const char *t = sv_descriptor_annotation (d, "vnd.docker.reference.type");
  return t && strcmp (t, "attestation-manifest") == 0;
}

static bool
selectable (const struct sv_descriptor *d)
{
  return (sv_media_type_is_manifest (d->media_type) || sv_media_type_is_index (d->media_type))
         && !is_attestation (d);
}

static char *
available_platforms (const struct sv_manifest *index)
{
  _cleanup_free_ char *list = NULL;
  for (size_t i = 0; i < index->n_manifests; i++)
    {
      const struct sv_descriptor *d = &index->manifests[i];
      if (!selectable (d) || d->platform == NULL)
        continue;
      _cleanup_free_ char *p = sv_platform_string (d->platform);
      char *next = xasprintf ("%s%s%s", list ? list : "", list ? ", " : "", p);
      free (list);
      list = next;
    }
  return list ? steal_pointer (&list) : xstrdup ("none");
}

int
sv_index_select (const struct sv_manifest *index, const struct sv_platform *wanted,
                 const struct sv_descriptor **out, struct sv_err **err)
{
  if (index->kind != SV_MANIFEST_INDEX)
    return sv_err_make_plain (err, EINVAL, "not an index: %s", index->media_type);
  const struct sv_descriptor *best = NULL, *fallback = NULL;
  int best_score = 0;
  for (size_t i = 0; i < index->n_manifests; i++)
    {
      const struct sv_descriptor *d = &index->manifests[i];
      if (!selectable (d))
        continue;
      if (d->platform == NULL)
        {
          fallback = fallback ? fallback : d;
          continue;
        }
      int score = sv_platform_match (wanted, d->platform);
      if (score > best_score)
        best = d, best_score = score;
    }
  if (best || fallback)
    {
      *out = best ? best : fallback;
      return 0;
    }
  _cleanup_free_ char *want = sv_platform_string (wanted);
  _cleanup_free_ char *have = available_platforms (index);
  return sv_err_make (err, ENOENT, "no image for platform %s in the index (available: %s)", want,
                      have);
}

/* The keys of the object KEY (ExposedPorts, Volumes: {"80/tcp": {}}). */
static int
get_keys (json_t *obj, const char *path, const char *key, char ***out, struct sv_err **err)
{
  json_t *o = NULL;
  int ret = sv_json_get_object (obj, path, key, &o, err);
  if (ret <= 0)
    return ret;
  _cleanup_strv_ char **v = xmalloc0 ((json_object_size (o) + 1) * sizeof (char *));
  size_t i = 0;
  const char *k;
  json_t *val;
  json_object_foreach (o, k, val)
  {
    (void)val;
    v[i++] = xstrdup (k);
  }
  *out = steal_pointer (&v);
  return 1;
}

/* Each getter below returns < 0 on a type error; absence is fine. */
static int
parse_container_config (json_t *root, struct sv_image_config *c, struct sv_err **err)
{
  json_t *o = NULL;
  int ret = sv_json_get_object (root, "", "config", &o, err);
  if (ret <= 0)
    return ret;
  if (sv_json_dup_string (o, "config", "User", &c->user, err) < 0
      || sv_json_get_strv (o, "config", "Env", &c->env, err) < 0
      || sv_json_get_strv (o, "config", "Entrypoint", &c->entrypoint, err) < 0
      || sv_json_get_strv (o, "config", "Cmd", &c->cmd, err) < 0
      || sv_json_dup_string (o, "config", "WorkingDir", &c->working_dir, err) < 0
      || get_keys (o, "config", "ExposedPorts", &c->exposed_ports, err) < 0
      || get_keys (o, "config", "Volumes", &c->volumes, err) < 0
      || sv_json_get_kv_strv (o, "config", "Labels", &c->labels, err) < 0
      || sv_json_dup_string (o, "config", "StopSignal", &c->stop_signal, err) < 0)
    return -EINVAL;
  return 0;
}

static int
parse_rootfs (json_t *root, struct sv_image_config *c, struct sv_err **err)
{
  json_t *o = NULL;
  const char *type = NULL;
  int ret = required (sv_json_get_object (root, "", "rootfs", &o, err), "", "rootfs", err);
  if (ret < 0)
    return ret;
  ret = required (sv_json_get_string (o, "rootfs", "type", &type, err), "rootfs", "type", err);
  if (ret < 0)
    return ret;
  if (strcmp (type, "layers") != 0)
    return sv_err_make (err, ENOTSUP, "rootfs.type: expected \"layers\", got \"%s\"", type);
  ret = sv_json_get_strv (o, "rootfs", "diff_ids", &c->diff_ids, err);
  ret = required (ret, "rootfs", "diff_ids", err);
  if (ret < 0)
    return ret;
  c->n_diff_ids = sv_strv_length (c->diff_ids);
  for (size_t i = 0; i < c->n_diff_ids; i++)
    if (sv_digest_validate (c->diff_ids[i], err) < 0)
      return sv_err_wrap (err, "rootfs.diff_ids[%zu]", i);
  return 0;
}

static int
parse_history_entry (json_t *o, const char *path, struct sv_history *h, struct sv_err **err)
{
  if (!json_is_object (o))
    return sv_err_make_plain (err, EINVAL, "%s: expected an object", path);
  if (sv_json_dup_string (o, path, "created", &h->created, err) < 0
      || sv_json_dup_string (o, path, "created_by", &h->created_by, err) < 0
      || sv_json_dup_string (o, path, "author", &h->author, err) < 0
      || sv_json_dup_string (o, path, "comment", &h->comment, err) < 0
      || sv_json_get_bool (o, path, "empty_layer", &h->empty_layer, err) < 0)
    return -EINVAL;
  return 0;
}

static int
parse_history (json_t *root, struct sv_image_config *c, struct sv_err **err)
{
  json_t *arr = NULL;
  int ret = sv_json_get_array (root, "", "history", &arr, err);
  if (ret <= 0)
    return ret;
  c->n_history = json_array_size (arr);
  c->history = xmalloc0 ((c->n_history + 1) * sizeof (struct sv_history));
  for (size_t i = 0; i < c->n_history; i++)
    {
      _cleanup_free_ char *path = xasprintf ("history[%zu]", i);
      ret = parse_history_entry (json_array_get (arr, i), path, &c->history[i], err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static int
parse_config_root (json_t *root, struct sv_image_config *c, struct sv_err **err)
{
  int ret = sv_json_dup_string (root, "", "architecture", &c->architecture, err);
  ret = required (ret, "", "architecture", err);
  if (ret < 0)
    return ret;
  ret = required (sv_json_dup_string (root, "", "os", &c->os, err), "", "os", err);
  if (ret < 0)
    return ret;
  if (sv_json_dup_string (root, "", "variant", &c->variant, err) < 0
      || sv_json_dup_string (root, "", "created", &c->created, err) < 0
      || sv_json_dup_string (root, "", "author", &c->author, err) < 0)
    return -EINVAL;
  ret = parse_container_config (root, c, err);
  if (ret < 0)
    return ret;
  ret = parse_rootfs (root, c, err);
  if (ret < 0)
    return ret;
  return parse_history (root, c, err);
}

int
sv_image_config_parse (const char *buf, size_t len, struct sv_image_config **out,
                       struct sv_err **err)
{
  _cleanup_json_ json_t *root = NULL;
  int ret = sv_json_load_buffer (buf, len, "image config", &root, err);
  if (ret < 0)
    return ret;
  _cleanup_image_config_ struct sv_image_config *c = xmalloc0 (sizeof *c);
  ret = parse_config_root (root, c, err);
  if (ret < 0)
    return sv_err_wrap (err, "image config");
  *out = steal_pointer (&c);
  return 0;
}

void
sv_image_config_free (struct sv_image_config *c)
{
  if (c == NULL)
    return;
  free (c->architecture);
  free (c->os);
  free (c->variant);
  free (c->created);
  free (c->author);
  free (c->user);
  sv_strv_free (c->env);
  sv_strv_free (c->entrypoint);
  sv_strv_free (c->cmd);
  free (c->working_dir);
  sv_strv_free (c->exposed_ports);
  sv_strv_free (c->volumes);
  sv_strv_free (c->labels);
  free (c->stop_signal);
  sv_strv_free (c->diff_ids);
  for (size_t i = 0; c->history && i < c->n_history; i++)
    {
      free (c->history[i].created);
      free (c->history[i].created_by);
      free (c->history[i].author);
      free (c->history[i].comment);
    }
  free (c->history);
  free (c);
}

int
sv_manifest_check_config (const struct sv_manifest *manifest, const struct sv_image_config *config,
                          struct sv_err **err)
{
  if (manifest->kind != SV_MANIFEST_IMAGE)
    return sv_err_make_plain (err, EINVAL, "not an image manifest: %s", manifest->media_type);
  if (config->n_diff_ids != manifest->n_layers)
    return sv_err_make_plain (
        err, EINVAL, "image config has %zu rootfs.diff_ids but the manifest has %zu layers",
        config->n_diff_ids, manifest->n_layers);
  return 0;
}

/* `commit`: a container's changes as a new image.  The layer is the
 * overlay upper directory as an uncompressed tar (its sha256 is both the
 * blob digest and the diff_id), with the overlay whiteouts turned back
 * into OCI ones; the config is the image's plus the layer, a history entry
 * and the container's configuration, then the --change instructions. */
#include "engine/ctr-ops.h"
#include "image/archive-internal.h"
#include "image/archive.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CONFIG (16 * 1024 * 1024)

/* ---- the layer ---- */

/* The changes of C: its upper directory, or nothing for a container that
 * never ran.  A copy-mode container keeps no record of its changes. */
static int
open_upper (struct sv_engine *e, struct sv_ctr *c, struct sv_err **err)
{
  _cleanup_free_ char *dir = sv_engine_ctr_dir (e, c->id);
  _cleanup_free_ char *upper = xasprintf ("%s/upper", dir);
  _cleanup_free_ char *copy = xasprintf ("%s/copy", dir);
  int fd = open (upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0 || errno != ENOENT)
    return fd >= 0 ? fd : sv_err_errno (err, "open `%s`", upper);
  if (access (copy, F_OK) == 0)
    return sv_err_make_plain (err, ENOTSUP,
                              "commit needs overlay storage: container %s uses a copy of its image",
                              c->name);
  return -ENOENT;
}

/* The tar of C's changes goes through an unnamed file next to the data
 * root's content, then into the store. */
static int
write_layer (struct sv_engine *e, struct sv_ctr *c, char **digest, int64_t *size,
             struct sv_err **err)
{
  _cleanup_close_ int ufd = open_upper (e, c, err);
  if (ufd < 0 && ufd != -ENOENT)
    return -1;
  _cleanup_close_ int tmp = open (e->paths.data_root, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (tmp < 0)
    return sv_err_errno (err, "create a temporary file in `%s`", e->paths.data_root);
  _cleanup_archive_write_ struct archive *a = NULL;
  struct sv_tar_opts to = { .whiteouts = true, .uid = -1, .gid = -1 };
  if (sv_tar_writer_fd (tmp, &a, err) < 0
      || (ufd >= 0 && sv_tar_add_tree (a, ufd, ".", "", false, &to, err) < 0))
    return sv_err_wrap (err, "read the changes of container %s", c->name);
  if (archive_write_close (a) != ARCHIVE_OK)
    return sv_archive_err (a, err, "write the layer");
  struct stat st;
  if (fstat (tmp, &st) < 0 || lseek (tmp, 0, SEEK_SET) < 0)
    return sv_err_errno (err, "rewind the layer");
  if (sv_store_put_blob_fd (e->store, tmp, NULL, st.st_size, digest, err) < 0)
    return -1;
  *size = st.st_size;
  return 0;
}

/* The layer of C's changes, read while C is frozen when PAUSE. */
static int
changes_layer (struct sv_engine *e, struct sv_ctr *c, bool pause, char **digest, int64_t *size,
               struct sv_err **err)
{
  struct sv_runtime *rt = NULL;
  bool froze = pause && sv_engine_refresh (e, c) && strcmp (c->state, "running") == 0;
  if (froze
      && (sv_engine_runtime (e, &rt, err) < 0 || sv_container_pause (rt, c->id, true, err) < 0))
    return sv_err_wrap (err, "pause container %s", c->name);
  int r = write_layer (e, c, digest, size, err);
  if (froze)
    (void)sv_container_pause (rt, c->id, false, NULL);
  if (r == 0)
    r = sv_store_unpack_layer (e->store, *digest, *digest, err);
  return r;
}

/* ---- the config ---- */

static void
env_set (json_t *env, const char *entry)
{
  size_t klen = strcspn (entry, "="), i;
  json_t *v;
  json_array_foreach (env, i, v)
  {
    const char *s = json_string_value (v);
    if (s && strncmp (s, entry, klen) == 0 && (s[klen] == '=' || s[klen] == '\0'))
      {
        json_array_set_new (env, i, json_string (entry));
        return;
      }
  }
  json_array_append_new (env, json_string (entry));
}

static json_t *
member (json_t *o, const char *key, json_t *(*make) (void))
{
  json_t *v = json_object_get (o, key);
  if (v == NULL || json_is_null (v))
    {
      v = make ();
      json_object_set_new (o, key, v);
    }
  return v;
}

/* The container's configuration over the image's, as its processes saw
 * it: what the user set wins, Env and Labels merge by name. */
static void
merge_config (json_t *cfg, json_t *cc)
{
  static const char *const replaced[] = { "Cmd", "Entrypoint", "WorkingDir", "User", "StopSignal" };
  for (size_t i = 0; i < sizeof replaced / sizeof replaced[0]; i++)
    {
      json_t *v = json_object_get (cc, replaced[i]);
      if (v && !json_is_null (v) && !(json_is_string (v) && *json_string_value (v) == '\0'))
        json_object_set (cfg, replaced[i], v);
    }
  /* --entrypoint without a command drops the image's Cmd, as docker run does. */
  if (json_object_get (cc, "Entrypoint") && json_object_get (cc, "Cmd") == NULL)
    json_object_del (cfg, "Cmd");
  size_t i;
  json_t *v;
  json_array_foreach (json_object_get (cc, "Env"), i, v)
  {
    if (json_is_string (v))
      env_set (member (cfg, "Env", json_array), json_string_value (v));
  }
  static const char *const merged[] = { "Labels", "ExposedPorts", "Volumes" };
  for (size_t k = 0; k < sizeof merged / sizeof merged[0]; k++)
    if (json_object_size (json_object_get (cc, merged[k])) > 0)
      json_object_update (member (cfg, merged[k], json_object), json_object_get (cc, merged[k]));
}

/* The command the container ran, for the history: Entrypoint + Cmd. */
static char *
created_by (json_t *cfg)
{
  char *s = xstrdup ("");
  const char *keys[] = { "Entrypoint", "Cmd" };
  for (size_t k = 0; k < 2; k++)
    {
      size_t i;
      json_t *v;
      json_array_foreach (json_object_get (cfg, keys[k]), i, v)
      {
        char *t = xasprintf ("%s%s%s", s, *s ? " " : "", json_string_value (v) ?: "");
        free (s);
        s = t;
      }
    }
  return s;
}

static int
apply_changes (json_t *cfg, char *const *changes, struct sv_err **err)
{
  for (char *const *ch = changes; ch && *ch; ch++)
    if (sv_import_apply_change (cfg, *ch, err) < 0)
      return sv_err_wrap (err, "--change `%s`", *ch);
  return 0;
}

/* Record the new layer DIFF_ID and its history entry in CONFIG. */
static void
add_layer (json_t *config, const char *diff_id, const char *created, const char *by,
           const struct sv_commit_opts *o)
{
  json_t *rootfs = member (config, "rootfs", json_object);
  json_object_set_new (rootfs, "type", json_string ("layers"));
  json_t *ids = member (rootfs, "diff_ids", json_array);
  json_t *history = json_object_get (config, "history");
  /* A history that does not describe the layers below is left alone. */
  if (history == NULL && json_array_size (ids) == 0)
    history = member (config, "history", json_array);
  json_array_append_new (ids, json_string (diff_id));
  if (!json_is_array (history))
    return;
  json_t *h = json_pack ("{s:s, s:s}", "created", created, "created_by", by);
  if (o->author)
    json_object_set_new (h, "author", json_string (o->author));
  if (o->message)
    json_object_set_new (h, "comment", json_string (o->message));
  json_array_append_new (history, h);
}

static int
new_config (struct sv_engine *e, struct sv_ctr *c, const struct sv_image *img, const char *diff_id,
            const struct sv_commit_opts *o, json_t **out, struct sv_err **err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len;
  _cleanup_json_ json_t *config = NULL;
  if (sv_store_read_blob (e->store, img->id, MAX_CONFIG, &buf, &len, err) < 0
      || sv_json_load_buffer (buf, len, "the image config", &config, err) < 0)
    return -1;
  json_t *cfg = member (config, "config", json_object);
  merge_config (cfg, json_object_get (c->config, "Config"));
  _cleanup_free_ char *by = created_by (cfg);
  if (apply_changes (cfg, o->changes, err) < 0)
    return -1;
  _cleanup_free_ char *now = sv_engine_now ();
  json_object_set_new (config, "created", json_string (now));
  if (o->author)
    json_object_set_new (config, "author", json_string (o->author));
  add_layer (config, diff_id, now, by, o);
  *out = steal_pointer (&config);
  return 0;
}

/* ---- the manifest ---- */

/* Docker's layer media types under their OCI names (the manifest is OCI). */
static const char *
oci_layer_type (const char *mt)
{
  static const char *const map[][2] = {
    { "application/vnd.docker.image.rootfs.diff.tar.gzip", SV_MT_OCI_LAYER_GZIP },
    { "application/vnd.docker.image.rootfs.diff.tar.zstd", SV_MT_OCI_LAYER_ZSTD },
    { "application/vnd.docker.image.rootfs.diff.tar", SV_MT_OCI_LAYER },
  };
  for (size_t i = 0; mt && i < sizeof map / sizeof map[0]; i++)
    if (strcmp (mt, map[i][0]) == 0)
      return map[i][1];
  return mt ? mt : SV_MT_OCI_LAYER;
}

static int
put_manifest (struct sv_engine *e, const struct sv_image *img, json_t *config, const char *layer,
              int64_t layer_size, char **digest, struct sv_err **err)
{
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  if (sv_store_image_docs (e->store, img, &m, NULL, err) < 0)
    return -1;
  _cleanup_free_ char *text = json_dumps (config, JSON_COMPACT);
  _cleanup_free_ char *config_digest = NULL;
  if (text == NULL)
    return sv_err_make (err, ENOMEM, "cannot serialise the image config");
  if (sv_store_put_blob (e->store, text, strlen (text), NULL, &config_digest, err) < 0)
    return -1;
  _cleanup_free_ struct sv_layer_desc *layers = xmalloc ((m->n_layers + 1) * sizeof *layers);
  for (size_t i = 0; i < m->n_layers; i++)
    layers[i] = (struct sv_layer_desc){ oci_layer_type (m->layers[i].media_type),
                                        m->layers[i].digest, m->layers[i].size };
  layers[m->n_layers] = (struct sv_layer_desc){ SV_MT_OCI_LAYER, layer, layer_size };
  return sv_archive_put_manifest (e->store, config_digest, (int64_t)strlen (text), layers,
                                  m->n_layers + 1, digest, err);
}

int
sv_engine_commit (struct sv_engine *e, struct sv_ctr *c, const struct sv_commit_opts *o, char **id,
                  struct sv_err **err)
{
  struct sv_image *img = NULL;
  if (sv_store_lock (e->store, false, err) < 0
      || sv_store_lookup_image (e->store, c->image_id, &img, err) < 0)
    return -1;
  _cleanup_free_ char *layer = NULL;
  _cleanup_free_ char *manifest = NULL;
  _cleanup_json_ json_t *config = NULL;
  int64_t size = 0;
  int r = changes_layer (e, c, o->pause, &layer, &size, err);
  if (r == 0)
    r = new_config (e, c, img, layer, o, &config, err);
  if (r == 0)
    r = put_manifest (e, img, config, layer, size, &manifest, err);
  sv_image_free (img);
  if (r < 0)
    return -1;
  struct sv_image_add add = { .manifest_digest = manifest, .tag = o->tag };
  return sv_store_add_image (e->store, &add, id, err);
}

#include "engine/bundle.h"
#include "engine/user.h"
#include "image/layer.h"
#include "runtime/default-spec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int
apply_layers (struct sv_store *s, const struct sv_manifest *m, const struct sv_image_config *c,
              int rootfd, struct sv_err **err)
{
  for (size_t i = 0; i < m->n_layers; i++)
    {
      _cleanup_close_ int blob = sv_store_open_blob (s, m->layers[i].digest, err);
      if (blob < 0)
        return -1;
      char diff_id[SV_LAYER_DIFF_ID_LEN];
      struct sv_layer_opts o = {
        .mode = SV_LAYER_MODE_COPY,
        .allow_devices = true,
        .diff_id_out = diff_id,
      };
      if (sv_layer_unpack (blob, rootfd, &o, NULL, err) < 0)
        return sv_err_wrap (err, "layer %s", m->layers[i].digest);
      if (i < c->n_diff_ids && strcmp (diff_id, c->diff_ids[i]) != 0)
        return sv_err_make (err, EBADMSG, "layer %s: uncompressed digest %s, expected %s",
                            m->layers[i].digest, diff_id, c->diff_ids[i]);
    }
  return 0;
}

/* process.args: entrypoint then cmd, as docker joins them. */
static int
set_process (json_t *spec, const struct sv_image_config *c, int rootfd, struct sv_err **err)
{
  json_t *args = sv_json_strv ((const char *const *)c->entrypoint);
  _cleanup_json_ json_t *cmd = sv_json_strv ((const char *const *)c->cmd);
  json_array_extend (args, cmd);
  if (json_array_size (args) == 0)
    {
      json_decref (args);
      return sv_err_make_plain (err, EINVAL, "the image has no command (no Entrypoint or Cmd)");
    }
  uid_t uid;
  gid_t gid;
  if (sv_resolve_user (rootfd, c->user, &uid, &gid, err) < 0)
    {
      json_decref (args);
      return -1;
    }
  _cleanup_strv_ char **env = sv_strv_dup (c->env);
  if (sv_strv_env_get (env, "PATH") == NULL)
    sv_strv_env_set (&env, DEFAULT_PATH);
  json_t *p = json_object_get (spec, "process");
  json_object_set_new (p, "args", args);
  json_object_set_new (p, "env", sv_json_strv ((const char *const *)env));
  json_object_set_new (p, "cwd",
                       json_string (c->working_dir && *c->working_dir ? c->working_dir : "/"));
  json_object_set_new (p, "terminal", json_false ());
  json_object_set_new (p, "user",
                       json_pack ("{s:I, s:I}", "uid", (json_int_t)uid, "gid", (json_int_t)gid));
  json_object_set_new (json_object_get (spec, "root"), "readonly", json_false ());
  return 0;
}

static int
write_bundle (struct sv_store *s, const struct sv_image *img, int dirfd, struct sv_err **err)
{
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  _cleanup_image_config_ struct sv_image_config *c = NULL;
  if (sv_store_image_docs (s, img, &m, &c, err) < 0)
    return -1;
  if (mkdirat (dirfd, "rootfs", 0755) < 0)
    return sv_err_errno (err, "create rootfs");
  _cleanup_close_ int rootfd = openat (dirfd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return sv_err_errno (err, "open rootfs");
  _cleanup_json_ json_t *spec = sv_default_spec (false);
  if (apply_layers (s, m, c, rootfd, err) < 0 || set_process (spec, c, rootfd, err) < 0)
    return -1;
  _cleanup_free_ char *text = json_dumps (spec, JSON_INDENT (2));
  return sv_write_file_atomic_at (dirfd, "config.json", text, strlen (text), 0644, err);
}

int
sv_image_bundle (struct sv_store *s, const struct sv_image *img, const char *dir,
                 struct sv_err **err)
{
  if (sv_mkdir_p_at (AT_FDCWD, dir, 0755, err) < 0)
    return -1;
  _cleanup_close_ int dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return sv_err_errno (err, "open `%s`", dir);
  if (faccessat (dirfd, "rootfs", F_OK, AT_SYMLINK_NOFOLLOW) == 0
      || faccessat (dirfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return sv_err_make_plain (err, EEXIST, "`%s` already holds a bundle", dir);
  if (write_bundle (s, img, dirfd, err) < 0)
    {
      sv_rm_rf_at (dirfd, "rootfs", NULL);
      unlinkat (dirfd, "config.json", 0);
      return sv_err_wrap (err, "bundle `%s`", dir);
    }
  return 0;
}

/* servin push: blobs the registry lacks, then the manifest. */
#include "image/push.h"
#include "image/credentials.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "image/registry.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MANIFEST_MAX_BYTES (4 * 1024 * 1024)

void
sv_push_result_clear (struct sv_push_result *r)
{
  free (r->digest);
  memset (r, 0, sizeof *r);
}

static void
emit (const struct sv_push_opts *o, enum sv_push_event_kind kind, const char *digest, int64_t size)
{
  if (o->progress == NULL)
    return;
  struct sv_push_event ev = { .kind = kind, .digest = digest, .size = size };
  o->progress (o->progress_data, &ev);
}

static int
open_registry (const struct sv_ref *dest, const struct sv_push_opts *o, struct sv_registry **out,
               struct sv_err **err)
{
  _cleanup_free_ char *user = NULL, *pass = NULL;
  const char *u = o->username, *pw = o->password;
  if (u == NULL && pw == NULL)
    {
      if (sv_credentials_get (dest->domain, &user, &pass, err) < 0)
        return -1;
      u = user, pw = pass;
    }
  _cleanup_free_ char *scope = xasprintf ("repository:%s:pull,push", dest->path);
  struct sv_registry_opts ro = {
    .host = sv_ref_registry_host (dest),
    .plain_http = o->plain_http,
    .tls_skip_verify = o->tls_skip_verify,
    .username = u,
    .password = pw,
    .scope = scope,
  };
  return sv_registry_new (&ro, out, err);
}

/* Upload the stored blob D unless the registry has it. */
static int
push_blob (struct sv_store *s, struct sv_registry *reg, const char *repo,
           const struct sv_descriptor *d, const struct sv_push_opts *o, struct sv_err **err)
{
  emit (o, SV_PUSH_PREPARING, d->digest, d->size);
  int has = sv_registry_has_blob (reg, repo, d->digest, err);
  if (has < 0)
    return -1;
  if (has)
    {
      emit (o, SV_PUSH_EXISTS, d->digest, d->size);
      return 0;
    }
  _cleanup_close_ int fd = sv_store_open_blob (s, d->digest, err);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat (fd, &st) < 0)
    return sv_err_errno (err, "stat blob %s", d->digest);
  if (st.st_size != d->size)
    return sv_err_make (err, EBADMSG, "stored blob %s has %lld bytes, the manifest says %lld",
                        d->digest, (long long)st.st_size, (long long)d->size);
  emit (o, SV_PUSH_PUSHING, d->digest, d->size);
  if (sv_registry_put_blob (reg, repo, d->digest, fd, st.st_size, err) < 0)
    return -1;
  emit (o, SV_PUSH_PUSHED, d->digest, d->size);
  return 0;
}

static int
push_blobs (struct sv_store *s, struct sv_registry *reg, const char *repo,
            const struct sv_manifest *m, const struct sv_push_opts *o, struct sv_err **err)
{
  for (size_t i = 0; i < m->n_layers; i++)
    if (push_blob (s, reg, repo, &m->layers[i], o, err) < 0)
      return sv_err_wrap (err, "layer %s", m->layers[i].digest);
  if (push_blob (s, reg, repo, &m->config, o, err) < 0)
    return sv_err_wrap (err, "config %s", m->config.digest);
  return 0;
}

int
sv_push (struct sv_store *s, const struct sv_image *img, const struct sv_ref *dest,
         const struct sv_push_opts *o, struct sv_push_result *out, struct sv_err **err)
{
  static const struct sv_push_opts defaults = { 0 };
  o = o ? o : &defaults;
  const char *reference = dest->digest ? dest->digest : dest->tag;
  if (reference == NULL)
    return sv_err_make (err, EINVAL, "push: the destination names no tag or digest");
  _cleanup_free_ char *body = NULL;
  size_t len = 0;
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  if (sv_store_lock (s, false, err) < 0
      || sv_store_read_blob (s, img->manifest_digest, MANIFEST_MAX_BYTES, &body, &len, err) < 0
      || sv_manifest_parse (body, len, img->manifest_media_type, &m, err) < 0)
    return -1;
  if (m->kind != SV_MANIFEST_IMAGE)
    return sv_err_make (err, EINVAL, "manifest %s is not an image manifest", img->manifest_digest);
  _cleanup_registry_ struct sv_registry *reg = NULL;
  if (open_registry (dest, o, &reg, err) < 0 || push_blobs (s, reg, dest->path, m, o, err) < 0)
    return -1;
  _cleanup_free_ char *digest = NULL;
  if (sv_registry_put_manifest (reg, dest->path, reference, body, len, m->media_type, &digest, err)
      < 0)
    return -1;
  if (dest->digest && sv_digest_verify (dest->digest, digest, err) < 0)
    return -1;
  if (out)
    {
      out->digest = steal_pointer (&digest);
      out->size = (int64_t)len;
    }
  return 0;
}

/* servin pull: resolve, verify, download layers in parallel, record. */
#include "image/pull.h"
#include "image/credentials.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "image/registry.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_BYTES (16 * 1024 * 1024)
#define DEFAULT_PARALLEL 3

struct layer_job
{
  const struct sv_descriptor *desc;
  const char *diff_id;
  bool needed; /* not unpacked yet */
  struct sv_err *err;
};

struct pull
{
  struct sv_store *s;
  struct sv_registry *reg;
  const struct sv_ref *ref;
  const struct sv_pull_opts *o;
  struct sv_platform *wanted;
  pthread_mutex_t lock; /* progress callbacks, the job queue */
  /* What the reference named: a manifest or an index. */
  char *resolved;
  struct sv_registry_manifest top;
  struct sv_manifest *top_parsed;
  /* The image manifest (top itself, or the entry picked from the index). */
  struct sv_registry_manifest man;
  char *man_digest;
  struct sv_manifest *manifest;
  char *config_buf;
  size_t config_len;
  struct sv_image_config *config;
  /* Layers. */
  struct layer_job *jobs;
  size_t next_job;
  bool failed;
  bool downloaded;
};

void
sv_pull_result_clear (struct sv_pull_result *r)
{
  free (r->id);
  free (r->digest);
  memset (r, 0, sizeof *r);
}

static void
pull_clear (struct pull *p)
{
  sv_registry_free (p->reg);
  sv_platform_free (p->wanted);
  pthread_mutex_destroy (&p->lock);
  free (p->resolved);
  sv_registry_manifest_clear (&p->top);
  sv_manifest_free (p->top_parsed);
  if (p->jobs)
    for (size_t i = 0; i < p->manifest->n_layers; i++)
      sv_err_free (&p->jobs[i].err);
  free (p->jobs);
  sv_registry_manifest_clear (&p->man);
  free (p->man_digest);
  sv_manifest_free (p->manifest);
  free (p->config_buf);
  sv_image_config_free (p->config);
}

static void
emit (struct pull *p, enum sv_pull_event_kind kind, size_t layer, const char *digest, int64_t done,
      int64_t total)
{
  if (p->o->progress == NULL)
    return;
  struct sv_pull_event ev = {
    .kind = kind,
    .layer = layer,
    .n_layers = p->manifest ? p->manifest->n_layers : 0,
    .digest = digest,
    .done = done,
    .total = total,
  };
  pthread_mutex_lock (&p->lock);
  p->o->progress (p->o->progress_data, &ev);
  pthread_mutex_unlock (&p->lock);
}

/* ---- client ---- */

static int
open_registry (struct pull *p, struct sv_err **err)
{
  const char *host = sv_ref_registry_host (p->ref);
  _cleanup_free_ char *user = NULL, *pass = NULL;
  const char *u = p->o->username, *pw = p->o->password;
  if (u == NULL && pw == NULL)
    {
      /* Docker Hub's credentials are filed under the domain docker.io. */
      if (sv_credentials_get (p->ref->domain, &user, &pass, err) < 0)
        return -1;
      u = user, pw = pass;
    }
  _cleanup_free_ char *scope = xasprintf ("repository:%s:pull", p->ref->path);
  struct sv_registry_opts ro = {
    .host = host,
    .plain_http = p->o->plain_http,
    .tls_skip_verify = p->o->tls_skip_verify,
    .username = u,
    .password = pw,
    .scope = scope,
  };
  return sv_registry_new (&ro, &p->reg, err);
}

/* ---- manifests ---- */

/* Check that BODY hashes to EXPECTED (in EXPECTED's algorithm). */
static int
verify_body (const char *body, size_t len, const char *expected, struct sv_err **err)
{
  int algo = sv_digest_parse (expected, NULL, err);
  if (algo < 0)
    return -1;
  _cleanup_free_ char *actual = NULL;
  if (sv_digest_buffer ((enum sv_digest_algo)algo, body, len, &actual, err) < 0)
    return -1;
  return sv_digest_verify (expected, actual, err);
}

/* Fetch what the reference names and settle its digest. */
static int
fetch_top (struct pull *p, struct sv_err **err)
{
  const char *ref = p->ref->digest ? p->ref->digest : p->ref->tag;
  if (sv_registry_get_manifest (p->reg, p->ref->path, ref, &p->top, err) < 0)
    return -1;
  if (p->ref->digest)
    {
      if (verify_body (p->top.body, p->top.len, p->ref->digest, err) < 0)
        return sv_err_wrap (err, "manifest %s", p->ref->digest);
      p->resolved = xstrdup (p->ref->digest);
    }
  else
    {
      if (sv_digest_buffer (SV_DIGEST_SHA256, p->top.body, p->top.len, &p->resolved, err) < 0)
        return -1;
      const char *hd = p->top.header_digest;
      if (hd && strncmp (hd, "sha256:", 7) == 0 && sv_digest_verify (hd, p->resolved, err) < 0)
        return sv_err_wrap (err, "manifest %s (Docker-Content-Digest)", p->ref->tag);
    }
  if (sv_manifest_parse (p->top.body, p->top.len, p->top.content_type, &p->top_parsed, err) < 0)
    return sv_err_wrap (err, "manifest %s", p->resolved);
  return 0;
}

/* Fetch the manifest DESC names (an index entry) and check it. */
static int
fetch_child (struct pull *p, const struct sv_descriptor *desc, struct sv_err **err)
{
  if (sv_registry_get_manifest (p->reg, p->ref->path, desc->digest, &p->man, err) < 0)
    return -1;
  if (verify_body (p->man.body, p->man.len, desc->digest, err) < 0)
    return sv_err_wrap (err, "manifest %s", desc->digest);
  if ((int64_t)p->man.len != desc->size)
    return sv_err_make (err, EBADMSG, "manifest %s: %zu bytes, the index says %lld", desc->digest,
                        p->man.len, (long long)desc->size);
  const char *hint = desc->media_type ? desc->media_type : p->man.content_type;
  if (sv_manifest_parse (p->man.body, p->man.len, hint, &p->manifest, err) < 0)
    return sv_err_wrap (err, "manifest %s", desc->digest);
  if (p->manifest->kind != SV_MANIFEST_IMAGE)
    return sv_err_make (err, ENOTSUP, "manifest %s: nested indexes are not supported",
                        desc->digest);
  p->man_digest = xstrdup (desc->digest);
  return 0;
}

static int
resolve (struct pull *p, struct sv_err **err)
{
  if (fetch_top (p, err) < 0)
    return -1;
  emit (p, SV_PULL_RESOLVED, 0, p->resolved, 0, 0);
  if (p->top_parsed->kind == SV_MANIFEST_IMAGE)
    {
      p->man = p->top;
      memset (&p->top, 0, sizeof p->top);
      p->manifest = steal_pointer (&p->top_parsed);
      p->man_digest = xstrdup (p->resolved);
      return 0;
    }
  const struct sv_descriptor *d = NULL;
  if (sv_index_select (p->top_parsed, p->wanted, &d, err) < 0)
    return -1;
  return fetch_child (p, d, err);
}

/* ---- config ---- */

static int
check_platform (struct pull *p, struct sv_err **err)
{
  /* A lone manifest is taken whatever it says, as docker does, unless a
   * platform was asked for; what an index offered must fit. */
  if (p->top_parsed == NULL && p->o->platform == NULL)
    return 0;
  if (p->config->os == NULL || p->config->architecture == NULL)
    return sv_err_make (err, EINVAL, "image config has no os or architecture");
  _cleanup_platform_ struct sv_platform *have
      = sv_platform_new (p->config->os, p->config->architecture, p->config->variant);
  if (sv_platform_match (p->wanted, have) > 0)
    return 0;
  _cleanup_free_ char *w = sv_platform_string (p->wanted);
  _cleanup_free_ char *h = sv_platform_string (have);
  return sv_err_make_plain (err, ENOENT, "image is for platform %s, not %s", h, w);
}

static int
fetch_config (struct pull *p, struct sv_err **err)
{
  const struct sv_descriptor *d = &p->manifest->config;
  if (sv_store_has_blob (p->s, d->digest, NULL))
    {
      if (sv_store_read_blob (p->s, d->digest, CONFIG_MAX_BYTES, &p->config_buf, &p->config_len,
                              err)
          < 0)
        return -1;
    }
  else
    {
      if (sv_registry_get_blob_buffer (p->reg, p->ref->path, d->digest, CONFIG_MAX_BYTES,
                                       &p->config_buf, &p->config_len, err)
          < 0)
        return sv_err_wrap (err, "config");
      if (verify_body (p->config_buf, p->config_len, d->digest, err) < 0)
        return sv_err_wrap (err, "config %s", d->digest);
      if ((int64_t)p->config_len != d->size)
        return sv_err_make (err, EBADMSG, "config %s: %zu bytes, the manifest says %lld", d->digest,
                            p->config_len, (long long)d->size);
    }
  if (sv_image_config_parse (p->config_buf, p->config_len, &p->config, err) < 0
      || sv_manifest_check_config (p->manifest, p->config, err) < 0)
    return sv_err_wrap (err, "config %s", d->digest);
  return check_platform (p, err);
}

/* ---- layers ---- */

struct download
{
  struct pull *p;
  size_t index;
  struct sv_blob_writer *w;
};

static int
download_write (void *data, const void *buf, size_t len, struct sv_err **err)
{
  struct download *d = data;
  return sv_blob_writer_write (d->w, buf, len, err);
}

static int
download_reset (void *data, struct sv_err **err)
{
  struct download *d = data;
  return sv_blob_writer_reset (d->w, err);
}

static void
download_progress (void *data, int64_t done, int64_t total)
{
  struct download *d = data;
  const struct sv_descriptor *desc = d->p->jobs[d->index].desc;
  emit (d->p, SV_PULL_LAYER_DOWNLOADING, d->index, desc->digest, done,
        total > 0 ? total : desc->size);
}

static int
download_layer (struct pull *p, size_t i, struct sv_err **err)
{
  const struct sv_descriptor *desc = p->jobs[i].desc;
  struct download d = { .p = p, .index = i };
  if (sv_blob_writer_new (p->s, desc->digest, desc->size, &d.w, err) < 0)
    return -1;
  struct sv_registry_sink sink = {
    .write = download_write,
    .reset = download_reset,
    .progress = download_progress,
    .data = &d,
  };
  int ret = sv_registry_get_blob (p->reg, p->ref->path, desc->digest, &sink, err);
  if (ret == 0)
    ret = sv_blob_writer_commit (d.w, NULL, err);
  sv_blob_writer_free (d.w);
  return ret;
}

static int
fetch_layer (struct pull *p, size_t i, struct sv_err **err)
{
  struct layer_job *job = &p->jobs[i];
  if (!sv_store_has_blob (p->s, job->desc->digest, NULL))
    {
      emit (p, SV_PULL_LAYER_DOWNLOADING, i, job->desc->digest, 0, job->desc->size);
      if (download_layer (p, i, err) < 0)
        return -1;
      pthread_mutex_lock (&p->lock);
      p->downloaded = true;
      pthread_mutex_unlock (&p->lock);
    }
  emit (p, SV_PULL_LAYER_EXTRACTING, i, job->desc->digest, 0, 0);
  if (sv_store_unpack_layer (p->s, job->desc->digest, job->diff_id, err) < 0)
    return -1;
  emit (p, SV_PULL_LAYER_DONE, i, job->desc->digest, 0, 0);
  return 0;
}

/* The next needed layer, or -1 when there is none or a layer failed. */
static ssize_t
take_job (struct pull *p)
{
  ssize_t got = -1;
  pthread_mutex_lock (&p->lock);
  while (!p->failed && p->next_job < p->manifest->n_layers && got < 0)
    {
      size_t i = p->next_job++;
      if (p->jobs[i].needed)
        got = (ssize_t)i;
    }
  pthread_mutex_unlock (&p->lock);
  return got;
}

static void *
layer_worker (void *arg)
{
  struct pull *p = arg;
  ssize_t i;
  while ((i = take_job (p)) >= 0)
    {
      struct sv_err *e = NULL;
      if (fetch_layer (p, (size_t)i, &e) < 0)
        {
          sv_err_wrap (&e, "layer %s", p->jobs[i].desc->digest);
          pthread_mutex_lock (&p->lock);
          p->jobs[i].err = e;
          p->failed = true;
          pthread_mutex_unlock (&p->lock);
        }
    }
  return NULL;
}

/* Mark what is already unpacked; returns how many layers are needed. */
static size_t
plan_layers (struct pull *p)
{
  size_t n = p->manifest->n_layers, needed = 0;
  p->jobs = xmalloc0 (n * sizeof *p->jobs);
  for (size_t i = 0; i < n; i++)
    {
      struct layer_job *job = &p->jobs[i];
      job->desc = &p->manifest->layers[i];
      job->diff_id = p->config->diff_ids[i];
      job->needed = !sv_store_has_layer (p->s, job->diff_id, NULL);
      emit (p, job->needed ? SV_PULL_LAYER_WAITING : SV_PULL_LAYER_EXISTS, i, job->desc->digest, 0,
            job->desc->size);
      needed += job->needed;
    }
  return needed;
}

static int
fetch_layers (struct pull *p, struct sv_err **err)
{
  size_t needed = plan_layers (p);
  size_t max = p->o->max_parallel ? p->o->max_parallel : DEFAULT_PARALLEL;
  size_t n_threads = needed < max ? needed : max;
  pthread_t *threads = xmalloc0 ((n_threads + 1) * sizeof *threads);
  size_t started = 0;
  for (; started < n_threads; started++)
    if (pthread_create (&threads[started], NULL, layer_worker, p) != 0)
      break;
  if (started == 0 && needed > 0)
    layer_worker (p); /* no thread could start: do the work here */
  for (size_t t = 0; t < started; t++)
    pthread_join (threads[t], NULL);
  free (threads);
  for (size_t i = 0; i < p->manifest->n_layers; i++)
    if (p->jobs[i].err)
      {
        *err = steal_pointer (&p->jobs[i].err);
        return -1;
      }
  return 0;
}

/* ---- recording ---- */

static int
store_docs (struct pull *p, bool *up_to_date, struct sv_err **err)
{
  const struct sv_descriptor *cd = &p->manifest->config;
  *up_to_date = !p->downloaded && sv_store_has_blob (p->s, cd->digest, NULL)
                && sv_store_has_blob (p->s, p->man_digest, NULL)
                && sv_store_has_blob (p->s, p->resolved, NULL);
  if (sv_store_put_blob (p->s, p->config_buf, p->config_len, cd->digest, NULL, err) < 0
      || sv_store_put_blob (p->s, p->man.body, p->man.len, p->man_digest, NULL, err) < 0)
    return -1;
  if (p->top.body && sv_store_put_blob (p->s, p->top.body, p->top.len, p->resolved, NULL, err) < 0)
    return -1;
  return 0;
}

static int
record (struct pull *p, struct sv_pull_result *out, struct sv_err **err)
{
  bool up_to_date = false;
  if (store_docs (p, &up_to_date, err) < 0)
    return -1;
  _cleanup_free_ char *tag = p->ref->digest ? NULL : sv_ref_string (p->ref);
  _cleanup_free_ char *name = sv_ref_name (p->ref);
  _cleanup_free_ char *repo_digest = xasprintf ("%s@%s", name, p->resolved);
  struct sv_image_add a = {
    .manifest_digest = p->man_digest,
    .tag = tag,
    .repo_digest = repo_digest,
    .repo_digest_blob = p->resolved,
  };
  _cleanup_free_ char *id = NULL;
  if (sv_store_add_image (p->s, &a, &id, err) < 0)
    return -1;
  if (out)
    {
      out->id = steal_pointer (&id);
      out->digest = xstrdup (p->resolved);
      out->up_to_date = up_to_date;
    }
  return 0;
}

static int
pull_run (struct pull *p, struct sv_pull_result *out, struct sv_err **err)
{
  if (p->o->platform)
    p->wanted = sv_platform_new (p->o->platform->os, p->o->platform->arch, p->o->platform->variant);
  else if (sv_platform_host (&p->wanted, err) < 0)
    return -1;
  if (sv_store_lock (p->s, false, err) < 0 || open_registry (p, err) < 0 || resolve (p, err) < 0
      || fetch_config (p, err) < 0 || fetch_layers (p, err) < 0)
    return -1;
  return record (p, out, err);
}

int
sv_pull (struct sv_store *s, const struct sv_ref *ref, const struct sv_pull_opts *o,
         struct sv_pull_result *out, struct sv_err **err)
{
  static const struct sv_pull_opts defaults = { 0 };
  struct pull p = { .s = s, .ref = ref, .o = o ? o : &defaults };
  pthread_mutex_init (&p.lock, NULL);
  int ret = pull_run (&p, out, err);
  pull_clear (&p);
  return ret;
}

/* Pulling an image from a registry into the store.
 *
 * The reference is resolved to a manifest (through an index when it names
 * one, picking the wanted platform), whose digest is checked: against the
 * reference's digest when pulled by digest, against Docker-Content-Digest
 * when the registry sends one.  The config is checked against its
 * descriptor, against the manifest (one diff_id per layer) and against the
 * platform.  Layers not already unpacked are downloaded in parallel, each
 * streamed through a verifying blob writer and unpacked as soon as it is
 * complete.  The config, manifest and index blobs are stored only after
 * every layer is in place, and the image is recorded last, so a failed or
 * killed pull lists no image (and a pull that fails on its only layer adds
 * nothing to the store at all).  A digest mismatch is never retried. */
#ifndef SV_IMAGE_PULL_H
#define SV_IMAGE_PULL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/platform.h"
#include "image/reference.h"
#include "image/store.h"
#include "util/err.h"

enum sv_pull_event_kind
{
  SV_PULL_RESOLVED,          /* digest: what the reference resolved to */
  SV_PULL_LAYER_EXISTS,      /* the layer is already unpacked */
  SV_PULL_LAYER_WAITING,     /* queued for download */
  SV_PULL_LAYER_DOWNLOADING, /* done / total bytes (total -1: unknown) */
  SV_PULL_LAYER_EXTRACTING,
  SV_PULL_LAYER_DONE,
};

struct sv_pull_event
{
  enum sv_pull_event_kind kind;
  size_t layer; /* index in the manifest (layer events) */
  size_t n_layers;
  const char *digest; /* the layer's blob digest, or the resolved digest */
  int64_t done;
  int64_t total;
};

/* Progress callbacks are never run concurrently (the puller serialises
 * them), though they may come from different threads. */
typedef void (*sv_pull_progress_fn) (void *data, const struct sv_pull_event *ev);

struct sv_pull_opts
{
  const struct sv_platform *platform; /* NULL: the host's */
  bool plain_http;
  bool tls_skip_verify;
  /* Credentials; both NULL: those docker's config.json has for the host. */
  const char *username;
  const char *password;
  size_t max_parallel; /* concurrent layer downloads; 0: 3 */
  sv_pull_progress_fn progress;
  void *progress_data;
};

struct sv_pull_result
{
  char *id;        /* the image id (config digest) */
  char *digest;    /* what the reference resolved to (index or manifest) */
  bool up_to_date; /* nothing had to be downloaded */
};
void sv_pull_result_clear (struct sv_pull_result *r);

/* Pull REF into S (taking the store's shared lock).  Pulled by tag, the
 * image is tagged sv_ref_string (REF) and given the repo digest
 * NAME@DIGEST; pulled by digest it gets only the repo digest.  OUT may be
 * NULL. */
int sv_pull (struct sv_store *s, const struct sv_ref *ref, const struct sv_pull_opts *o,
             struct sv_pull_result *out, struct sv_err **err);

#endif

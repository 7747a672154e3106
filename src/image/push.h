/* Pushing a stored image to a registry.
 *
 * Every layer blob and the config are uploaded unless the registry already
 * has them (HEAD first), each in one monolithic PUT streamed from the
 * stored blob.  The manifest goes last, byte for byte as stored, with its
 * media type as Content-Type, under the destination's tag (or digest).
 * The token scope is "repository:NAME:pull,push". */
#ifndef SV_IMAGE_PUSH_H
#define SV_IMAGE_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/reference.h"
#include "image/store.h"
#include "util/err.h"

enum sv_push_event_kind
{
  SV_PUSH_PREPARING, /* a blob is about to be checked */
  SV_PUSH_EXISTS,    /* the registry has it */
  SV_PUSH_PUSHING,
  SV_PUSH_PUSHED,
};

struct sv_push_event
{
  enum sv_push_event_kind kind;
  const char *digest;
  int64_t size;
};

typedef void (*sv_push_progress_fn) (void *data, const struct sv_push_event *ev);

struct sv_push_opts
{
  bool plain_http;
  bool tls_skip_verify;
  /* Credentials; both NULL: those docker's config.json has for the host. */
  const char *username;
  const char *password;
  sv_push_progress_fn progress;
  void *progress_data;
};

struct sv_push_result
{
  char *digest; /* the manifest's digest */
  int64_t size; /* the manifest's size */
};
void sv_push_result_clear (struct sv_push_result *r);

/* Push the stored image IMG (as sv_store_lookup_image returns it) to DEST.
 * DEST must name a tag or a digest.  OUT may be NULL. */
int sv_push (struct sv_store *s, const struct sv_image *img, const struct sv_ref *dest,
             const struct sv_push_opts *o, struct sv_push_result *out, struct sv_err **err);

#endif

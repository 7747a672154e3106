/* A client of the OCI distribution (registry v2) API over libcurl.
 *
 * One struct sv_registry talks to one registry host on behalf of one
 * repository scope.  It authenticates the way docker does: a request is
 * sent anonymously (or with the credentials it already earned); on 401 the
 * WWW-Authenticate challenge says how to authenticate: "Basic" (the user's
 * credentials on every request) or "Bearer realm=...,service=...,scope=..."
 * (a token fetched from the realm, with the user's credentials as Basic
 * auth when there are any).  The request is then sent once more.
 *
 * Transient failures (connection errors, timeouts, HTTP 5xx and 429) are
 * retried: 3 tries in all, with a growing pause.  Every request uses its
 * own curl easy handle, so one client may be used from several threads at
 * once (the authorization it earned is shared under a lock).  Redirects
 * are followed for blob downloads; libcurl (>= 7.58) does not send the
 * Authorization header to another host or port.
 *
 * Errors from the registry carry its own words: "manifest unknown",
 * "unauthorized: authentication required".  A 404 has code ENOENT, a 401
 * or 403 code EACCES. */
#ifndef SV_IMAGE_REGISTRY_H
#define SV_IMAGE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct sv_registry_opts
{
  const char *host; /* "registry-1.docker.io", "127.0.0.1:5000", "[::1]:5000" */
  bool plain_http;  /* http:// instead of https:// */
  bool tls_skip_verify;
  const char *username; /* NULL: anonymous unless the registry asks */
  const char *password;
  /* The token scope to ask for, e.g. "repository:library/busybox:pull";
   * NULL: whatever the registry's challenge names. */
  const char *scope;
};

struct sv_registry;

int sv_registry_new (const struct sv_registry_opts *o, struct sv_registry **out,
                     struct sv_err **err);
void sv_registry_free (struct sv_registry *r);

/* GET /v2/ through the authentication flow: 0 when the registry accepts
 * the client's credentials (or needs none), < 0 with *err set otherwise
 * (EACCES when they are refused). */
int sv_registry_ping (struct sv_registry *r, struct sv_err **err);

/* A fetched manifest or index: the exact bytes, and what the headers said. */
struct sv_registry_manifest
{
  char *body; /* NUL-terminated */
  size_t len;
  char *content_type;  /* media type without parameters; may be NULL */
  char *header_digest; /* Docker-Content-Digest; may be NULL */
};
void sv_registry_manifest_clear (struct sv_registry_manifest *m);

/* GET /v2/REPO/manifests/REFERENCE (a tag or a digest), accepting OCI
 * manifests and indexes and Docker schema2 manifests and lists.  Bodies
 * past 4 MiB are refused.  The body is not verified here. */
int sv_registry_get_manifest (struct sv_registry *r, const char *repo, const char *reference,
                              struct sv_registry_manifest *out, struct sv_err **err);

/* Where a blob download goes.  WRITE receives the body in order; RESET
 * (called before a retry) must drop what was written; PROGRESS (may be
 * NULL) gets bytes received and the total (-1 when unknown).  WRITE
 * failing ends the download with its error and no retry. */
struct sv_registry_sink
{
  int (*write) (void *data, const void *buf, size_t len, struct sv_err **err);
  int (*reset) (void *data, struct sv_err **err);
  void (*progress) (void *data, int64_t done, int64_t total);
  void *data;
};

/* GET /v2/REPO/blobs/DIGEST into SINK, following redirects. */
int sv_registry_get_blob (struct sv_registry *r, const char *repo, const char *digest,
                          const struct sv_registry_sink *sink, struct sv_err **err);
/* GET a small blob (a config) into memory; past MAX bytes it is refused.
 * *BUF is NUL-terminated and owned by the caller. */
int sv_registry_get_blob_buffer (struct sv_registry *r, const char *repo, const char *digest,
                                 size_t max, char **buf, size_t *len, struct sv_err **err);

/* HEAD /v2/REPO/blobs/DIGEST: 1 when the registry has it, 0 when not. */
int sv_registry_has_blob (struct sv_registry *r, const char *repo, const char *digest,
                          struct sv_err **err);
/* Upload SIZE bytes read from FD (from its start) as blob DIGEST: POST an
 * upload session, then one monolithic PUT ...?digest=DIGEST. */
int sv_registry_put_blob (struct sv_registry *r, const char *repo, const char *digest, int fd,
                          int64_t size, struct sv_err **err);
/* PUT /v2/REPO/manifests/REFERENCE with BODY as MEDIA_TYPE.  *DIGEST (may
 * be NULL) gets the digest the registry reports, else the body's sha256. */
int sv_registry_put_manifest (struct sv_registry *r, const char *repo, const char *reference,
                              const char *body, size_t len, const char *media_type, char **digest,
                              struct sv_err **err);

/* ---- authentication (registry-auth.c) ---- */

/* One challenge of a WWW-Authenticate header. */
struct sv_auth_challenge
{
  char *scheme; /* lowercase: "basic", "bearer" */
  char *realm;  /* NULL when absent */
  char *service;
  char *scope;
};

/* Parse the first challenge of a WWW-Authenticate value: a scheme token,
 * then comma-separated auth-params `key=token` or `key="quoted string"`
 * (commas and \-escapes allowed inside the quotes; keys are
 * case-insensitive).  A second challenge after the first ends the parse.
 * EINVAL on anything else. */
int sv_auth_challenge_parse (const char *header, struct sv_auth_challenge **out,
                             struct sv_err **err);
void sv_auth_challenge_free (struct sv_auth_challenge *c);

/* The value of an Authorization header answering challenge C:
 * "Basic base64(user:pass)", or "Bearer TOKEN" with the token fetched from
 * C's realm for SCOPE (NULL: C's scope) using USERNAME/PASSWORD (may be
 * NULL) as Basic credentials.  EACCES when the credentials are needed but
 * missing, or refused.  *OUT is owned by the caller. */
int sv_auth_answer (const struct sv_auth_challenge *c, const char *scope, const char *username,
                    const char *password, bool tls_skip_verify, char **out, struct sv_err **err);

/* "base64(user:pass)"; owned by the caller. */
char *sv_auth_basic_encode (const char *username, const char *password);
/* Split "base64(user:pass)"; EINVAL when it is not that. */
int sv_auth_basic_decode (const char *auth, char **username, char **password, struct sv_err **err);

static inline void
sv_auth_challenge_freep (struct sv_auth_challenge **c)
{
  sv_auth_challenge_free (*c);
}
#define _cleanup_challenge_ __attribute__ ((cleanup (sv_auth_challenge_freep)))

static inline void
sv_registry_freep (struct sv_registry **r)
{
  sv_registry_free (*r);
}
#define _cleanup_registry_ __attribute__ ((cleanup (sv_registry_freep)))

#endif

/* Registry v2 client: requests, retries, the auth round trip, and the
 * manifest and blob operations pull and push need. */
#include "image/registry.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MANIFEST_MAX_BYTES (4 * 1024 * 1024)
/* Error bodies (and other bodies nobody streams) are kept up to this size. */
#define BODY_MAX_BYTES (4 * 1024 * 1024)
#define TRIES 3

static const char manifest_accept[] = "Accept: " SV_MT_OCI_MANIFEST ", " SV_MT_OCI_INDEX
                                      ", " SV_MT_DOCKER_MANIFEST ", " SV_MT_DOCKER_LIST;

struct sv_registry
{
  char *base; /* "https://host" */
  char *host;
  char *username;
  char *password;
  char *scope;
  bool tls_skip_verify;
  pthread_mutex_t lock;
  char *authorization; /* "Bearer ..." / "Basic ..." once earned; under lock */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once (void)
{
  curl_global_init (CURL_GLOBAL_DEFAULT);
}

int
sv_registry_new (const struct sv_registry_opts *o, struct sv_registry **out, struct sv_err **err)
{
  if (o->host == NULL || *o->host == '\0' || strpbrk (o->host, "/?#@ ") != NULL)
    return sv_err_make (err, EINVAL, "invalid registry host `%s`", o->host ? o->host : "");
  pthread_once (&curl_once, curl_init_once);
  struct sv_registry *r = xmalloc0 (sizeof *r);
  r->base = xasprintf ("%s://%s", o->plain_http ? "http" : "https", o->host);
  r->host = xstrdup (o->host);
  r->username = o->username ? xstrdup (o->username) : NULL;
  r->password = o->password ? xstrdup (o->password) : NULL;
  r->scope = o->scope ? xstrdup (o->scope) : NULL;
  r->tls_skip_verify = o->tls_skip_verify;
  pthread_mutex_init (&r->lock, NULL);
  *out = r;
  return 0;
}

void
sv_registry_free (struct sv_registry *r)
{
  if (r == NULL)
    return;
  free (r->base);
  free (r->host);
  free (r->username);
  if (r->password)
    explicit_bzero (r->password, strlen (r->password));
  free (r->password);
  free (r->scope);
  free (r->authorization);
  pthread_mutex_destroy (&r->lock);
  free (r);
}

void
sv_registry_manifest_clear (struct sv_registry_manifest *m)
{
  free (m->body);
  free (m->content_type);
  free (m->header_digest);
  memset (m, 0, sizeof *m);
}

/* ---- one HTTP exchange ---- */

struct request
{
  const char *method; /* GET, HEAD, POST, PUT */
  const char *url;
  const char *accept; /* a whole "Accept: ..." header, or NULL */
  const char *content_type;
  const char *body; /* PUT body from memory, or ... */
  size_t body_len;
  int body_fd; /* ... from this fd (-1: none) */
  int64_t body_size;
  const struct sv_registry_sink *sink; /* a 2xx body goes here, else into resp.body */
  size_t max_body;
  bool follow;
};

struct response
{
  long status;
  char *body;
  size_t len;
  bool too_big;
  char *content_type;
  char *location;
  char *docker_digest;
  char *www_authenticate;
  int64_t content_length;
  struct sv_err *sink_err; /* the sink's failure, not retried */
};

static void
response_clear (struct response *resp)
{
  free (resp->body);
  free (resp->content_type);
  free (resp->location);
  free (resp->docker_digest);
  free (resp->www_authenticate);
  sv_err_free (&resp->sink_err);
  memset (resp, 0, sizeof *resp);
}

struct exchange
{
  CURL *h;
  const struct request *req;
  struct response *resp;
};

static bool
status_ok (long status)
{
  return status >= 200 && status < 300;
}

static size_t
on_body (char *ptr, size_t size, size_t nmemb, void *userdata)
{
  struct exchange *x = userdata;
  size_t n = size * nmemb;
  long status = 0;
  curl_easy_getinfo (x->h, CURLINFO_RESPONSE_CODE, &status);
  if (x->req->sink && status_ok (status))
    return x->req->sink->write (x->req->sink->data, ptr, n, &x->resp->sink_err) < 0 ? 0 : n;
  size_t max = x->req->max_body ? x->req->max_body : BODY_MAX_BYTES;
  if (x->resp->len + n > max)
    {
      x->resp->too_big = true;
      return 0;
    }
  x->resp->body = xrealloc (x->resp->body, x->resp->len + n + 1);
  memcpy (x->resp->body + x->resp->len, ptr, n);
  x->resp->len += n;
  x->resp->body[x->resp->len] = '\0';
  return n;
}

/* The value of header NAME in LINE ("Name: value\r\n"), trimmed; NULL when
 * LINE is another header. */
static char *
header_value (const char *line, size_t n, const char *name)
{
  size_t k = strlen (name);
  if (n <= k || strncasecmp (line, name, k) != 0 || line[k] != ':')
    return NULL;
  const char *v = line + k + 1, *end = line + n;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
    end--;
  return xstrndup (v, (size_t)(end - v));
}

static void
keep_header (char **slot, char *value)
{
  if (value == NULL)
    return;
  free (*slot);
  *slot = value;
}

static size_t
on_header (char *line, size_t size, size_t nmemb, void *userdata)
{
  struct response *resp = userdata;
  size_t n = size * nmemb;
  if (n >= 5 && strncmp (line, "HTTP/", 5) == 0)
    {
      /* A new response (after a redirect): forget the previous headers. */
      free (resp->content_type), resp->content_type = NULL;
      free (resp->location), resp->location = NULL;
      free (resp->docker_digest), resp->docker_digest = NULL;
      free (resp->www_authenticate), resp->www_authenticate = NULL;
      return n;
    }
  keep_header (&resp->content_type, header_value (line, n, "Content-Type"));
  keep_header (&resp->location, header_value (line, n, "Location"));
  keep_header (&resp->docker_digest, header_value (line, n, "Docker-Content-Digest"));
  if (resp->www_authenticate == NULL)
    resp->www_authenticate = header_value (line, n, "WWW-Authenticate");
  return n;
}

static size_t
on_read_fd (char *buf, size_t size, size_t nmemb, void *userdata)
{
  const struct request *req = userdata;
  ssize_t n;
  do
    n = read (req->body_fd, buf, size * nmemb);
  while (n < 0 && errno == EINTR);
  return n < 0 ? CURL_READFUNC_ABORT : (size_t)n;
}

static int
on_progress (void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
             curl_off_t ulnow)
{
  struct exchange *x = userdata;
  long status = 0;
  curl_easy_getinfo (x->h, CURLINFO_RESPONSE_CODE, &status);
  const struct sv_registry_sink *s = x->req->sink;
  if (s && s->progress && status_ok (status))
    s->progress (s->data, (int64_t)dlnow, dltotal > 0 ? (int64_t)dltotal : -1);
  return 0;
}

static void
setup_method (CURL *h, const struct request *req)
{
  if (strcmp (req->method, "HEAD") == 0)
    curl_easy_setopt (h, CURLOPT_NOBODY, 1L);
  else if (strcmp (req->method, "POST") == 0)
    {
      curl_easy_setopt (h, CURLOPT_POST, 1L);
      curl_easy_setopt (h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
      curl_easy_setopt (h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
  else if (strcmp (req->method, "PUT") == 0 && req->body_fd >= 0)
    {
      curl_easy_setopt (h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt (h, CURLOPT_READFUNCTION, on_read_fd);
      curl_easy_setopt (h, CURLOPT_READDATA, req);
      curl_easy_setopt (h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_size);
    }
  else if (strcmp (req->method, "PUT") == 0)
    {
      curl_easy_setopt (h, CURLOPT_CUSTOMREQUEST, "PUT");
      curl_easy_setopt (h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
      curl_easy_setopt (h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
}

static struct curl_slist *
build_headers (const struct request *req, const char *authorization)
{
  struct curl_slist *l = NULL;
  if (req->accept)
    l = curl_slist_append (l, req->accept);
  if (req->content_type)
    {
      _cleanup_free_ char *ct = xasprintf ("Content-Type: %s", req->content_type);
      l = curl_slist_append (l, ct);
    }
  else if (req->body || req->body_fd >= 0)
    l = curl_slist_append (l, "Content-Type: application/octet-stream");
  if (authorization)
    {
      _cleanup_free_ char *a = xasprintf ("Authorization: %s", authorization);
      l = curl_slist_append (l, a);
    }
  /* No "Expect: 100-continue" round trip before an upload. */
  l = curl_slist_append (l, "Expect:");
  return l;
}

static void
setup_handle (struct sv_registry *r, struct exchange *x, struct curl_slist *headers)
{
  CURL *h = x->h;
  curl_easy_setopt (h, CURLOPT_URL, x->req->url);
  curl_easy_setopt (h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (h, CURLOPT_USERAGENT, "servin/0.1");
  curl_easy_setopt (h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (h, CURLOPT_CONNECTTIMEOUT, 30L);
  /* A stalled transfer (under 1 byte/s for a minute) is a transient error. */
  curl_easy_setopt (h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (h, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt (h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (h, CURLOPT_WRITEDATA, x);
  curl_easy_setopt (h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (h, CURLOPT_HEADERDATA, x->resp);
  curl_easy_setopt (h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt (h, CURLOPT_XFERINFODATA, x);
  curl_easy_setopt (h, CURLOPT_NOPROGRESS, 0L);
  if (x->req->follow)
    {
      curl_easy_setopt (h, CURLOPT_FOLLOWLOCATION, 1L);
      curl_easy_setopt (h, CURLOPT_MAXREDIRS, 10L);
      curl_easy_setopt (h, CURLOPT_UNRESTRICTED_AUTH, 0L);
    }
  if (r->tls_skip_verify)
    {
      curl_easy_setopt (h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  setup_method (h, x->req);
}

static bool
curl_transient (CURLcode rc)
{
  switch (rc)
    {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
    }
}

/* One attempt.  Returns 0 when an HTTP status arrived (any status), 1 for
 * a transient transport failure, < 0 for a permanent one (*err set). */
static int
exchange_once (struct sv_registry *r, const struct request *req, const char *authorization,
               struct response *resp, struct sv_err **err)
{
  response_clear (resp);
  if (req->body_fd >= 0 && lseek (req->body_fd, 0, SEEK_SET) < 0)
    return sv_err_errno (err, "rewind upload");
  struct exchange x = { .h = curl_easy_init (), .req = req, .resp = resp };
  if (x.h == NULL)
    return sv_err_make (err, ENOMEM, "curl_easy_init failed");
  struct curl_slist *headers = build_headers (req, authorization);
  setup_handle (r, &x, headers);
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt (x.h, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform (x.h);
  curl_easy_getinfo (x.h, CURLINFO_RESPONSE_CODE, &resp->status);
  curl_off_t cl = -1;
  curl_easy_getinfo (x.h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
  resp->content_length = cl;
  curl_easy_cleanup (x.h);
  curl_slist_free_all (headers);
  if (resp->sink_err)
    {
      *err = steal_pointer (&resp->sink_err);
      return -1;
    }
  if (rc == CURLE_WRITE_ERROR && resp->too_big)
    return sv_err_make (err, EFBIG, "%s %s: response too large", req->method, req->url);
  if (rc == CURLE_OK)
    return 0;
  sv_err_make (err, EIO, "%s %s: %s", req->method, req->url,
               *errbuf ? errbuf : curl_easy_strerror (rc));
  return curl_transient (rc) ? 1 : -1;
}

static bool
status_transient (long status)
{
  return status >= 500 || status == 429 || status == 408;
}

static void
backoff (int attempt)
{
  struct timespec ts = { .tv_sec = 0, .tv_nsec = 250000000L * (1L << attempt) };
  while (ts.tv_nsec >= 1000000000L)
    ts.tv_sec++, ts.tv_nsec -= 1000000000L;
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

static int
sink_reset (const struct request *req, struct sv_err **err)
{
  if (req->sink && req->sink->reset)
    return req->sink->reset (req->sink->data, err);
  return 0;
}

/* Up to TRIES attempts of one request with one authorization. */
static int
exchange_retrying (struct sv_registry *r, const struct request *req, const char *authorization,
                   struct response *resp, struct sv_err **err)
{
  for (int attempt = 0;; attempt++)
    {
      _cleanup_err_ struct sv_err *e = NULL;
      if (attempt > 0 && sink_reset (req, err) < 0)
        return -1;
      int ret = exchange_once (r, req, authorization, resp, &e);
      if (ret < 0 || (ret > 0 && attempt + 1 >= TRIES))
        {
          *err = steal_pointer (&e);
          return -1;
        }
      if (ret == 0 && !(status_transient (resp->status) && attempt + 1 < TRIES))
        return 0;
      backoff (attempt);
    }
}

static char *
current_authorization (struct sv_registry *r)
{
  pthread_mutex_lock (&r->lock);
  char *a = r->authorization ? xstrdup (r->authorization) : NULL;
  pthread_mutex_unlock (&r->lock);
  return a;
}

/* Answer the 401 in RESP: earn an authorization and remember it. */
static int
authenticate (struct sv_registry *r, const struct response *resp, struct sv_err **err)
{
  if (resp->www_authenticate == NULL)
    return sv_err_make_plain (err, EACCES,
                              "unauthorized: the registry asks for credentials but "
                              "sends no WWW-Authenticate challenge");
  _cleanup_challenge_ struct sv_auth_challenge *c = NULL;
  if (sv_auth_challenge_parse (resp->www_authenticate, &c, err) < 0)
    return -1;
  _cleanup_free_ char *answer = NULL;
  if (sv_auth_answer (c, r->scope, r->username, r->password, r->tls_skip_verify, &answer, err) < 0)
    return -1;
  pthread_mutex_lock (&r->lock);
  free (r->authorization);
  r->authorization = steal_pointer (&answer);
  pthread_mutex_unlock (&r->lock);
  return 0;
}

/* The request with retries and, on 401, one round of authentication.
 * Returns 0 with any final status in RESP; on failure RESP is empty. */
static int
http_request_auth (struct sv_registry *r, const struct request *req, struct response *resp,
                   struct sv_err **err)
{
  _cleanup_free_ char *auth = current_authorization (r);
  if (exchange_retrying (r, req, auth, resp, err) < 0)
    return -1;
  if (resp->status != 401)
    return 0;
  if (authenticate (r, resp, err) < 0)
    return -1;
  free (auth);
  auth = current_authorization (r);
  if (sink_reset (req, err) < 0)
    return -1;
  return exchange_retrying (r, req, auth, resp, err);
}

static int
http_request (struct sv_registry *r, const struct request *req, struct response *resp,
              struct sv_err **err)
{
  int ret = http_request_auth (r, req, resp, err);
  if (ret < 0)
    response_clear (resp);
  return ret;
}

/* "CODE: message" of the first entry of a registry error body, or NULL. */
static char *
registry_error_text (const struct response *resp)
{
  if (resp->body == NULL)
    return NULL;
  json_error_t je;
  _cleanup_json_ json_t *j = json_loadb (resp->body, resp->len, 0, &je);
  json_t *first = json_array_get (json_object_get (j, "errors"), 0);
  const char *msg = json_string_value (json_object_get (first, "message"));
  const char *code = json_string_value (json_object_get (first, "code"));
  if (msg == NULL && code == NULL)
    return NULL;
  if (msg == NULL || code == NULL)
    return xstrdup (msg ? msg : code);
  _cleanup_free_ char *lower = xstrdup (code);
  for (char *p = lower; *p; p++)
    *p = *p == '_' ? ' ' : (char)(*p | 0x20);
  /* "MANIFEST_UNKNOWN" / "manifest unknown" says the same thing once. */
  if (strcmp (lower, msg) == 0)
    return xstrdup (msg);
  return xasprintf ("%s: %s", lower, msg);
}

/* The error for a response that is not what WHAT expected. */
static int
status_error (const struct response *resp, const char *what, struct sv_err **err)
{
  _cleanup_free_ char *text = registry_error_text (resp);
  int code = EPROTO;
  if (resp->status == 404)
    code = ENOENT;
  else if (resp->status == 401 || resp->status == 403)
    code = EACCES;
  if (text)
    return sv_err_make_plain (err, code, "%s: %s", what, text);
  if (resp->status == 401)
    return sv_err_make_plain (err, code, "%s: unauthorized: authentication required", what);
  if (resp->status == 404)
    return sv_err_make_plain (err, code, "%s: not found", what);
  return sv_err_make_plain (err, code, "%s: unexpected HTTP status %ld", what, resp->status);
}

static void
request_init (struct request *req, const char *method, const char *url)
{
  memset (req, 0, sizeof *req);
  req->method = method;
  req->url = url;
  req->body_fd = -1;
}

/* ---- operations ---- */

int
sv_registry_ping (struct sv_registry *r, struct sv_err **err)
{
  _cleanup_free_ char *url = xasprintf ("%s/v2/", r->base);
  struct request req;
  request_init (&req, "GET", url);
  struct response resp = { 0 };
  int ret = http_request (r, &req, &resp, err);
  if (ret == 0 && !status_ok (resp.status))
    ret = status_error (&resp, r->host, err);
  response_clear (&resp);
  return ret;
}

static char *
strip_media_params (const char *ct)
{
  if (ct == NULL)
    return NULL;
  size_t n = strcspn (ct, "; ");
  return n ? xstrndup (ct, n) : NULL;
}

int
sv_registry_get_manifest (struct sv_registry *r, const char *repo, const char *reference,
                          struct sv_registry_manifest *out, struct sv_err **err)
{
  _cleanup_free_ char *url = xasprintf ("%s/v2/%s/manifests/%s", r->base, repo, reference);
  struct request req;
  request_init (&req, "GET", url);
  req.accept = manifest_accept;
  req.max_body = MANIFEST_MAX_BYTES;
  struct response resp = { 0 };
  if (http_request (r, &req, &resp, err) < 0)
    return -1;
  if (!status_ok (resp.status))
    {
      _cleanup_free_ char *what = xasprintf ("manifest for %s/%s%c%s", r->host, repo,
                                             strchr (reference, ':') ? '@' : ':', reference);
      status_error (&resp, what, err);
      response_clear (&resp);
      return -1;
    }
  out->body = resp.body ? steal_pointer (&resp.body) : xstrdup ("");
  out->len = resp.len;
  out->content_type = strip_media_params (resp.content_type);
  out->header_digest = steal_pointer (&resp.docker_digest);
  response_clear (&resp);
  return 0;
}

int
sv_registry_get_blob (struct sv_registry *r, const char *repo, const char *digest,
                      const struct sv_registry_sink *sink, struct sv_err **err)
{
  _cleanup_free_ char *url = xasprintf ("%s/v2/%s/blobs/%s", r->base, repo, digest);
  struct request req;
  request_init (&req, "GET", url);
  req.sink = sink;
  req.follow = true;
  struct response resp = { 0 };
  int ret = http_request (r, &req, &resp, err);
  if (ret == 0 && !status_ok (resp.status))
    {
      _cleanup_free_ char *what = xasprintf ("blob %s", digest);
      ret = status_error (&resp, what, err);
    }
  response_clear (&resp);
  return ret;
}

struct membuf
{
  char *data;
  size_t len;
  size_t max;
};

static int
membuf_write (void *data, const void *buf, size_t len, struct sv_err **err)
{
  struct membuf *b = data;
  if (b->len + len > b->max)
    return sv_err_make (err, EFBIG, "blob larger than %zu bytes", b->max);
  b->data = xrealloc (b->data, b->len + len + 1);
  memcpy (b->data + b->len, buf, len);
  b->len += len;
  b->data[b->len] = '\0';
  return 0;
}

static int
membuf_reset (void *data, struct sv_err **err)
{
  struct membuf *b = data;
  b->len = 0;
  return 0;
}

int
sv_registry_get_blob_buffer (struct sv_registry *r, const char *repo, const char *digest,
                             size_t max, char **buf, size_t *len, struct sv_err **err)
{
  struct membuf b = { .max = max };
  struct sv_registry_sink sink = { .write = membuf_write, .reset = membuf_reset, .data = &b };
  if (sv_registry_get_blob (r, repo, digest, &sink, err) < 0)
    {
      free (b.data);
      return -1;
    }
  *buf = b.data ? b.data : xstrdup ("");
  *len = b.len;
  return 0;
}

int
sv_registry_has_blob (struct sv_registry *r, const char *repo, const char *digest,
                      struct sv_err **err)
{
  _cleanup_free_ char *url = xasprintf ("%s/v2/%s/blobs/%s", r->base, repo, digest);
  struct request req;
  request_init (&req, "HEAD", url);
  req.follow = true;
  struct response resp = { 0 };
  int ret = http_request (r, &req, &resp, err);
  if (ret == 0)
    {
      if (status_ok (resp.status))
        ret = 1;
      else if (resp.status != 404)
        {
          _cleanup_free_ char *what = xasprintf ("blob %s", digest);
          ret = status_error (&resp, what, err);
        }
    }
  response_clear (&resp);
  return ret;
}

/* The upload URL of LOCATION (absolute, or relative to the registry). */
static char *
upload_url (struct sv_registry *r, const char *location, const char *digest)
{
  _cleanup_free_ char *abs = NULL;
  if (strncmp (location, "http://", 7) == 0 || strncmp (location, "https://", 8) == 0)
    abs = xstrdup (location);
  else if (location[0] == '/')
    abs = xasprintf ("%s%s", r->base, location);
  else
    abs = xasprintf ("%s/%s", r->base, location);
  return xasprintf ("%s%sdigest=%s", abs, strchr (abs, '?') ? "&" : "?", digest);
}

static int
start_upload (struct sv_registry *r, const char *repo, const char *digest, char **location,
              struct sv_err **err)
{
  _cleanup_free_ char *url = xasprintf ("%s/v2/%s/blobs/uploads/", r->base, repo);
  struct request req;
  request_init (&req, "POST", url);
  struct response resp = { 0 };
  int ret = http_request (r, &req, &resp, err);
  if (ret == 0 && resp.status != 202)
    {
      _cleanup_free_ char *what = xasprintf ("start upload of %s", digest);
      ret = status_error (&resp, what, err);
    }
  else if (ret == 0 && resp.location == NULL)
    ret = sv_err_make (err, EPROTO, "start upload of %s: no Location in the answer", digest);
  if (ret == 0)
    *location = steal_pointer (&resp.location);
  response_clear (&resp);
  return ret;
}

int
sv_registry_put_blob (struct sv_registry *r, const char *repo, const char *digest, int fd,
                      int64_t size, struct sv_err **err)
{
  _cleanup_free_ char *location = NULL;
  if (start_upload (r, repo, digest, &location, err) < 0)
    return -1;
  _cleanup_free_ char *url = upload_url (r, location, digest);
  struct request req;
  request_init (&req, "PUT", url);
  req.body_fd = fd;
  req.body_size = size;
  struct response resp = { 0 };
  int ret = http_request (r, &req, &resp, err);
  if (ret == 0 && resp.status != 201 && !status_ok (resp.status))
    {
      _cleanup_free_ char *what = xasprintf ("upload %s", digest);
      ret = status_error (&resp, what, err);
    }
  response_clear (&resp);
  return ret;
}

int
sv_registry_put_manifest (struct sv_registry *r, const char *repo, const char *reference,
                          const char *body, size_t len, const char *media_type, char **digest,
                          struct sv_err **err)
{
  _cleanup_free_ char *url = xasprintf ("%s/v2/%s/manifests/%s", r->base, repo, reference);
  struct request req;
  request_init (&req, "PUT", url);
  req.body = body;
  req.body_len = len;
  req.content_type = media_type;
  struct response resp = { 0 };
  int ret = http_request (r, &req, &resp, err);
  if (ret == 0 && !status_ok (resp.status))
    {
      _cleanup_free_ char *what = xasprintf ("put manifest %s", reference);
      ret = status_error (&resp, what, err);
    }
  if (ret == 0 && digest)
    {
      if (resp.docker_digest && sv_digest_validate (resp.docker_digest, NULL) == 0)
        *digest = steal_pointer (&resp.docker_digest);
      else
        ret = sv_digest_buffer (SV_DIGEST_SHA256, body, len, digest, err);
    }
  response_clear (&resp);
  return ret;
}

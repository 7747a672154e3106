/* Registry authentication: WWW-Authenticate challenges, Basic credentials
 * and bearer tokens (the docker token protocol). */
#include "image/registry.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* Token responses are small JSON documents. */
#define TOKEN_MAX_BYTES (1024 * 1024)

void
sv_auth_challenge_free (struct sv_auth_challenge *c)
{
  if (c == NULL)
    return;
  free (c->scheme);
  free (c->realm);
  free (c->service);
  free (c->scope);
  free (c);
}

static bool
is_tchar (char ch)
{
  /* RFC 7230 token characters. */
  return isalnum ((unsigned char)ch) || (ch && strchr ("!#$%&'*+-.^_`|~", ch));
}

static const char *
skip_ws (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* Read a token at *P; NULL when there is none. */
static char *
read_token (const char **p)
{
  const char *s = *p;
  while (is_tchar (**p))
    (*p)++;
  return *p > s ? xstrndup (s, (size_t)(*p - s)) : NULL;
}

/* Read a quoted-string at *P (which points at the opening quote). */
static int
read_quoted (const char **p, char **out, struct sv_err **err)
{
  size_t n = strlen (*p);
  _cleanup_free_ char *buf = xmalloc (n + 1);
  size_t len = 0;
  const char *s = *p + 1;
  for (; *s && *s != '"'; s++)
    {
      if (*s == '\\' && s[1])
        s++;
      buf[len++] = *s;
    }
  if (*s != '"')
    return sv_err_make (err, EINVAL, "WWW-Authenticate: unterminated quoted string");
  buf[len] = '\0';
  *p = s + 1;
  *out = steal_pointer (&buf);
  return 0;
}

static void
set_param (struct sv_auth_challenge *c, const char *key, char *value)
{
  char **slot = NULL;
  if (strcasecmp (key, "realm") == 0)
    slot = &c->realm;
  else if (strcasecmp (key, "service") == 0)
    slot = &c->service;
  else if (strcasecmp (key, "scope") == 0)
    slot = &c->scope;
  if (slot == NULL || *slot)
    {
      free (value); /* unknown or repeated: the first one wins */
      return;
    }
  *slot = value;
}

/* Parse one "key=value" at *P.  Returns 1 when one was read, 0 when *P
 * starts another challenge (a token not followed by '='). */
static int
read_param (const char **p, struct sv_auth_challenge *c, struct sv_err **err)
{
  const char *start = *p;
  _cleanup_free_ char *key = read_token (p);
  if (key == NULL)
    return sv_err_make (err, EINVAL, "WWW-Authenticate: expected a parameter at `%s`", start);
  *p = skip_ws (*p);
  if (**p != '=')
    {
      *p = start;
      return 0;
    }
  *p = skip_ws (*p + 1);
  char *value = NULL;
  if (**p == '"')
    {
      if (read_quoted (p, &value, err) < 0)
        return -1;
    }
  else if ((value = read_token (p)) == NULL)
    return sv_err_make (err, EINVAL, "WWW-Authenticate: parameter `%s` has no value", key);
  set_param (c, key, value);
  return 1;
}

static int
read_params (const char *p, struct sv_auth_challenge *c, struct sv_err **err)
{
  p = skip_ws (p);
  while (*p)
    {
      int ret = read_param (&p, c, err);
      if (ret <= 0)
        return ret;
      p = skip_ws (p);
      if (*p == '\0')
        break;
      if (*p != ',')
        return sv_err_make (err, EINVAL, "WWW-Authenticate: expected `,` at `%s`", p);
      p = skip_ws (p + 1);
    }
  return 0;
}

int
sv_auth_challenge_parse (const char *header, struct sv_auth_challenge **out, struct sv_err **err)
{
  const char *p = skip_ws (header);
  _cleanup_free_ char *scheme = read_token (&p);
  if (scheme == NULL || (*p != '\0' && *p != ' ' && *p != '\t'))
    return sv_err_make (err, EINVAL, "WWW-Authenticate: no auth scheme in `%s`", header);
  for (char *s = scheme; *s; s++)
    *s = (char)tolower ((unsigned char)*s);
  struct sv_auth_challenge *c = xmalloc0 (sizeof *c);
  c->scheme = steal_pointer (&scheme);
  if (read_params (p, c, err) < 0)
    {
      sv_auth_challenge_free (c);
      return -1;
    }
  *out = c;
  return 0;
}

char *
sv_auth_basic_encode (const char *username, const char *password)
{
  _cleanup_free_ char *plain = xasprintf ("%s:%s", username, password);
  size_t n = strlen (plain);
  char *out = xmalloc (4 * ((n + 2) / 3) + 1);
  EVP_EncodeBlock ((unsigned char *)out, (const unsigned char *)plain, (int)n);
  return out;
}

int
sv_auth_basic_decode (const char *auth, char **username, char **password, struct sv_err **err)
{
  size_t n = strlen (auth);
  if (n == 0 || n % 4 != 0)
    return sv_err_make (err, EINVAL, "credentials are not base64(user:password)");
  _cleanup_free_ char *plain = xmalloc (n / 4 * 3 + 1);
  int len = EVP_DecodeBlock ((unsigned char *)plain, (const unsigned char *)auth, (int)n);
  if (len < 0)
    return sv_err_make (err, EINVAL, "credentials are not base64(user:password)");
  /* EVP_DecodeBlock counts the padding as zero bytes. */
  for (const char *e = auth + n - 1; e > auth && *e == '='; e--)
    len--;
  plain[len] = '\0';
  char *colon = memchr (plain, ':', (size_t)len);
  if (colon == NULL || strlen (plain) != (size_t)len)
    return sv_err_make (err, EINVAL, "credentials are not base64(user:password)");
  *username = xstrndup (plain, (size_t)(colon - plain));
  *password = xstrdup (colon + 1);
  return 0;
}

struct membuf
{
  char *data;
  size_t len;
};

static size_t
membuf_write (char *ptr, size_t size, size_t nmemb, void *userdata)
{
  struct membuf *b = userdata;
  size_t n = size * nmemb;
  if (b->len + n > TOKEN_MAX_BYTES)
    return 0;
  b->data = xrealloc (b->data, b->len + n + 1);
  memcpy (b->data + b->len, ptr, n);
  b->len += n;
  b->data[b->len] = '\0';
  return n;
}

static char *
token_url (CURL *h, const struct sv_auth_challenge *c, const char *scope)
{
  _cleanup_free_ char *url = xstrdup (c->realm);
  const char *sep = strchr (url, '?') ? "&" : "?";
  if (c->service)
    {
      char *esc = curl_easy_escape (h, c->service, 0);
      char *next = xasprintf ("%s%sservice=%s", url, sep, esc);
      curl_free (esc);
      free (url);
      url = next;
      sep = "&";
    }
  if (scope)
    {
      char *esc = curl_easy_escape (h, scope, 0);
      char *next = xasprintf ("%s%sscope=%s", url, sep, esc);
      curl_free (esc);
      free (url);
      url = next;
    }
  return steal_pointer (&url);
}

/* The token (or access_token) of a token-server response. */
static int
token_from_body (const struct membuf *b, char **out, struct sv_err **err)
{
  _cleanup_json_ json_t *j = NULL;
  if (sv_json_load_buffer (b->data ? b->data : "", b->len, "token response", &j, err) < 0)
    return -1;
  const char *tok = NULL;
  if (sv_json_get_string (j, "token response", "token", &tok, err) < 0)
    return -1;
  if ((tok == NULL || *tok == '\0')
      && sv_json_get_string (j, "token response", "access_token", &tok, err) < 0)
    return -1;
  if (tok == NULL || *tok == '\0')
    return sv_err_make (err, EPROTO, "token response has no token");
  *out = xstrdup (tok);
  return 0;
}

static void
token_request_setup (CURL *h, const char *url, const char *username, const char *password,
                     bool tls_skip_verify, struct membuf *b)
{
  curl_easy_setopt (h, CURLOPT_URL, url);
  curl_easy_setopt (h, CURLOPT_WRITEFUNCTION, membuf_write);
  curl_easy_setopt (h, CURLOPT_WRITEDATA, b);
  curl_easy_setopt (h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (h, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt (h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (h, CURLOPT_USERAGENT, "servin");
  if (tls_skip_verify)
    {
      curl_easy_setopt (h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  if (username && password)
    {
      curl_easy_setopt (h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
      curl_easy_setopt (h, CURLOPT_USERNAME, username);
      curl_easy_setopt (h, CURLOPT_PASSWORD, password);
    }
}

static int
fetch_token (const struct sv_auth_challenge *c, const char *scope, const char *username,
             const char *password, bool tls_skip_verify, char **out, struct sv_err **err)
{
  if (c->realm == NULL
      || (strncmp (c->realm, "https://", 8) != 0 && strncmp (c->realm, "http://", 7) != 0))
    return sv_err_make (err, EPROTO, "bearer challenge has no http(s) realm");
  CURL *h = curl_easy_init ();
  if (h == NULL)
    return sv_err_make (err, ENOMEM, "curl_easy_init failed");
  struct membuf b = { 0 };
  _cleanup_free_ char *url = token_url (h, c, scope);
  token_request_setup (h, url, username, password, tls_skip_verify, &b);
  CURLcode rc = curl_easy_perform (h);
  long status = 0;
  curl_easy_getinfo (h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (h);
  _cleanup_free_ char *body = b.data;
  if (rc != CURLE_OK)
    return sv_err_make (err, EIO, "fetch token from %s: %s", c->realm, curl_easy_strerror (rc));
  /* Plain: the message says it all, no ": Permission denied" after it. */
  if ((status == 401 || status == 403) && (username == NULL || password == NULL))
    return sv_err_make_plain (err, EACCES,
                              "unauthorized: authentication required (the token server %s "
                              "gives no anonymous token)",
                              c->realm);
  if (status == 401 || status == 403)
    return sv_err_make_plain (
        err, EACCES, "unauthorized: the token server %s refused the credentials", c->realm);
  if (status != 200)
    return sv_err_make (err, EPROTO, "fetch token from %s: HTTP %ld", c->realm, status);
  return token_from_body (&b, out, err);
}

int
sv_auth_answer (const struct sv_auth_challenge *c, const char *scope, const char *username,
                const char *password, bool tls_skip_verify, char **out, struct sv_err **err)
{
  if (strcmp (c->scheme, "basic") == 0)
    {
      if (username == NULL || password == NULL)
        return sv_err_make_plain (err, EACCES, "unauthorized: authentication required");
      _cleanup_free_ char *b64 = sv_auth_basic_encode (username, password);
      *out = xasprintf ("Basic %s", b64);
      return 0;
    }
  if (strcmp (c->scheme, "bearer") == 0)
    {
      _cleanup_free_ char *token = NULL;
      if (fetch_token (c, scope ? scope : c->scope, username, password, tls_skip_verify, &token,
                       err)
          < 0)
        return -1;
      *out = xasprintf ("Bearer %s", token);
      return 0;
    }
  return sv_err_make (err, ENOTSUP, "unsupported auth scheme `%s`", c->scheme);
}

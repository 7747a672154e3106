#include "digest.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

struct algo_info
{
  const char *name;
  size_t hex_len;
  const EVP_MD *(*md) (void);
};

/* Indexed by enum sv_digest_algo. */
static const struct algo_info algos[] = {
  [SV_DIGEST_SHA256] = { "sha256", 64, EVP_sha256 },
  [SV_DIGEST_SHA512] = { "sha512", 128, EVP_sha512 },
};

#define N_ALGOS (sizeof algos / sizeof algos[0])

struct sv_hasher
{
  EVP_MD_CTX *ctx;
  enum sv_digest_algo algo;
  bool done;
};

const char *
sv_digest_algo_name (enum sv_digest_algo algo)
{
  return algos[algo].name;
}

static int
find_algo (const char *name, size_t len)
{
  for (size_t i = 0; i < N_ALGOS; i++)
    if (strlen (algos[i].name) == len && memcmp (algos[i].name, name, len) == 0)
      return (int)i;
  return -1;
}

/* The go-digest grammar for an algorithm: components of [a-z0-9] joined by
 * one of "+._-".  Used only to tell "malformed" from "unsupported". */
static bool
algo_well_formed (const char *s, size_t len)
{
  if (len == 0)
    return false;
  for (size_t i = 0; i < len; i++)
    {
      bool alnum = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9');
      bool sep = strchr ("+._-", s[i]) != NULL;
      if (!alnum && !(sep && i > 0 && i + 1 < len && !strchr ("+._-", s[i - 1])))
        return false;
    }
  return true;
}

static int
check_hex (const char *digest, const char *hex, size_t want, struct sv_err **err)
{
  size_t len = strlen (hex);
  for (size_t i = 0; i < len; i++)
    {
      char c = hex[i];
      if (c >= 'A' && c <= 'F')
        return sv_err_make (err, EINVAL, "invalid digest \"%s\": hex must be lowercase", digest);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
        return sv_err_make (err, EINVAL, "invalid digest \"%s\": '%c' is not a hex digit", digest,
                            c);
    }
  if (len != want)
    return sv_err_make (err, EINVAL, "invalid digest \"%s\": expected %zu hex characters, got %zu",
                        digest, want, len);
  return 0;
}

int
sv_digest_parse (const char *digest, const char **hex, struct sv_err **err)
{
  if (digest == NULL || *digest == '\0')
    return sv_err_make (err, EINVAL, "invalid digest: empty");
  const char *colon = strchr (digest, ':');
  if (colon == NULL)
    return sv_err_make (err, EINVAL, "invalid digest \"%s\": expected ALGORITHM:HEX", digest);
  size_t alen = (size_t)(colon - digest);
  int algo = find_algo (digest, alen);
  if (algo < 0 && algo_well_formed (digest, alen))
    return sv_err_make (err, ENOTSUP, "unsupported digest algorithm \"%.*s\" in \"%s\"", (int)alen,
                        digest, digest);
  if (algo < 0)
    return sv_err_make (err, EINVAL, "invalid digest \"%s\": malformed algorithm", digest);
  int ret = check_hex (digest, colon + 1, algos[algo].hex_len, err);
  if (ret < 0)
    return ret;
  if (hex)
    *hex = colon + 1;
  return algo;
}

int
sv_digest_validate (const char *digest, struct sv_err **err)
{
  int ret = sv_digest_parse (digest, NULL, err);
  return ret < 0 ? ret : 0;
}

bool
sv_digest_equal (const char *a, const char *b)
{
  if (a == NULL || b == NULL)
    return false;
  size_t la = strlen (a), lb = strlen (b);
  if (la != lb)
    return false;
  return CRYPTO_memcmp (a, b, la) == 0;
}

int
sv_digest_verify (const char *expected, const char *actual, struct sv_err **err)
{
  if (sv_digest_equal (expected, actual))
    return 0;
  return sv_err_make_plain (err, EBADMSG, "digest mismatch: expected %s, got %s",
                            expected ? expected : "(none)", actual ? actual : "(none)");
}

int
sv_hasher_new (enum sv_digest_algo algo, struct sv_hasher **out, struct sv_err **err)
{
  if ((size_t)algo >= N_ALGOS)
    return sv_err_make (err, EINVAL, "unknown digest algorithm %d", (int)algo);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  if (ctx == NULL)
    return sv_err_make (err, ENOMEM, "EVP_MD_CTX_new");
  if (EVP_DigestInit_ex (ctx, algos[algo].md (), NULL) != 1)
    {
      EVP_MD_CTX_free (ctx);
      return sv_err_make (err, EIO, "%s: cannot initialise the OpenSSL digest", algos[algo].name);
    }
  struct sv_hasher *h = xmalloc0 (sizeof *h);
  h->ctx = ctx;
  h->algo = algo;
  *out = h;
  return 0;
}

int
sv_hasher_update (struct sv_hasher *h, const void *data, size_t len, struct sv_err **err)
{
  if (h->done)
    return sv_err_make (err, EINVAL, "hasher already finalised");
  if (EVP_DigestUpdate (h->ctx, data, len) != 1)
    return sv_err_make (err, EIO, "%s: digest update failed", algos[h->algo].name);
  return 0;
}

int
sv_hasher_final (struct sv_hasher *h, char **out, struct sv_err **err)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (h->done)
    return sv_err_make (err, EINVAL, "hasher already finalised");
  if (EVP_DigestFinal_ex (h->ctx, md, &n) != 1)
    return sv_err_make (err, EIO, "%s: digest final failed", algos[h->algo].name);
  h->done = true;
  static const char xd[] = "0123456789abcdef";
  const char *name = algos[h->algo].name;
  size_t nlen = strlen (name);
  char *s = xmalloc (nlen + 1 + 2 * (size_t)n + 1);
  memcpy (s, name, nlen);
  s[nlen] = ':';
  for (unsigned int i = 0; i < n; i++)
    {
      s[nlen + 1 + 2 * i] = xd[md[i] >> 4];
      s[nlen + 2 + 2 * i] = xd[md[i] & 0xf];
    }
  s[nlen + 1 + 2 * n] = '\0';
  *out = s;
  return 0;
}

void
sv_hasher_free (struct sv_hasher *h)
{
  if (h == NULL)
    return;
  EVP_MD_CTX_free (h->ctx);
  free (h);
}

int
sv_digest_buffer (enum sv_digest_algo algo, const void *data, size_t len, char **out,
                  struct sv_err **err)
{
  _cleanup_hasher_ struct sv_hasher *h = NULL;
  int ret = sv_hasher_new (algo, &h, err);
  if (ret < 0)
    return ret;
  ret = sv_hasher_update (h, data, len, err);
  if (ret < 0)
    return ret;
  return sv_hasher_final (h, out, err);
}

int
sv_digest_file_at (int dirfd, const char *path, enum sv_digest_algo algo, char **out,
                   struct sv_err **err)
{
  _cleanup_close_ int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return sv_err_errno (err, "open `%s`", path);
  _cleanup_hasher_ struct sv_hasher *h = NULL;
  int ret = sv_hasher_new (algo, &h, err);
  if (ret < 0)
    return ret;
  char buf[65536];
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return sv_err_errno (err, "read `%s`", path);
      if (n == 0)
        break;
      ret = sv_hasher_update (h, buf, (size_t)n, err);
      if (ret < 0)
        return ret;
    }
  return sv_hasher_final (h, out, err);
}

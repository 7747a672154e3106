/* Content digests ("sha256:<hex>") and a streaming hasher over OpenSSL EVP.
 *
 * A digest string is ALGORITHM ":" HEX where HEX is lowercase and exactly as
 * long as the algorithm's output.  sha256 and sha512 are accepted (the two
 * algorithms the OCI image spec registers); anything else is refused with
 * "unsupported digest algorithm".  New content is always hashed with sha256. */
#ifndef SV_IMAGE_DIGEST_H
#define SV_IMAGE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

enum sv_digest_algo
{
  SV_DIGEST_SHA256,
  SV_DIGEST_SHA512,
};

/* Parse DIGEST.  Returns the algorithm (>= 0) and, when HEX is not NULL,
 * points *HEX at the hex part inside DIGEST; < 0 with *err set when DIGEST
 * is malformed or uses an unsupported algorithm. */
int sv_digest_parse (const char *digest, const char **hex, struct sv_err **err);
/* 0 when DIGEST is valid, < 0 with *err set otherwise. */
int sv_digest_validate (const char *digest, struct sv_err **err);
/* "sha256" / "sha512". */
const char *sv_digest_algo_name (enum sv_digest_algo algo);

/* Compare two digest strings in time independent of where they differ
 * (the lengths are not secret).  NULL equals nothing. */
bool sv_digest_equal (const char *a, const char *b);
/* 0 when ACTUAL equals EXPECTED, else < 0 with "digest mismatch: expected
 * EXPECTED, got ACTUAL" (code EBADMSG). */
int sv_digest_verify (const char *expected, const char *actual, struct sv_err **err);

struct sv_hasher;

/* A hasher for ALGO; free with sv_hasher_free. */
int sv_hasher_new (enum sv_digest_algo algo, struct sv_hasher **out, struct sv_err **err);
int sv_hasher_update (struct sv_hasher *h, const void *data, size_t len, struct sv_err **err);
/* The digest string of everything fed so far ("sha256:..."), owned by the
 * caller.  The hasher cannot be updated afterwards. */
int sv_hasher_final (struct sv_hasher *h, char **out, struct sv_err **err);
void sv_hasher_free (struct sv_hasher *h);

static inline void
sv_hasher_freep (struct sv_hasher **h)
{
  sv_hasher_free (*h);
}
#define _cleanup_hasher_ __attribute__ ((cleanup (sv_hasher_freep)))

/* One-shot digest of a buffer; *out owned by the caller. */
int sv_digest_buffer (enum sv_digest_algo algo, const void *data, size_t len, char **out,
                      struct sv_err **err);
/* Digest of the file PATH under DIRFD (AT_FDCWD allowed), read in chunks. */
int sv_digest_file_at (int dirfd, const char *path, enum sv_digest_algo algo, char **out,
                       struct sv_err **err);

#endif

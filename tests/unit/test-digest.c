/* Unit tests for image/digest.c: digest strings and the streaming hasher. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/digest.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#define EMPTY_SHA256 "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC_SHA256 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define MILLION_A_SHA256 "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
#define ABC_SHA512                                                                                 \
  "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c2" \
  "3a3feebbd454d4423643ce80e2a9ac94fa54ca49f"

static void
assert_digest_of (enum sv_digest_algo algo, const char *data, size_t len, const char *expected)
{
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_free_ char *d = NULL;
  assert_int_equal (sv_digest_buffer (algo, data, len, &d, &err), 0);
  assert_string_equal (d, expected);
}

/* FIPS 180-2 vectors. */
static void
test_known_vectors (void **state)
{
  assert_digest_of (SV_DIGEST_SHA256, "", 0, EMPTY_SHA256);
  assert_digest_of (SV_DIGEST_SHA256, "abc", 3, ABC_SHA256);
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  assert_digest_of (SV_DIGEST_SHA256, two, strlen (two),
                    "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  assert_digest_of (SV_DIGEST_SHA512, "abc", 3, ABC_SHA512);
}

/* Feeding a million 'a' in odd-sized chunks gives the one-shot digest. */
static void
test_streaming_equals_oneshot (void **state)
{
  size_t total = 1000000;
  _cleanup_free_ char *buf = xmalloc (total);
  memset (buf, 'a', total);
  assert_digest_of (SV_DIGEST_SHA256, buf, total, MILLION_A_SHA256);

  static const size_t chunks[] = { 1, 7, 63, 64, 65, 4096, 100003 };
  for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++)
    {
      _cleanup_err_ struct sv_err *err = NULL;
      _cleanup_hasher_ struct sv_hasher *h = NULL;
      assert_int_equal (sv_hasher_new (SV_DIGEST_SHA256, &h, &err), 0);
      for (size_t off = 0; off < total; off += chunks[c])
        {
          size_t n = total - off < chunks[c] ? total - off : chunks[c];
          assert_int_equal (sv_hasher_update (h, buf + off, n, &err), 0);
        }
      _cleanup_free_ char *d = NULL;
      assert_int_equal (sv_hasher_final (h, &d, &err), 0);
      assert_string_equal (d, MILLION_A_SHA256);
      /* A finalised hasher refuses more input rather than hashing garbage. */
      assert_true (sv_hasher_update (h, "x", 1, &err) < 0);
      assert_non_null (strstr (err->msg, "finalised"));
    }
}

static void
test_parse_valid (void **state)
{
  _cleanup_err_ struct sv_err *err = NULL;
  const char *hex = NULL;
  assert_int_equal (sv_digest_parse (ABC_SHA256, &hex, &err), SV_DIGEST_SHA256);
  assert_string_equal (hex, &ABC_SHA256[strlen ("sha256:")]);
  assert_int_equal (sv_digest_parse (ABC_SHA512, &hex, &err), SV_DIGEST_SHA512);
  assert_int_equal (sv_digest_validate (EMPTY_SHA256, &err), 0);
  assert_null (err);
  assert_string_equal (sv_digest_algo_name (SV_DIGEST_SHA256), "sha256");
}

struct bad_case
{
  const char *digest;
  const char *expected;
  int code;
};

static const struct bad_case bad_cases[] = {
  { "", "empty", EINVAL },
  { "sha256", "expected ALGORITHM:HEX", EINVAL },
  { "sha256:", "expected 64 hex characters, got 0", EINVAL },
  { "sha256:abc", "expected 64 hex characters, got 3", EINVAL },
  { "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
    "expected 64 hex characters, got 65", EINVAL },
  { "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "must be lowercase",
    EINVAL },
  { "sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "not a hex digit",
    EINVAL },
  { "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "expected 128 hex characters, got 64", EINVAL },
  { "md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported digest algorithm \"md5\"", ENOTSUP },
  { "sha384:38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f"
    "14898b95b",
    "unsupported digest algorithm \"sha384\"", ENOTSUP },
  { "SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "malformed algorithm", EINVAL },
  { ":e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "malformed algorithm",
    EINVAL },
};

static void
test_parse_invalid (void **state)
{
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
    {
      const struct bad_case *c = &bad_cases[i];
      _cleanup_err_ struct sv_err *err = NULL;
      const char *hex = "untouched";
      assert_true (sv_digest_parse (c->digest, &hex, &err) < 0);
      assert_non_null (err);
      if (strstr (err->msg, c->expected) == NULL || err->code != c->code)
        fail_msg ("%s: got \"%s\" (code %d), want \"%s\"", c->digest, err->msg, err->code,
                  c->expected);
      assert_string_equal (hex, "untouched");
    }
}

static void
test_equal_and_verify (void **state)
{
  assert_true (sv_digest_equal (ABC_SHA256, ABC_SHA256));
  assert_false (sv_digest_equal (ABC_SHA256, EMPTY_SHA256));
  assert_false (sv_digest_equal (ABC_SHA256, "sha256:ba78"));
  assert_false (sv_digest_equal (NULL, ABC_SHA256));
  assert_false (sv_digest_equal (NULL, NULL));

  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_digest_verify (ABC_SHA256, ABC_SHA256, &err), 0);
  assert_null (err);
  assert_int_equal (sv_digest_verify (ABC_SHA256, EMPTY_SHA256, &err), -EBADMSG);
  assert_string_equal (err->msg, "digest mismatch: expected " ABC_SHA256 ", got " EMPTY_SHA256);
}

static void
test_file (void **state)
{
  char path[] = "/tmp/test-digest-XXXXXX";
  int fd = mkstemp (path);
  assert_true (fd >= 0);
  assert_int_equal (write (fd, "abc", 3), 3);
  close (fd);

  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_free_ char *d = NULL;
  assert_int_equal (sv_digest_file_at (AT_FDCWD, path, SV_DIGEST_SHA256, &d, &err), 0);
  assert_string_equal (d, ABC_SHA256);
  unlink (path);

  _cleanup_free_ char *d2 = NULL;
  assert_int_equal (sv_digest_file_at (AT_FDCWD, path, SV_DIGEST_SHA256, &d2, &err), -ENOENT);
  assert_null (d2);
  assert_non_null (strstr (err->msg, path));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_known_vectors),    cmocka_unit_test (test_streaming_equals_oneshot),
    cmocka_unit_test (test_parse_valid),      cmocka_unit_test (test_parse_invalid),
    cmocka_unit_test (test_equal_and_verify), cmocka_unit_test (test_file),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}

/* Unit tests for image/registry-auth.c: WWW-Authenticate challenges and
 * Basic credentials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/registry.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static struct sv_auth_challenge *
parse_ok (const char *header)
{
  _cleanup_err_ struct sv_err *err = NULL;
  struct sv_auth_challenge *c = NULL;
  int ret = sv_auth_challenge_parse (header, &c, &err);
  if (ret < 0)
    fail_msg ("parse `%s` failed: %s", header, err->msg);
  assert_non_null (c);
  return c;
}

static void
parse_fails (const char *header)
{
  _cleanup_err_ struct sv_err *err = NULL;
  struct sv_auth_challenge *c = NULL;
  assert_true (sv_auth_challenge_parse (header, &c, &err) < 0);
  assert_null (c);
  assert_non_null (err);
  assert_int_equal (err->code, EINVAL);
  assert_non_null (strstr (err->msg, "WWW-Authenticate"));
}

/* What Docker Hub sends. */
static void
test_bearer_all_params (void **state)
{
  _cleanup_challenge_ struct sv_auth_challenge *c
      = parse_ok ("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                  "scope=\"repository:library/busybox:pull\"");
  assert_string_equal (c->scheme, "bearer");
  assert_string_equal (c->realm, "https://auth.docker.io/token");
  assert_string_equal (c->service, "registry.docker.io");
  assert_string_equal (c->scope, "repository:library/busybox:pull");
}

static void
test_basic (void **state)
{
  _cleanup_challenge_ struct sv_auth_challenge *c = parse_ok ("Basic realm=\"servin-test\"");
  assert_string_equal (c->scheme, "basic");
  assert_string_equal (c->realm, "servin-test");
  assert_null (c->service);
  assert_null (c->scope);

  _cleanup_challenge_ struct sv_auth_challenge *bare = parse_ok ("basic");
  assert_string_equal (bare->scheme, "basic");
  assert_null (bare->realm);
}

/* A push scope has a comma inside the quotes; escapes are undone. */
static void
test_quoted_commas_and_escapes (void **state)
{
  _cleanup_challenge_ struct sv_auth_challenge *c
      = parse_ok ("BEARER  realm = \"http://127.0.0.1:1/t\" ,  scope=\"repository:a/b:pull,push\","
                  "service=\"say \\\"hi\\\"\"");
  assert_string_equal (c->scheme, "bearer");
  assert_string_equal (c->realm, "http://127.0.0.1:1/t");
  assert_string_equal (c->scope, "repository:a/b:pull,push");
  assert_string_equal (c->service, "say \"hi\"");
}

/* Unquoted token values, unknown and repeated keys, case-insensitive keys. */
static void
test_tokens_unknown_and_repeated (void **state)
{
  _cleanup_challenge_ struct sv_auth_challenge *c
      = parse_ok ("Bearer REALM=\"https://a/token\",error=insufficient_scope,service=reg.io,"
                  "realm=\"https://ignored\"");
  assert_string_equal (c->realm, "https://a/token");
  assert_string_equal (c->service, "reg.io");
  assert_null (c->scope);
}

/* A second challenge ends the first. */
static void
test_second_challenge (void **state)
{
  _cleanup_challenge_ struct sv_auth_challenge *c
      = parse_ok ("Basic realm=\"one\", Bearer realm=\"https://two\"");
  assert_string_equal (c->scheme, "basic");
  assert_string_equal (c->realm, "one");
}

static void
test_garbage (void **state)
{
  parse_fails ("");
  parse_fails ("   ");
  parse_fails ("=realm");
  parse_fails ("\"Bearer\"");
  parse_fails ("Bearer realm=\"unterminated");
  parse_fails ("Bearer realm=");
  parse_fails ("Bearer realm=\"a\" service=\"b\"");
  parse_fails ("Bearer realm=\"a\",,");
  parse_fails ("Bearer; realm=x");
}

static void
test_basic_roundtrip (void **state)
{
  _cleanup_free_ char *b = sv_auth_basic_encode ("user", "p:a:ss");
  assert_string_equal (b, "dXNlcjpwOmE6c3M=");
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_free_ char *u = NULL, *p = NULL;
  assert_int_equal (sv_auth_basic_decode (b, &u, &p, &err), 0);
  assert_string_equal (u, "user");
  assert_string_equal (p, "p:a:ss");

  /* Every padding length. */
  static const char *const users[] = { "a", "ab", "abc" };
  for (size_t i = 0; i < 3; i++)
    {
      _cleanup_free_ char *e = sv_auth_basic_encode (users[i], "x");
      _cleanup_free_ char *u2 = NULL, *p2 = NULL;
      assert_int_equal (sv_auth_basic_decode (e, &u2, &p2, &err), 0);
      assert_string_equal (u2, users[i]);
      assert_string_equal (p2, "x");
    }
}

static void
test_basic_decode_invalid (void **state)
{
  static const char *const bad[] = { "", "abc", "!!!!", "dXNlcg==" /* "user": no colon */ };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      _cleanup_err_ struct sv_err *err = NULL;
      char *u = NULL, *p = NULL;
      assert_true (sv_auth_basic_decode (bad[i], &u, &p, &err) < 0);
      assert_null (u);
      assert_null (p);
      assert_int_equal (err->code, EINVAL);
    }
}

/* Basic needs credentials; unknown schemes are refused. */
static void
test_answer_without_network (void **state)
{
  _cleanup_challenge_ struct sv_auth_challenge *basic = parse_ok ("Basic realm=\"r\"");
  _cleanup_free_ char *out = NULL;
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_auth_answer (basic, NULL, "user", "pass", false, &out, &err), 0);
  assert_string_equal (out, "Basic dXNlcjpwYXNz");

  char *none = NULL;
  assert_true (sv_auth_answer (basic, NULL, NULL, NULL, false, &none, &err) < 0);
  assert_null (none);
  assert_int_equal (err->code, EACCES);
  sv_err_free (&err);

  _cleanup_challenge_ struct sv_auth_challenge *odd = parse_ok ("Negotiate");
  assert_true (sv_auth_answer (odd, NULL, "u", "p", false, &none, &err) < 0);
  assert_null (none);
  sv_err_free (&err);

  /* A bearer challenge whose realm is not http(s) is refused before any request. */
  _cleanup_challenge_ struct sv_auth_challenge *bad
      = parse_ok ("Bearer realm=\"file:///etc/passwd\"");
  assert_true (sv_auth_answer (bad, NULL, "u", "p", false, &none, &err) < 0);
  assert_null (none);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_bearer_all_params),
    cmocka_unit_test (test_basic),
    cmocka_unit_test (test_quoted_commas_and_escapes),
    cmocka_unit_test (test_tokens_unknown_and_repeated),
    cmocka_unit_test (test_second_challenge),
    cmocka_unit_test (test_garbage),
    cmocka_unit_test (test_basic_roundtrip),
    cmocka_unit_test (test_basic_decode_invalid),
    cmocka_unit_test (test_answer_without_network),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}

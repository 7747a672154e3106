/* Unit tests for image/reference.c.  Most cases come from distribution's
 * reference_test.go and normalize_test.go. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "image/reference.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#define H64 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define D64 "sha256:" H64
#define D128 "sha512:" H64 H64

struct ref_case
{
  const char *input;
  const char *full;     /* sv_ref_string, NULL when parsing must fail */
  const char *familiar; /* sv_ref_familiar, NULL to skip */
  const char *error;    /* substring of the error */
};

static const struct ref_case cases[] = {
  /* Docker Hub normalisation. */
  { "busybox", "docker.io/library/busybox:latest", "busybox:latest", NULL },
  { "user/app", "docker.io/user/app:latest", "user/app:latest", NULL },
  { "library/debian", "docker.io/library/debian:latest", "debian:latest", NULL },
  { "docker.io/debian", "docker.io/library/debian:latest", "debian:latest", NULL },
  { "docker.io/docker/docker", "docker.io/docker/docker:latest", "docker/docker:latest", NULL },
  { "index.docker.io/debian", "docker.io/library/debian:latest", "debian:latest", NULL },
  { "index.docker.io/library/debian:12", "docker.io/library/debian:12", "debian:12", NULL },
  { "docker.io/library/a/b", "docker.io/library/a/b:latest", "library/a/b:latest", NULL },
  { "docker-rules/docker", "docker.io/docker-rules/docker:latest", NULL, NULL },
  { "test_com", "docker.io/library/test_com:latest", NULL, NULL },
  { "test.com:tag", "docker.io/library/test.com:tag", "test.com:tag", NULL },
  { "test.com:5000", "docker.io/library/test.com:5000", NULL, NULL },
  { "foo_bar.com:8080", "docker.io/library/foo_bar.com:8080", NULL, NULL },
  { "foo/foo_bar.com:8080", "docker.io/foo/foo_bar.com:8080", NULL, NULL },
  { "localhost", "docker.io/library/localhost:latest", NULL, NULL },
  { "lowercase:Uppercase", "docker.io/library/lowercase:Uppercase", NULL, NULL },
  { "foo__bar", "docker.io/library/foo__bar:latest", NULL, NULL },
  { "foo---bar.baz_qux", "docker.io/library/foo---bar.baz_qux:latest", NULL, NULL },
  { "busybox@" D64, "docker.io/library/busybox@" D64, "busybox@" D64, NULL },
  /* Other registries. */
  { "localhost:5000/ns/name:tag@" D64, "localhost:5000/ns/name:tag@" D64,
    "localhost:5000/ns/name:tag@" D64, NULL },
  { "localhost/hello", "localhost/hello:latest", "localhost/hello:latest", NULL },
  { "127.0.0.1:5000/x", "127.0.0.1:5000/x:latest", NULL, NULL },
  { "127.0.0.1:5000/debian", "127.0.0.1:5000/debian:latest", NULL, NULL },
  { "192.168.1.1:5000/repo:5050", "192.168.1.1:5000/repo:5050", NULL, NULL },
  { "test.com/repo:tag", "test.com/repo:tag", NULL, NULL },
  { "test:5000/repo", "test:5000/repo:latest", NULL, NULL },
  { "test:5000/repo@" D64, "test:5000/repo@" D64, NULL, NULL },
  { "sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
    NULL, NULL },
  { "b.gcr.io/test.example.com/my-app:test.example.com",
    "b.gcr.io/test.example.com/my-app:test.example.com", NULL, NULL },
  { "xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com/myimage:xn--n3h.com", NULL, NULL },
  { "xn--7o8h.com/myimage:xn--7o8h.com@" D128, "xn--7o8h.com/myimage:xn--7o8h.com@" D128, NULL,
    NULL },
  { "[2001:db8::1]/repo", "[2001:db8::1]/repo:latest", NULL, NULL },
  { "[2001:db8::1]:5000/repo:tag", "[2001:db8::1]:5000/repo:tag", NULL, NULL },
  { "[::1]:5000/repo", "[::1]:5000/repo:latest", NULL, NULL },
  /* An uppercase first component is a host name, as distribution has it. */
  { "Foo/bar", "Foo/bar:latest", NULL, NULL },
  /* Invalid. */
  { "", NULL, NULL, "repository name must have at least one component" },
  { ":justtag", NULL, NULL, "repository name must have at least one component" },
  { "@" D64, NULL, NULL, "repository name must have at least one component" },
  { "repo@sha256:ffffffffffffffffffffffffffffffffff", NULL, NULL, "expected 64 hex characters" },
  { "validname@invaliddigest:" H64, NULL, NULL, "unsupported digest algorithm \"invaliddigest\"" },
  { "repo@sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", NULL, NULL,
    "hex must be lowercase" },
  { "repo@" D64 "@" D64, NULL, NULL, "not a hex digit" },
  { "Uppercase:tag", NULL, NULL, "invalid reference format: repository name must be lowercase" },
  { "test:5000/Uppercase/lowercase:tag", NULL, NULL, "repository name must be lowercase" },
  { "docker/Docker", NULL, NULL, "repository name must be lowercase" },
  { "docker.io/docker/Docker", NULL, NULL, "repository name must be lowercase" },
  { "aa/asdf$$^/aa", NULL, NULL, "invalid repository path component \"asdf$$^\"" },
  { "a^a", NULL, NULL, "invalid repository path component" },
  { "-docker", NULL, NULL, "invalid repository path component \"-docker\"" },
  { "-docker.io/docker/docker", NULL, NULL, "invalid domain \"-docker.io\"" },
  { "docker.io/docker///docker", NULL, NULL, "invalid repository path component \"\"" },
  { "foo___bar", NULL, NULL, "invalid repository path component" },
  { "foo.-bar", NULL, NULL, "invalid repository path component" },
  { "foo/", NULL, NULL, "invalid repository path component \"\"" },
  { "https://github.com/docker/docker", NULL, NULL, "invalid domain \"https:\"" },
  { "docker:///docker", NULL, NULL, "invalid domain" },
  { "[2001:db8::1]", NULL, NULL, "invalid tag" },
  { "[2001:db8::1]:5000", NULL, NULL, "invalid repository path component" },
  { "[fe80::1%eth0]:5000/repo", NULL, NULL, "invalid domain" },
  { "localhost:port/repo", NULL, NULL, "invalid domain \"localhost:port\"" },
  { "busybox:-tag", NULL, NULL, "invalid tag \"-tag\"" },
  { "busybox:bad tag", NULL, NULL, "invalid tag" },
  { "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", NULL, NULL,
    "cannot specify 64-byte hexadecimal strings" },
};

static void
check_case (const struct ref_case *c)
{
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_ref_ struct sv_ref *ref = NULL;
  int ret = sv_ref_parse (c->input, &ref, &err);
  if (c->full == NULL)
    {
      if (ret == 0)
        fail_msg ("\"%s\": parsed, want error \"%s\"", c->input, c->error);
      assert_null (ref);
      if (strstr (err->msg, c->error) == NULL)
        fail_msg ("\"%s\": error \"%s\", want \"%s\"", c->input, err->msg, c->error);
      return;
    }
  if (ret < 0)
    fail_msg ("\"%s\": %s", c->input, err->msg);
  _cleanup_free_ char *full = sv_ref_string (ref);
  if (strcmp (full, c->full) != 0)
    fail_msg ("\"%s\": got %s, want %s", c->input, full, c->full);
  _cleanup_free_ char *familiar = sv_ref_familiar (ref);
  if (c->familiar && strcmp (familiar, c->familiar) != 0)
    fail_msg ("\"%s\": familiar %s, want %s", c->input, familiar, c->familiar);
  /* Normalisation is idempotent: the full form parses to itself. */
  _cleanup_ref_ struct sv_ref *again = NULL;
  assert_int_equal (sv_ref_parse (full, &again, &err), 0);
  _cleanup_free_ char *full2 = sv_ref_string (again);
  assert_string_equal (full2, full);
}

static void
test_table (void **state)
{
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    check_case (&cases[i]);
}

static void
test_fields (void **state)
{
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_ref_ struct sv_ref *ref = NULL;
  assert_int_equal (sv_ref_parse ("localhost:5000/ns/name:tag@" D64, &ref, &err), 0);
  assert_string_equal (ref->domain, "localhost:5000");
  assert_string_equal (ref->path, "ns/name");
  assert_string_equal (ref->tag, "tag");
  assert_string_equal (ref->digest, D64);
  assert_string_equal (sv_ref_registry_host (ref), "localhost:5000");
  _cleanup_free_ char *name = sv_ref_name (ref);
  assert_string_equal (name, "localhost:5000/ns/name");

  _cleanup_ref_ struct sv_ref *hub = NULL;
  assert_int_equal (sv_ref_parse ("busybox", &hub, &err), 0);
  assert_string_equal (hub->domain, "docker.io");
  assert_string_equal (hub->path, "library/busybox");
  assert_string_equal (hub->tag, "latest");
  assert_null (hub->digest);
  assert_string_equal (sv_ref_registry_host (hub), "registry-1.docker.io");

  /* A digest alone does not get a default tag. */
  _cleanup_ref_ struct sv_ref *pinned = NULL;
  assert_int_equal (sv_ref_parse ("busybox@" D64, &pinned, &err), 0);
  assert_null (pinned->tag);
  assert_null (err);
}

static char *
repeat (const char *s, size_t n)
{
  size_t len = strlen (s);
  char *r = xmalloc (len * n + 1);
  for (size_t i = 0; i < n; i++)
    memcpy (r + i * len, s, len);
  r[len * n] = '\0';
  return r;
}

/* The path may be 255 characters, not 256; tags up to 128. */
static void
test_length_limits (void **state)
{
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_free_ char *a127 = repeat ("a/", 127);
  _cleanup_free_ char *ok = xasprintf ("%sa:tag-puts-this-over-max", a127);
  _cleanup_ref_ struct sv_ref *ref = NULL;
  assert_int_equal (sv_ref_parse (ok, &ref, &err), 0);
  assert_int_equal (strlen (ref->path), 255);

  _cleanup_free_ char *a128 = repeat ("a/", 128);
  _cleanup_free_ char *too_long = xasprintf ("%sa:tag", a128);
  _cleanup_ref_ struct sv_ref *bad = NULL;
  assert_true (sv_ref_parse (too_long, &bad, &err) < 0);
  assert_string_equal (err->msg,
                       "invalid reference format: repository name must not be more than 255 "
                       "characters");
  sv_err_free (&err);

  /* "library/" counts: 248 + 8 = 256. */
  _cleanup_free_ char *b248 = repeat ("b", 248);
  assert_true (sv_ref_parse (b248, &bad, &err) < 0);
  assert_non_null (strstr (err->msg, "more than 255"));
  sv_err_free (&err);

  _cleanup_free_ char *t128 = repeat ("t", 128);
  _cleanup_free_ char *tag_ok = xasprintf ("busybox:%s", t128);
  _cleanup_ref_ struct sv_ref *tagged = NULL;
  assert_int_equal (sv_ref_parse (tag_ok, &tagged, &err), 0);
  _cleanup_free_ char *tag_long = xasprintf ("busybox:%st", t128);
  assert_true (sv_ref_parse (tag_long, &bad, &err) < 0);
  assert_non_null (strstr (err->msg, "invalid tag"));
  assert_null (bad);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_table),
    cmocka_unit_test (test_fields),
    cmocka_unit_test (test_length_limits),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}

/* Unit tests for image/platform.c: parsing, normalisation and matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <stdbool.h>
#include <sys/utsname.h>

#include "image/platform.h"
#include "util/cleanup.h"

struct parse_case
{
  const char *input;
  const char *normal; /* NULL when parsing must fail */
  const char *error;
};

static const struct parse_case parse_cases[] = {
  { "linux/amd64", "linux/amd64", NULL },
  { "linux/x86_64", "linux/amd64", NULL },
  { "linux/amd64/v1", "linux/amd64", NULL },
  { "linux/amd64/v3", "linux/amd64/v3", NULL },
  { "linux/arm64", "linux/arm64/v8", NULL },
  { "linux/arm64/v8", "linux/arm64/v8", NULL },
  { "linux/aarch64", "linux/arm64/v8", NULL },
  { "linux/arm64/8", "linux/arm64/v8", NULL },
  { "linux/arm64/v8.0", "linux/arm64/v8", NULL },
  { "linux/arm64/v9", "linux/arm64/v9", NULL },
  { "linux/arm", "linux/arm/v7", NULL },
  { "linux/arm/6", "linux/arm/v6", NULL },
  { "linux/armhf", "linux/arm/v7", NULL },
  { "linux/armel", "linux/arm/v6", NULL },
  { "linux/armv7l", "linux/arm/v7", NULL },
  { "linux/i686", "linux/386", NULL },
  { "linux/ppc64le", "linux/ppc64le", NULL },
  { "linux/s390x", "linux/s390x", NULL },
  { "linux/riscv64", "linux/riscv64", NULL },
  { "Linux/AMD64", "linux/amd64", NULL },
  { "windows/amd64", "windows/amd64", NULL },
  { "arm64", "linux/arm64/v8", NULL },
  { "", NULL, "bad component \"\"" },
  { "linux/", NULL, "bad component \"\"" },
  { "/amd64", NULL, "bad component \"\"" },
  { "linux/amd64/v3/extra", NULL, "expected OS/ARCH[/VARIANT]" },
  { "linux/am d64", NULL, "bad component" },
  { "linux/sparc", NULL, "unknown architecture \"sparc\"" },
  { "plan10/amd64", NULL, "unknown operating system \"plan10\"" },
  { "notanarch", NULL, "unknown architecture \"notanarch\"" },
};

static void
test_parse (void **state)
{
  for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++)
    {
      const struct parse_case *c = &parse_cases[i];
      _cleanup_err_ struct sv_err *err = NULL;
      _cleanup_platform_ struct sv_platform *p = NULL;
      int ret = sv_platform_parse (c->input, &p, &err);
      if (c->normal == NULL)
        {
          if (ret == 0 || strstr (err->msg, c->error) == NULL)
            fail_msg ("\"%s\": want error \"%s\", got %s", c->input, c->error,
                      ret == 0 ? "success" : err->msg);
          assert_null (p);
          continue;
        }
      if (ret < 0)
        fail_msg ("\"%s\": %s", c->input, err->msg);
      _cleanup_free_ char *s = sv_platform_string (p);
      if (strcmp (s, c->normal) != 0)
        fail_msg ("\"%s\": got %s, want %s", c->input, s, c->normal);
    }
}

/* A lone OS takes the host's architecture. */
static void
test_parse_os_only (void **state)
{
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_platform_ struct sv_platform *host = NULL, *p = NULL;
  assert_int_equal (sv_platform_host (&host, &err), 0);
  assert_int_equal (sv_platform_parse ("linux", &p, &err), 0);
  assert_string_equal (p->os, "linux");
  assert_string_equal (p->arch, host->arch);
}

static void
test_host (void **state)
{
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_platform_ struct sv_platform *host = NULL;
  assert_int_equal (sv_platform_host (&host, &err), 0);
  assert_string_equal (host->os, "linux");
  struct utsname u;
  assert_int_equal (uname (&u), 0);
  if (strcmp (u.machine, "x86_64") == 0)
    {
      assert_string_equal (host->arch, "amd64");
      assert_null (host->variant);
    }
  else if (strcmp (u.machine, "aarch64") == 0)
    {
      assert_string_equal (host->arch, "arm64");
      assert_string_equal (host->variant, "v8");
    }
  /* The host always serves itself. */
  assert_true (sv_platform_match (host, host) > 0);
}

struct match_case
{
  const char *wanted;
  const char *os, *arch, *variant; /* as written in an index */
  bool matches;
};

static const struct match_case match_cases[] = {
  { "linux/amd64", "linux", "amd64", NULL, true },
  { "linux/amd64", "linux", "x86_64", NULL, true },
  { "linux/amd64", "linux", "amd64", "v1", true },
  { "linux/amd64", "linux", "amd64", "v2", false },
  { "linux/amd64/v3", "linux", "amd64", "v2", true },
  { "linux/amd64/v3", "linux", "amd64", NULL, true },
  { "linux/amd64", "windows", "amd64", NULL, false },
  { "linux/amd64", "linux", "arm64", NULL, false },
  { "linux/amd64", "linux", "386", NULL, false },
  { "linux/arm64", "linux", "arm64", NULL, true },
  { "linux/arm64", "linux", "arm64", "v8", true },
  { "linux/arm64/v8", "linux", "arm64", NULL, true },
  { "linux/arm64/v8", "linux", "aarch64", "", true },
  { "linux/arm64/v8", "linux", "arm64", "v9", false },
  { "linux/arm64/v9", "linux", "arm64", "v8", true },
  { "linux/arm64", "linux", "arm", "v7", true },
  { "linux/arm/v7", "linux", "arm", "v6", true },
  { "linux/arm/v7", "linux", "arm", NULL, true },
  { "linux/arm/v6", "linux", "arm", "v7", false },
  { "linux/arm/v7", "linux", "arm64", "v8", false },
  { "linux/ppc64le", "linux", "ppc64le", NULL, true },
  { "linux/s390x", "linux", "ppc64le", NULL, false },
};

static void
test_match (void **state)
{
  for (size_t i = 0; i < sizeof match_cases / sizeof match_cases[0]; i++)
    {
      const struct match_case *c = &match_cases[i];
      _cleanup_err_ struct sv_err *err = NULL;
      _cleanup_platform_ struct sv_platform *w = NULL;
      assert_int_equal (sv_platform_parse (c->wanted, &w, &err), 0);
      struct sv_platform have = { (char *)c->os, (char *)c->arch, (char *)c->variant };
      bool got = sv_platform_match (w, &have) > 0;
      if (got != c->matches)
        fail_msg ("want %s, have %s/%s/%s: got %d", c->wanted, c->os, c->arch,
                  c->variant ? c->variant : "", got);
    }
}

/* Exact beats an older variant, which beats 32-bit arm on arm64. */
static void
test_match_order (void **state)
{
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_platform_ struct sv_platform *arm64 = NULL, *amd64v3 = NULL;
  assert_int_equal (sv_platform_parse ("linux/arm64", &arm64, &err), 0);
  assert_int_equal (sv_platform_parse ("linux/amd64/v3", &amd64v3, &err), 0);
  struct sv_platform a64 = { "linux", "arm64", NULL }, a32 = { "linux", "arm", "v7" },
                     a32v6 = { "linux", "arm", "v6" };
  assert_true (sv_platform_match (arm64, &a64) > sv_platform_match (arm64, &a32));
  assert_true (sv_platform_match (arm64, &a32) > sv_platform_match (arm64, &a32v6));
  struct sv_platform v3 = { "linux", "amd64", "v3" }, v2 = { "linux", "amd64", "v2" },
                     v1 = { "linux", "amd64", NULL };
  assert_true (sv_platform_match (amd64v3, &v3) > sv_platform_match (amd64v3, &v2));
  assert_true (sv_platform_match (amd64v3, &v2) > sv_platform_match (amd64v3, &v1));
  /* Normalisation does not alter its inputs. */
  assert_null (a64.variant);
}

static void
test_new_normalises (void **state)
{
  _cleanup_platform_ struct sv_platform *p = sv_platform_new ("LINUX", "aarch64", "");
  assert_string_equal (p->os, "linux");
  assert_string_equal (p->arch, "arm64");
  assert_string_equal (p->variant, "v8");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_parse),       cmocka_unit_test (test_parse_os_only),
    cmocka_unit_test (test_host),        cmocka_unit_test (test_match),
    cmocka_unit_test (test_match_order), cmocka_unit_test (test_new_normalises),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}

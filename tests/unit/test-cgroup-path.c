/* cgroupsPath resolution, systemd slice expansion and the stored path
 * format (pure logic, no cgroupfs needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "runtime/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static char *
resolve_ok (const char *id, const char *path, bool systemd)
{
  struct sv_err *err = NULL;
  char *out = NULL;
  int ret = sv_cgroup_resolve_path (id, path, systemd, &out, &err);
  if (ret < 0)
    print_error ("unexpected error: %s\n", err->msg);
  assert_int_equal (ret, 0);
  return out;
}

static void
assert_resolves (const char *id, const char *path, bool systemd, const char *want)
{
  _cleanup_free_ char *got = resolve_ok (id, path, systemd);
  assert_string_equal (got, want);
}

static void
assert_resolve_fails (const char *id, const char *path, bool systemd, const char *msg_part)
{
  _cleanup_err_ struct sv_err *err = NULL;
  char *out = NULL;
  assert_true (sv_cgroup_resolve_path (id, path, systemd, &out, &err) < 0);
  assert_null (out);
  assert_non_null (strstr (err->msg, msg_part));
}

static void
test_default_and_absolute (void **state)
{
  assert_resolves ("abc", NULL, false, "/servin/abc");
  assert_resolves ("abc", "", false, "/servin/abc");
  assert_resolves ("abc", "/foo/bar", false, "/foo/bar");
  assert_resolves ("abc", "//foo/./bar/", false, "/foo/bar");
  assert_resolve_fails ("abc", "/foo/../../etc", false, "\"..\" is not allowed");
  assert_resolve_fails ("abc", "/", false, "root cgroup");
  assert_resolve_fails ("a/b", NULL, false, "invalid container id");
}

static void
test_relative (void **state)
{
  /* A relative path stays relative: the manager puts it under its own cgroup. */
  assert_resolves ("abc", "foo/bar", false, "foo/bar");
  assert_resolves ("abc", "./foo//bar", false, "foo/bar");
}

static void
test_slice_expansion (void **state)
{
  struct
  {
    const char *in, *out;
  } cases[] = {
    { "system.slice", "/system.slice" },
    { "machine-libpod.slice", "/machine.slice/machine-libpod.slice" },
    { "a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice" },
    { "-.slice", "" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      _cleanup_free_ char *out = NULL;
      assert_int_equal (sv_cgroup_expand_slice (cases[i].in, &out, NULL), 0);
      assert_string_equal (out, cases[i].out);
    }
  const char *bad[] = { "foo", "a--b.slice", "-a.slice", "a-.slice", ".slice", "a/b.slice" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      _cleanup_err_ struct sv_err *err = NULL;
      char *out = NULL;
      assert_true (sv_cgroup_expand_slice (bad[i], &out, &err) < 0);
      assert_non_null (strstr (err->msg, "invalid slice name"));
    }
}

static void
test_systemd_form (void **state)
{
  assert_resolves ("abc", "system.slice:libpod:abc", true, "/system.slice/libpod-abc.scope");
  assert_resolves ("abc", ":libpod:abc", true, "/system.slice/libpod-abc.scope");
  assert_resolves ("abc", "machine.slice:libpod:machine-libpod.slice", true,
                   "/machine.slice/machine-libpod.slice");
  assert_resolves ("abc", "user-1000.slice:crio:xyz", true,
                   "/user.slice/user-1000.slice/crio-xyz.scope");
  assert_resolves ("abc", "-.slice::xyz", true, "/xyz.scope");
  assert_resolves ("abc", NULL, true, "/system.slice/servin-abc.scope");
  assert_resolve_fails ("abc", "/foo/bar", true, "slice:prefix:name");
  assert_resolve_fails ("abc", "a:b:c:d", true, "slice:prefix:name");
  assert_resolve_fails ("abc", "bad:p:n", true, "invalid slice name");
}

/* A cgroup object with v1 memory and cpu hierarchies and a v2 one, as on
 * a hybrid host; OWN is this process's cgroup in memory. */
static struct sv_cgroup *
fake_hybrid (const char *own_memory)
{
  struct sv_cgroup *cg = xmalloc0 (sizeof *cg);
  cg->mode = SV_CGROUP_HYBRID;
  cg->n_dirs = 3;
  cg->dirs = xmalloc0 (3 * sizeof *cg->dirs);
  const char *ctrls[] = { "memory", "cpu,cpuacct", "" };
  const char *own[] = { own_memory, "/", "/" };
  for (int i = 0; i < 3; i++)
    {
      cg->dirs[i].backend = i < 2 ? &sv_cgroup_v1_backend : &sv_cgroup_v2_backend;
      cg->dirs[i].mount = xasprintf ("/sys/fs/cgroup/%s", i < 2 ? ctrls[i] : "unified");
      cg->dirs[i].controllers = xstrdup (ctrls[i]);
      cg->dirs[i].own = xstrdup (own[i]);
    }
  return cg;
}

static void
test_stored_uniform (void **state)
{
  struct sv_cgroup *cg = fake_hybrid ("/user.slice");
  sv_cgroup_set_paths (cg, "/servin/abc");
  _cleanup_free_ char *stored = sv_cgroup_format_stored (cg);
  assert_string_equal (stored, "/servin/abc");
  _cleanup_free_ char *file = sv_cg_dir_file (&cg->dirs[0], "memory.max_usage_in_bytes");
  assert_string_equal (file, "/sys/fs/cgroup/memory/servin/abc/memory.max_usage_in_bytes");
  assert_true (sv_cg_dir_has_v1 (&cg->dirs[1], "cpuacct"));
  assert_false (sv_cg_dir_has_v1 (&cg->dirs[1], "cpuset"));
  assert_false (sv_cg_dir_has_v1 (&cg->dirs[2], "cpu"));
  sv_cgroup_free (cg);
}

/* A relative path lands under each hierarchy's own cgroup; when those
 * differ the stored string lists every hierarchy, and parsing it back on a
 * fresh object (another process) restores every path. */
static void
test_stored_relative_roundtrip (void **state)
{
  struct sv_cgroup *cg = fake_hybrid ("/process_api/x");
  sv_cgroup_set_paths (cg, "ctr/abc");
  assert_string_equal (cg->dirs[0].path, "/process_api/x/ctr/abc");
  assert_string_equal (cg->dirs[1].path, "/ctr/abc");
  _cleanup_free_ char *stored = sv_cgroup_format_stored (cg);
  assert_string_equal (stored, "memory:/process_api/x/ctr/abc;cpu,cpuacct:/ctr/abc;:/ctr/abc");

  struct sv_cgroup *other = fake_hybrid ("/elsewhere");
  assert_int_equal (sv_cgroup_parse_stored (other, stored, NULL), 0);
  for (int i = 0; i < 3; i++)
    assert_string_equal (other->dirs[i].path, cg->dirs[i].path);
  sv_cgroup_free (other);
  sv_cgroup_free (cg);
}

static void
test_stored_garbage (void **state)
{
  struct sv_cgroup *cg = fake_hybrid ("/");
  _cleanup_err_ struct sv_err *err = NULL;
  assert_true (sv_cgroup_parse_stored (cg, "memory-no-colon", &err) < 0);
  assert_non_null (strstr (err->msg, "invalid stored cgroup path"));
  sv_err_free (&err);
  assert_true (sv_cgroup_parse_stored (cg, "memory:/a", &err) < 0);
  assert_non_null (strstr (err->msg, "no entry for `cpu,cpuacct`"));
  sv_cgroup_free (cg);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_default_and_absolute), cmocka_unit_test (test_relative),
    cmocka_unit_test (test_slice_expansion),      cmocka_unit_test (test_systemd_form),
    cmocka_unit_test (test_stored_uniform),       cmocka_unit_test (test_stored_relative_roundtrip),
    cmocka_unit_test (test_stored_garbage),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}

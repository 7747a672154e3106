/* Unit tests for runtime/mount-options.c: every option of the table maps to
 * its flags, its opposite undoes it, later options win, unknown options go
 * to the data string and unsupported ones are refused by index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "runtime/spec.h"
#include "util/cleanup.h"

/* Parse OPTS (NULL-terminated) into a zeroed mount of TYPE; fails the test on error. */
static struct sv_mount
parse (const char *type, const char *const *opts)
{
  struct sv_mount m = { .type = (char *)type };
  struct sv_err *err = NULL;
  if (sv_mount_parse_options ((char **)opts, "mounts[0].options", &m, &err) < 0)
    fail_msg ("parse failed: %s", err->msg);
  return m;
}

struct flag_case
{
  const char *set, *unset; /* an option and its opposite */
  unsigned long flag;
};

static const struct flag_case flag_cases[] = {
  { "ro", "rw", MS_RDONLY },
  { "nosuid", "suid", MS_NOSUID },
  { "nodev", "dev", MS_NODEV },
  { "noexec", "exec", MS_NOEXEC },
  { "sync", "async", MS_SYNCHRONOUS },
  { "mand", "nomand", MS_MANDLOCK },
  { "noatime", "atime", MS_NOATIME },
  { "nodiratime", "diratime", MS_NODIRATIME },
  { "relatime", "norelatime", MS_RELATIME },
  { "strictatime", "nostrictatime", MS_STRICTATIME },
  { "lazytime", "nolazytime", MS_LAZYTIME },
  { "silent", "loud", MS_SILENT },
  { "nosymfollow", "symfollow", MS_NOSYMFOLLOW },
};

static void
test_flag_round_trip (void **state)
{
  for (size_t i = 0; i < sizeof flag_cases / sizeof flag_cases[0]; i++)
    {
      const struct flag_case *c = &flag_cases[i];
      const char *on[] = { c->set, NULL };
      const char *on_off[] = { c->set, c->unset, NULL };
      const char *off_on[] = { c->unset, c->set, NULL };
      struct sv_mount m = parse (NULL, on);
      assert_int_equal (m.flags, c->flag);
      assert_null (m.data);
      assert_int_equal (parse (NULL, on_off).flags, 0);
      assert_int_equal (parse (NULL, off_on).flags, c->flag);
    }
}

static void
test_one_way_flags (void **state)
{
  const char *dirsync[] = { "dirsync", NULL };
  const char *remount[] = { "remount", NULL };
  const char *defaults[] = { "defaults", NULL };
  assert_int_equal (parse (NULL, dirsync).flags, MS_DIRSYNC);
  assert_int_equal (parse (NULL, remount).flags, MS_REMOUNT);
  struct sv_mount m = parse (NULL, defaults);
  assert_int_equal (m.flags, 0);
  assert_null (m.data);
}

static void
test_bind (void **state)
{
  const char *bind[] = { "bind", NULL };
  const char *rbind[] = { "rbind", "ro", NULL };
  const char *none[] = { NULL };
  struct sv_mount m = parse ("none", bind);
  assert_true (m.is_bind);
  assert_int_equal (m.flags, MS_BIND);
  m = parse (NULL, rbind);
  assert_true (m.is_bind);
  assert_int_equal (m.flags, MS_BIND | MS_REC | MS_RDONLY);
  m = parse ("bind", none); /* type "bind" alone is a bind mount */
  assert_true (m.is_bind);
  assert_int_equal (m.flags, MS_BIND);
  m = parse ("tmpfs", none);
  assert_false (m.is_bind);
  assert_int_equal (m.flags, 0);
  m = parse ("proc", NULL); /* no options at all */
  assert_false (m.is_bind);
}

static void
test_propagation (void **state)
{
  static const struct
  {
    const char *name;
    unsigned long prop;
  } cases[] = {
    { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
    { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
    { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
    { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      const char *opts[] = { cases[i].name, NULL };
      struct sv_mount m = parse (NULL, opts);
      assert_int_equal (m.propagation, cases[i].prop);
      assert_int_equal (m.flags, 0);
    }
  const char *last_wins[] = { "rshared", "private", NULL };
  assert_int_equal (parse (NULL, last_wins).propagation, MS_PRIVATE);
}

static void
test_recursive_attrs (void **state)
{
  static const struct
  {
    const char *set, *unset;
    uint64_t attr;
  } cases[] = {
    { "rro", "rrw", MOUNT_ATTR_RDONLY },
    { "rnosuid", "rsuid", MOUNT_ATTR_NOSUID },
    { "rnodev", "rdev", MOUNT_ATTR_NODEV },
    { "rnoexec", "rexec", MOUNT_ATTR_NOEXEC },
    { "rnodiratime", "rdiratime", MOUNT_ATTR_NODIRATIME },
    { "rnosymfollow", "rsymfollow", MOUNT_ATTR_NOSYMFOLLOW },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      const char *on[] = { cases[i].set, NULL };
      const char *on_off[] = { cases[i].set, cases[i].unset, NULL };
      struct sv_mount m = parse (NULL, on);
      assert_true (m.attr_set == cases[i].attr && m.attr_clr == 0 && m.flags == 0);
      m = parse (NULL, on_off);
      assert_true (m.attr_set == 0 && m.attr_clr == cases[i].attr);
    }
}

/* atime is an enum in mount_setattr: each change clears the whole field. */
static void
test_recursive_atime (void **state)
{
  static const struct
  {
    const char *name;
    uint64_t value;
  } cases[] = {
    { "rnoatime", MOUNT_ATTR_NOATIME },         { "ratime", MOUNT_ATTR_RELATIME },
    { "rrelatime", MOUNT_ATTR_RELATIME },       { "rnorelatime", MOUNT_ATTR_STRICTATIME },
    { "rstrictatime", MOUNT_ATTR_STRICTATIME },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      const char *opts[] = { cases[i].name, NULL };
      struct sv_mount m = parse (NULL, opts);
      assert_true (m.attr_set == cases[i].value);
      assert_true (m.attr_clr == MOUNT_ATTR__ATIME);
    }
  const char *last_wins[] = { "rnoatime", "rro", "rstrictatime", NULL };
  struct sv_mount m = parse (NULL, last_wins);
  assert_true (m.attr_set == (MOUNT_ATTR_STRICTATIME | MOUNT_ATTR_RDONLY));
  assert_true (m.attr_clr == MOUNT_ATTR__ATIME);
}

static void
test_data (void **state)
{
  const char *opts[]
      = { "nosuid", "mode=755", "", "size=65536k", "strictatime", "newinstance", NULL };
  struct sv_mount m = parse ("tmpfs", opts);
  assert_string_equal (m.data, "mode=755,size=65536k,newinstance");
  assert_int_equal (m.flags, MS_NOSUID | MS_STRICTATIME);
  free (m.data);

  /* An earlier data string is replaced, not leaked or appended to. */
  const char *one[] = { "uid=5", NULL };
  m.data = strdup ("stale");
  assert_int_equal (sv_mount_parse_options ((char **)one, "x", &m, NULL), 0);
  assert_string_equal (m.data, "uid=5");
  free (m.data);
}

static void
test_unsupported (void **state)
{
  static const char *const names[] = { "idmap", "ridmap", "tmpcopyup" };
  for (size_t i = 0; i < 3; i++)
    {
      const char *opts[] = { "ro", names[i], NULL };
      struct sv_mount m = { 0 };
      _cleanup_err_ struct sv_err *err = NULL;
      assert_true (sv_mount_parse_options ((char **)opts, "mounts[2].options", &m, &err) < 0);
      _cleanup_free_ char *want = NULL;
      assert_true (
          asprintf (&want, "mounts[2].options[1]: mount option `%s` is not supported", names[i])
          > 0);
      if (strstr (err->msg, want) == NULL)
        fail_msg ("got `%s`", err->msg);
      /* On failure the mount is left alone. */
      assert_int_equal (m.flags, 0);
      assert_null (m.data);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_flag_round_trip),
    cmocka_unit_test (test_one_way_flags),
    cmocka_unit_test (test_bind),
    cmocka_unit_test (test_propagation),
    cmocka_unit_test (test_recursive_attrs),
    cmocka_unit_test (test_recursive_atime),
    cmocka_unit_test (test_data),
    cmocka_unit_test (test_unsupported),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}

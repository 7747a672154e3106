/* Unit tests for runtime/rlimits.c: the name table and setrlimit in a
 * forked child, which reports back through its exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/rlimits.h"
#include "util/cleanup.h"

static const struct
{
  const char *name;
  int resource;
} expected[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

static void
test_all_sixteen_round_trip (void **state)
{
  assert_int_equal (sizeof expected / sizeof expected[0], RLIMIT_NLIMITS);
  for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
    {
      assert_int_equal (sv_rlimit_from_name (expected[i].name), expected[i].resource);
      assert_string_equal (sv_rlimit_name (expected[i].resource), expected[i].name);
    }
}

static void
test_unknown_names (void **state)
{
  assert_int_equal (sv_rlimit_from_name ("RLIMIT_FOO"), -1);
  assert_int_equal (sv_rlimit_from_name ("NOFILE"), -1);
  assert_int_equal (sv_rlimit_from_name ("RLIMIT_NOFILEX"), -1);
  assert_int_equal (sv_rlimit_from_name (""), -1);
  assert_int_equal (sv_rlimit_from_name (NULL), -1);
  assert_null (sv_rlimit_name (-1));
  assert_null (sv_rlimit_name (RLIMIT_NLIMITS));
}

static int
wait_child (pid_t pid)
{
  int status;
  assert_int_equal (waitpid (pid, &status, 0), pid);
  assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

/* Child: apply NOFILE 100/200 and CORE 0/unlimited-or-current, then read them back. */
static int
child_apply_lowers (void)
{
  struct rlimit core;
  if (getrlimit (RLIMIT_CORE, &core) < 0)
    return 1;
  struct sv_rlimit v[] = {
    { RLIMIT_NOFILE, 100, 200 },
    { RLIMIT_CORE, 0, core.rlim_max == RLIM_INFINITY ? UINT64_MAX : core.rlim_max },
  };
  if (sv_rlimits_apply (v, 2, NULL) < 0)
    return 10;
  struct rlimit got;
  if (getrlimit (RLIMIT_NOFILE, &got) < 0 || got.rlim_cur != 100 || got.rlim_max != 200)
    return 20;
  if (getrlimit (RLIMIT_CORE, &got) < 0 || got.rlim_cur != 0 || got.rlim_max != core.rlim_max)
    return 21;
  return 0;
}

static void
test_apply_sets_limits (void **state)
{
  struct rlimit before;
  assert_int_equal (getrlimit (RLIMIT_NOFILE, &before), 0);
  if (before.rlim_max < 200)
    skip ();
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    _exit (child_apply_lowers ());
  assert_int_equal (wait_child (pid), 0);
  struct rlimit after;
  assert_int_equal (getrlimit (RLIMIT_NOFILE, &after), 0);
  assert_true (after.rlim_max == before.rlim_max); /* the parent is untouched */
}

/* Child: lose CAP_SYS_RESOURCE, then ask for a hard limit above the current one. */
static int
child_raise_hard (void)
{
  cap_t caps = cap_get_proc ();
  cap_value_t v[] = { CAP_SYS_RESOURCE };
  if (caps == NULL || cap_set_flag (caps, CAP_EFFECTIVE, 1, v, CAP_CLEAR) < 0
      || cap_set_flag (caps, CAP_PERMITTED, 1, v, CAP_CLEAR) < 0 || cap_set_proc (caps) < 0)
    return 1;
  cap_free (caps);
  struct rlimit cur;
  if (getrlimit (RLIMIT_NOFILE, &cur) < 0 || cur.rlim_max == RLIM_INFINITY)
    return 2;
  struct sv_rlimit want = { RLIMIT_NOFILE, cur.rlim_max, (uint64_t)cur.rlim_max + 1 };
  _cleanup_err_ struct sv_err *err = NULL;
  if (sv_rlimits_apply (&want, 1, &err) >= 0)
    return 10;
  if (err == NULL || err->code != EPERM)
    return 11;
  if (strstr (err->msg, "RLIMIT_NOFILE") == NULL)
    return 12;
  if (strstr (err->msg, "cannot raise the hard limit above the current hard limit") == NULL)
    return 13;
  struct rlimit after;
  if (getrlimit (RLIMIT_NOFILE, &after) < 0 || after.rlim_max != cur.rlim_max)
    return 14;
  return 0;
}

static void
test_apply_eperm_explains (void **state)
{
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    _exit (child_raise_hard ());
  assert_int_equal (wait_child (pid), 0);
}

/* Child: soft above hard fails with EINVAL naming the limit, and stops at
 * the failing entry. */
static int
child_soft_above_hard (void)
{
  struct sv_rlimit v[] = { { RLIMIT_NOFILE, 50, 60 }, { RLIMIT_NOFILE, 10, 5 } };
  _cleanup_err_ struct sv_err *err = NULL;
  if (sv_rlimits_apply (v, 2, &err) >= 0)
    return 10;
  if (err == NULL || err->code != EINVAL)
    return 11;
  if (strstr (err->msg, "RLIMIT_NOFILE") == NULL || strstr (err->msg, "soft") == NULL)
    return 12;
  struct rlimit got;
  if (getrlimit (RLIMIT_NOFILE, &got) < 0 || got.rlim_cur != 50 || got.rlim_max != 60)
    return 13;
  return 0;
}

static void
test_apply_soft_above_hard (void **state)
{
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    _exit (child_soft_above_hard ());
  assert_int_equal (wait_child (pid), 0);
}

static void
test_apply_unknown_resource (void **state)
{
  struct sv_rlimit v = { 1000, 1, 1 };
  _cleanup_err_ struct sv_err *err = NULL;
  assert_true (sv_rlimits_apply (&v, 1, &err) < 0);
  assert_non_null (err);
  assert_int_equal (err->code, EINVAL);
  assert_non_null (strstr (err->msg, "1000"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_all_sixteen_round_trip), cmocka_unit_test (test_unknown_names),
    cmocka_unit_test (test_apply_sets_limits),      cmocka_unit_test (test_apply_eperm_explains),
    cmocka_unit_test (test_apply_soft_above_hard),  cmocka_unit_test (test_apply_unknown_resource),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}

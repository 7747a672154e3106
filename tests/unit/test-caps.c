/* Unit tests for runtime/caps.c: the name table, parsing with errors that
 * name the field, and applying the sets in a forked child. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/caps.h"
#include "util/cleanup.h"
#include "util/json.h"

#define BIT(c) (UINT64_C (1) << (c))

static void
test_name_round_trip (void **state)
{
  for (int cap = 0; cap <= 40; cap++)
    {
      const char *name = sv_cap_name (cap);
      assert_non_null (name);
      assert_int_equal (strncmp (name, "CAP_", 4), 0);
      assert_int_equal (sv_cap_from_name (name), cap);
    }
  assert_string_equal (sv_cap_name (0), "CAP_CHOWN");
  assert_string_equal (sv_cap_name (21), "CAP_SYS_ADMIN");
  assert_string_equal (sv_cap_name (40), "CAP_CHECKPOINT_RESTORE");
  assert_null (sv_cap_name (41));
  assert_null (sv_cap_name (-1));
}

static void
test_name_variants (void **state)
{
  assert_int_equal (sv_cap_from_name ("CAP_SYS_ADMIN"), 21);
  assert_int_equal (sv_cap_from_name ("SYS_ADMIN"), 21);
  assert_int_equal (sv_cap_from_name ("cap_sys_admin"), 21);
  assert_int_equal (sv_cap_from_name ("sys_admin"), 21);
  assert_int_equal (sv_cap_from_name ("CAP_BPF"), 39);
  assert_int_equal (sv_cap_from_name ("CAP_FOO"), -1);
  assert_int_equal (sv_cap_from_name ("CAP_"), -1);
  assert_int_equal (sv_cap_from_name (""), -1);
  assert_int_equal (sv_cap_from_name ("CAP_SYS_ADMINX"), -1);
  assert_int_equal (sv_cap_from_name (NULL), -1);
}

static void
test_last_cap (void **state)
{
  int last = sv_cap_last_cap ();
  int fromproc = -1;
  FILE *f = fopen ("/proc/sys/kernel/cap_last_cap", "re");
  if (f)
    {
      assert_int_equal (fscanf (f, "%d", &fromproc), 1);
      fclose (f);
      assert_int_equal (last, fromproc);
    }
  assert_true (last >= 36 && last < 64);
  /* The kernel rejects PR_CAPBSET_READ just past the last capability. */
  assert_true (prctl (PR_CAPBSET_READ, last, 0, 0, 0) >= 0);
  assert_true (prctl (PR_CAPBSET_READ, last + 1, 0, 0, 0) < 0);
}

static json_t *
load (const char *text)
{
  json_error_t jerr;
  json_t *j = json_loads (text, 0, &jerr);
  assert_non_null (j);
  return j;
}

static void
test_parse_all_sets (void **state)
{
  _cleanup_json_ json_t *j = load ("{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],"
                                   "\"effective\":[\"CAP_KILL\"],"
                                   "\"inheritable\":[],"
                                   "\"permitted\":[\"CAP_KILL\",\"CAP_SYS_ADMIN\"],"
                                   "\"ambient\":[\"NET_RAW\"],"
                                   "\"unknownProperty\":42}");
  _cleanup_free_ struct sv_caps *c = NULL;
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_caps_parse (j, "process.capabilities", &c, &err), 0);
  assert_null (err);
  assert_non_null (c);
  assert_true (c->bounding == (BIT (0) | BIT (5)));
  assert_true (c->effective == BIT (5));
  assert_true (c->inheritable == 0);
  assert_true (c->permitted == (BIT (5) | BIT (21)));
  assert_true (c->ambient == BIT (13));
}

static void
test_parse_sets_optional (void **state)
{
  _cleanup_json_ json_t *j = load ("{\"effective\":[\"CAP_CHOWN\"]}");
  _cleanup_free_ struct sv_caps *c = NULL;
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_caps_parse (j, "process.capabilities", &c, &err), 0);
  assert_true (c->effective == BIT (0));
  assert_true (c->bounding == 0 && c->permitted == 0 && c->inheritable == 0 && c->ambient == 0);
}

static void
test_parse_unknown_names_field (void **state)
{
  _cleanup_json_ json_t *j
      = load ("{\"effective\":[\"CAP_CHOWN\"],"
              "\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_SETUID\",\"CAP_FOO\"]}");
  struct sv_caps *c = NULL;
  _cleanup_err_ struct sv_err *err = NULL;
  assert_true (sv_caps_parse (j, "process.capabilities", &c, &err) < 0);
  assert_null (c);
  assert_non_null (err);
  assert_int_equal (err->code, EINVAL);
  assert_string_equal (err->msg, "process.capabilities.bounding[3]: unknown capability `CAP_FOO`");
}

static void
test_parse_wrong_types (void **state)
{
  struct sv_caps *c = NULL;
  _cleanup_err_ struct sv_err *err = NULL;
  _cleanup_json_ json_t *j1 = load ("{\"ambient\":[\"CAP_CHOWN\", 7]}");
  assert_true (sv_caps_parse (j1, "process.capabilities", &c, &err) < 0);
  assert_null (c);
  assert_non_null (strstr (err->msg, "process.capabilities.ambient[1]"));
  sv_err_free (&err);

  _cleanup_json_ json_t *j2 = load ("{\"permitted\":\"CAP_CHOWN\"}");
  assert_true (sv_caps_parse (j2, "process.capabilities", &c, &err) < 0);
  assert_null (c);
  assert_non_null (strstr (err->msg, "process.capabilities.permitted"));
  sv_err_free (&err);

  _cleanup_json_ json_t *j3 = json_array ();
  assert_true (sv_caps_parse (j3, "process.capabilities", &c, &err) < 0);
  assert_non_null (strstr (err->msg, "process.capabilities"));
}

static void
test_mask_from_names (void **state)
{
  char *good[] = { "CAP_NET_ADMIN", "sys_time", "CAP_NET_ADMIN", NULL };
  char *bad[] = { "CAP_CHOWN", "CAP_NOPE", NULL };
  uint64_t mask = 12345;
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_caps_mask_from_names (good, "--cap-add", &mask, &err), 0);
  assert_true (mask == (BIT (12) | BIT (25)));
  assert_true (sv_caps_mask_from_names (bad, "--cap-add", &mask, &err) < 0);
  assert_true (mask == (BIT (12) | BIT (25))); /* untouched on failure */
  assert_string_equal (err->msg, "--cap-add[1]: unknown capability `CAP_NOPE`");
}

static void
test_to_json_round_trip (void **state)
{
  struct sv_caps in
      = { .bounding = BIT (0) | BIT (40), .effective = BIT (21), .permitted = BIT (21) };
  _cleanup_json_ json_t *j = sv_caps_to_json (&in);
  assert_non_null (j);
  json_t *b = json_object_get (j, "bounding");
  assert_int_equal (json_array_size (b), 2);
  assert_string_equal (json_string_value (json_array_get (b, 0)), "CAP_CHOWN");
  assert_string_equal (json_string_value (json_array_get (b, 1)), "CAP_CHECKPOINT_RESTORE");
  assert_int_equal (json_array_size (json_object_get (j, "ambient")), 0);
  _cleanup_free_ struct sv_caps *out = NULL;
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_caps_parse (j, "", &out, &err), 0);
  assert_memory_equal (&in, out, sizeof in);
}

/* One line of /proc/self/status ("CapEff:\t...") as a mask; ~0 on failure. */
static uint64_t
status_mask (const char *key)
{
  _cleanup_fclose_ FILE *f = fopen ("/proc/self/status", "re");
  char line[256];
  size_t klen = strlen (key);
  while (f && fgets (line, sizeof line, f))
    if (strncmp (line, key, klen) == 0 && line[klen] == ':')
      return strtoull (line + klen + 1, NULL, 16);
  return UINT64_MAX;
}

static int
wait_child (pid_t pid)
{
  int status;
  assert_int_equal (waitpid (pid, &status, 0), pid);
  assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static bool
runtime_holds (int cap)
{
  return (status_mask ("CapPrm") & BIT (cap)) && prctl (PR_CAPBSET_READ, cap, 0, 0, 0) == 1;
}

/* Child exit codes: 0 ok, 10+ an apply failed, 20+ a set differs. */
static int
child_apply (const struct sv_caps *c, uint64_t want_bnd, uint64_t want_eff, uint64_t want_inh,
             uint64_t want_amb)
{
  if (sv_caps_apply_bounding (c, NULL) < 0)
    return 10;
  if (sv_caps_apply (c, NULL) < 0)
    return 11;
  if (status_mask ("CapBnd") != want_bnd)
    return 20;
  if (status_mask ("CapEff") != want_eff)
    return 21;
  if (status_mask ("CapPrm") != want_eff)
    return 22;
  if (status_mask ("CapInh") != want_inh)
    return 23;
  if (status_mask ("CapAmb") != want_amb)
    return 24;
  return 0;
}

static void
test_apply_in_child (void **state)
{
  const int needed[] = { 0, 5, 8, 10 }; /* CHOWN, KILL, SETPCAP, NET_BIND_SERVICE */
  for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
    if (!runtime_holds (needed[i]))
      skip ();
  /* CAP_SYS_RESOURCE (24) is asked for everywhere: a runtime lacking it
   * must still succeed, just without it.  Bit 63 is above cap_last_cap. */
  uint64_t sysres = runtime_holds (24) ? BIT (24) : 0;
  struct sv_caps c = {
    .bounding = BIT (0) | BIT (5) | BIT (10) | BIT (24),
    .effective = BIT (0) | BIT (5) | BIT (24) | BIT (63),
    .permitted = BIT (0) | BIT (5) | BIT (24) | BIT (63),
    .inheritable = BIT (0) | BIT (5),
    .ambient = BIT (5) | BIT (24),
  };
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    _exit (child_apply (&c, BIT (0) | BIT (5) | BIT (10) | sysres, BIT (0) | BIT (5) | sysres,
                        BIT (0) | BIT (5), BIT (5)));
  assert_int_equal (wait_child (pid), 0);
}

/* Applying twice: the second ambient set replaces the first. */
static int
child_ambient_cleared (void)
{
  struct sv_caps c = {
    .bounding = BIT (0) | BIT (5),
    .effective = BIT (0) | BIT (5),
    .permitted = BIT (0) | BIT (5),
    .inheritable = BIT (0) | BIT (5),
    .ambient = BIT (0),
  };
  if (sv_caps_apply (&c, NULL) < 0 || status_mask ("CapAmb") != BIT (0))
    return 10;
  c.ambient = BIT (5);
  if (sv_caps_apply (&c, NULL) < 0)
    return 11;
  return status_mask ("CapAmb") == BIT (5) ? 0 : 20;
}

static void
test_apply_clears_ambient (void **state)
{
  if (!runtime_holds (0) || !runtime_holds (5))
    skip ();
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    _exit (child_ambient_cleared ());
  assert_int_equal (wait_child (pid), 0);
}

/* An empty spec drops everything; the parent keeps its capabilities. */
static void
test_apply_empty_drops_all (void **state)
{
  uint64_t before = status_mask ("CapEff");
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      struct sv_caps none = { 0 };
      bool can_bound
          = prctl (PR_CAPBSET_READ, 8, 0, 0, 0) == 1 && (status_mask ("CapEff") & BIT (8));
      if (can_bound && sv_caps_apply_bounding (&none, NULL) < 0)
        _exit (10);
      if (sv_caps_apply (&none, NULL) < 0)
        _exit (11);
      if (can_bound && status_mask ("CapBnd") != 0)
        _exit (20);
      _exit (status_mask ("CapEff") == 0 && status_mask ("CapPrm") == 0 ? 0 : 21);
    }
  assert_int_equal (wait_child (pid), 0);
  assert_true (status_mask ("CapEff") == before);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_name_round_trip),
    cmocka_unit_test (test_name_variants),
    cmocka_unit_test (test_last_cap),
    cmocka_unit_test (test_parse_all_sets),
    cmocka_unit_test (test_parse_sets_optional),
    cmocka_unit_test (test_parse_unknown_names_field),
    cmocka_unit_test (test_parse_wrong_types),
    cmocka_unit_test (test_mask_from_names),
    cmocka_unit_test (test_to_json_round_trip),
    cmocka_unit_test (test_apply_in_child),
    cmocka_unit_test (test_apply_clears_ambient),
    cmocka_unit_test (test_apply_empty_drops_all),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}

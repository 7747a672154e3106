/* Unit tests for runtime/signals.c: names as kill(1), runc and docker spell them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "runtime/signals.h"

static void
test_standard_names (void **state)
{
  assert_int_equal (sv_signal_parse ("KILL"), SIGKILL);
  assert_int_equal (sv_signal_parse ("SIGKILL"), SIGKILL);
  assert_int_equal (sv_signal_parse ("sigkill"), SIGKILL);
  assert_int_equal (sv_signal_parse ("kill"), SIGKILL);
  assert_int_equal (sv_signal_parse ("SigTerm"), SIGTERM);
  assert_int_equal (sv_signal_parse ("HUP"), SIGHUP);
  assert_int_equal (sv_signal_parse ("SIGWINCH"), SIGWINCH);
  assert_int_equal (sv_signal_parse ("SYS"), SIGSYS);
  assert_int_equal (sv_signal_parse ("SIGSYS"), SIGSYS);
  assert_int_equal (sv_signal_parse ("SIGSTKFLT"), SIGSTKFLT);
  /* Aliases. */
  assert_int_equal (sv_signal_parse ("IOT"), SIGABRT);
  assert_int_equal (sv_signal_parse ("SIGCLD"), SIGCHLD);
  assert_int_equal (sv_signal_parse ("POLL"), SIGIO);
}

static void
test_numbers (void **state)
{
  assert_int_equal (sv_signal_parse ("9"), 9);
  assert_int_equal (sv_signal_parse ("15"), 15);
  assert_int_equal (sv_signal_parse ("1"), 1);
  char buf[16];
  snprintf (buf, sizeof buf, "%d", SIGRTMAX);
  assert_int_equal (sv_signal_parse (buf), SIGRTMAX);
  snprintf (buf, sizeof buf, "%d", SIGRTMAX + 1);
  assert_int_equal (sv_signal_parse (buf), -1);
  assert_int_equal (sv_signal_parse ("0"), -1);
  assert_int_equal (sv_signal_parse ("-9"), -1);
  assert_int_equal (sv_signal_parse ("+9"), -1);
  assert_int_equal (sv_signal_parse ("9x"), -1);
  assert_int_equal (sv_signal_parse (" 9"), -1);
  assert_int_equal (sv_signal_parse ("99999999999999999999"), -1);
}

static void
test_realtime (void **state)
{
  assert_int_equal (sv_signal_parse ("RTMIN"), SIGRTMIN);
  assert_int_equal (sv_signal_parse ("SIGRTMIN"), SIGRTMIN);
  assert_int_equal (sv_signal_parse ("RTMIN+3"), SIGRTMIN + 3);
  assert_int_equal (sv_signal_parse ("sigrtmin+3"), SIGRTMIN + 3);
  assert_int_equal (sv_signal_parse ("RTMAX"), SIGRTMAX);
  assert_int_equal (sv_signal_parse ("SIGRTMAX-1"), SIGRTMAX - 1);
  char buf[32];
  snprintf (buf, sizeof buf, "RTMIN+%d", SIGRTMAX - SIGRTMIN);
  assert_int_equal (sv_signal_parse (buf), SIGRTMAX);
  snprintf (buf, sizeof buf, "RTMIN+%d", SIGRTMAX - SIGRTMIN + 1);
  assert_int_equal (sv_signal_parse (buf), -1);
  snprintf (buf, sizeof buf, "RTMAX-%d", SIGRTMAX - SIGRTMIN + 1);
  assert_int_equal (sv_signal_parse (buf), -1);
  assert_int_equal (sv_signal_parse ("RTMIN-1"), -1);
  assert_int_equal (sv_signal_parse ("RTMAX+1"), -1);
  assert_int_equal (sv_signal_parse ("RTMIN+"), -1);
  assert_int_equal (sv_signal_parse ("RTMIN+x"), -1);
  assert_int_equal (sv_signal_parse ("RTMINX"), -1);
}

static void
test_invalid (void **state)
{
  assert_int_equal (sv_signal_parse (NULL), -1);
  assert_int_equal (sv_signal_parse (""), -1);
  assert_int_equal (sv_signal_parse ("SIG"), -1);
  assert_int_equal (sv_signal_parse ("SIGFOO"), -1);
  assert_int_equal (sv_signal_parse ("SIGSIGKILL"), -1);
  assert_int_equal (sv_signal_parse ("KILLX"), -1);
}

static void
test_names (void **state)
{
  assert_string_equal (sv_signal_name (SIGKILL), "SIGKILL");
  assert_string_equal (sv_signal_name (SIGTERM), "SIGTERM");
  assert_string_equal (sv_signal_name (SIGABRT), "SIGABRT");
  assert_string_equal (sv_signal_name (SIGCHLD), "SIGCHLD");
  assert_string_equal (sv_signal_name (SIGRTMIN), "SIGRTMIN");
  assert_string_equal (sv_signal_name (SIGRTMIN + 1), "SIGRTMIN+1");
  assert_string_equal (sv_signal_name (SIGRTMAX), "SIGRTMAX");
  assert_string_equal (sv_signal_name (SIGRTMAX - 1), "SIGRTMAX-1");
  if (SIGRTMIN == 34 && SIGRTMAX == 64)
    {
      /* Same split as bash's kill -l. */
      assert_string_equal (sv_signal_name (35), "SIGRTMIN+1");
      assert_string_equal (sv_signal_name (49), "SIGRTMIN+15");
      assert_string_equal (sv_signal_name (50), "SIGRTMAX-14");
    }
  assert_null (sv_signal_name (0));
  assert_null (sv_signal_name (-1));
  assert_null (sv_signal_name (SIGRTMAX + 1));
}

/* Every valid number has a name, and the name parses back to it, with and
 * without the SIG prefix. */
static void
test_round_trip (void **state)
{
  for (int sig = 1; sig <= SIGRTMAX; sig++)
    {
      const char *name = sv_signal_name (sig);
      if (name == NULL)
        {
          /* Only the glibc-reserved gap between SIGSYS and SIGRTMIN has no name. */
          assert_true (sig > SIGSYS && sig < SIGRTMIN);
          continue;
        }
      assert_int_equal (strncmp (name, "SIG", 3), 0);
      assert_int_equal (sv_signal_parse (name), sig);
      assert_int_equal (sv_signal_parse (name + 3), sig);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_standard_names), cmocka_unit_test (test_numbers),
    cmocka_unit_test (test_realtime),       cmocka_unit_test (test_invalid),
    cmocka_unit_test (test_names),          cmocka_unit_test (test_round_trip),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}

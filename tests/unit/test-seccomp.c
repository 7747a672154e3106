/* Unit tests for runtime/seccomp.c: linux.seccomp parse errors name the
 * field, and compiled filters really act on syscalls (in a forked child,
 * which reports through its exit status or the signal that killed it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/seccomp.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#define PATH "linux.seccomp"

/* Parse TEXT, JSON written with ' for " so the profiles stay readable. */
static json_t *
load (const char *text)
{
  _cleanup_free_ char *s = xstrdup (text);
  for (char *p = s; *p; p++)
    if (*p == '\'')
      *p = '"';
  json_error_t jerr;
  json_t *j = json_loads (s, 0, &jerr);
  if (j == NULL)
    fail_msg ("bad test JSON: %s: %s", jerr.text, s);
  return j;
}

static struct sv_seccomp *
parse_ok (const char *text)
{
  _cleanup_json_ json_t *j = load (text);
  _cleanup_err_ struct sv_err *err = NULL;
  struct sv_seccomp *s = NULL;
  if (sv_seccomp_parse (j, PATH, &s, &err) < 0)
    fail_msg ("parse failed: %s", err->msg);
  assert_non_null (s);
  return s;
}

static struct sv_seccomp_bpf *
compile_ok (const char *text)
{
  struct sv_seccomp *s = parse_ok (text);
  _cleanup_err_ struct sv_err *err = NULL;
  struct sv_seccomp_bpf *bpf = NULL;
  int ret = sv_seccomp_compile (s, &bpf, &err);
  sv_seccomp_free (s);
  if (ret < 0)
    fail_msg ("compile failed: %s", err->msg);
  assert_non_null (bpf);
  return bpf;
}

/* Parsing TEXT fails with CODE and exactly MSG; *out is left alone. */
static void
expect_error (const char *text, int code, const char *msg)
{
  _cleanup_json_ json_t *j = load (text);
  _cleanup_err_ struct sv_err *err = NULL;
  struct sv_seccomp *s = (struct sv_seccomp *)0x1;
  int ret = sv_seccomp_parse (j, PATH, &s, &err);
  assert_true (ret < 0);
  assert_ptr_equal (s, (struct sv_seccomp *)0x1);
  assert_non_null (err);
  if (strcmp (err->msg, msg) != 0)
    fail_msg ("got `%s`, want `%s`", err->msg, msg);
  assert_int_equal (err->code, code);
}

static void
test_parse_full_profile (void **state)
{
  struct sv_seccomp *s = parse_ok (
      "{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 1,"
      " 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],"
      " 'flags': ['SECCOMP_FILTER_FLAG_LOG'],"
      " 'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
      "  {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
      "   'args': [{'index': 0, 'value': 8, 'op': 'SCMP_CMP_EQ'}]},"
      "  {'names': ['clone'], 'action': 'SCMP_ACT_ALLOW',"
      "   'args': [{'index': 0, 'value': 2114060288, 'valueTwo': 0, 'op': 'SCMP_CMP_MASKED_EQ'}]},"
      "  {'names': ['ptrace'], 'action': 'SCMP_ACT_TRACE', 'errnoRet': 5},"
      "  {'names': ['kexec_load'], 'action': 'SCMP_ACT_KILL_PROCESS'}]}");
  sv_seccomp_free (s);
  sv_seccomp_free (NULL);
  sv_seccomp_bpf_free (NULL);
}

static void
test_bad_types (void **state)
{
  expect_error ("{'defaultAction': 1}", EINVAL, PATH ".defaultAction: expected a string");
  expect_error ("{}", EINVAL, PATH ".defaultAction: required");
  expect_error ("{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 'x'}", EINVAL,
                PATH ".defaultErrnoRet: expected a non-negative integer");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': 'SCMP_ARCH_X86'}", EINVAL,
                PATH ".architectures: expected an array");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'flags': [1]}", EINVAL,
                PATH ".flags[0]: expected a string");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': {}}", EINVAL,
                PATH ".syscalls: expected an array");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': ['read']}", EINVAL,
                PATH ".syscalls[0]: expected an object");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read', 2],"
                " 'action': 'SCMP_ACT_ERRNO'}]}",
                EINVAL, PATH ".syscalls[0].names[1]: expected a string");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
                " 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': '0', 'value': 1,"
                " 'op': 'SCMP_CMP_EQ'}]}]}",
                EINVAL, PATH ".syscalls[0].args[0].index: expected a non-negative integer");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
                " 'action': 'SCMP_ACT_ERRNO', 'args': [7]}]}",
                EINVAL, PATH ".syscalls[0].args[0]: expected an object");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
                " 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 0, 'op': 'SCMP_CMP_EQ'}]}]}",
                EINVAL, PATH ".syscalls[0].args[0].value: required");
}

static void
test_required_and_ranges (void **state)
{
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': [],"
                " 'action': 'SCMP_ACT_ERRNO'}]}",
                EINVAL, PATH ".syscalls[0].names: must contain at least one syscall");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'action': 'SCMP_ACT_ERRNO'}]}",
                EINVAL, PATH ".syscalls[0].names: must contain at least one syscall");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read']}]}", EINVAL,
                PATH ".syscalls[0].action: required");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
                " 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 6, 'value': 1,"
                " 'op': 'SCMP_CMP_EQ'}]}]}",
                ERANGE, PATH ".syscalls[0].args[0].index: 6 is out of range (max 5)");
  expect_error ("{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 65536}", ERANGE,
                PATH ".defaultErrnoRet: 65536 is out of range (max 65535)");
  /* The spec: an errno on an action that takes none is an error. */
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'defaultErrnoRet': 1}", EINVAL,
                PATH ".defaultErrnoRet: `SCMP_ACT_ALLOW` does not take an errno");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
                " 'action': 'SCMP_ACT_KILL', 'errnoRet': 1}]}",
                EINVAL, PATH ".syscalls[0].errnoRet: `SCMP_ACT_KILL` does not take an errno");
}

static void
test_unknown_names (void **state)
{
  expect_error ("{'defaultAction': 'SCMP_ACT_FOO'}", EINVAL,
                PATH ".defaultAction: unknown action `SCMP_ACT_FOO`");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': ["
                "{'names': ['read'], 'action': 'SCMP_ACT_ERRNO'},"
                "{'names': ['write'], 'action': 'SCMP_ACT_LOG'},"
                "{'names': ['open'], 'action': 'SCMP_ACT_FOO'}]}",
                EINVAL, PATH ".syscalls[2].action: unknown action `SCMP_ACT_FOO`");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW',"
                " 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_VAX']}",
                EINVAL, PATH ".architectures[1]: unknown architecture `SCMP_ARCH_VAX`");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'flags': ['SECCOMP_FILTER_FLAG_FOO']}", EINVAL,
                PATH ".flags[0]: unknown flag `SECCOMP_FILTER_FLAG_FOO`");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
                " 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 0, 'value': 1,"
                " 'op': 'SCMP_CMP_EQ'}, {'index': 1, 'value': 1, 'op': 'SCMP_CMP_XOR'}]}]}",
                EINVAL, PATH ".syscalls[0].args[1].op: unknown operator `SCMP_CMP_XOR`");
}

static void
test_notify_refused (void **state)
{
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '/run/agent.sock',"
                " 'syscalls': [{'names': ['mount'], 'action': 'SCMP_ACT_NOTIFY'}]}",
                ENOTSUP, PATH ".listenerPath: not supported by servin");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW',"
                " 'syscalls': [{'names': ['mount'], 'action': 'SCMP_ACT_NOTIFY'}]}",
                ENOTSUP, PATH ".syscalls[0].action: not supported by servin");
  expect_error ("{'defaultAction': 'SCMP_ACT_NOTIFY'}", ENOTSUP,
                PATH ".defaultAction: not supported by servin");
  expect_error ("{'defaultAction': 'SCMP_ACT_ALLOW', 'listenerMetadata': 'x'}", EINVAL,
                PATH ".listenerMetadata: set without listenerPath");
}

/* Fork a child that sets no_new_privs, loads the filter compiled from
 * PROFILE and exits with CHECK()'s result; returns its wait status. */
static int
run_confined (const char *profile, int (*check) (void))
{
  struct sv_seccomp_bpf *bpf = compile_ok (profile);
  fflush (NULL);
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      struct rlimit no_core = { 0, 0 };
      (void)setrlimit (RLIMIT_CORE, &no_core);
      /* cmocka catches SIGSYS; SCMP_ACT_TRAP must show as the signal. */
      (void)signal (SIGSYS, SIG_DFL);
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        _exit (100);
      if (sv_seccomp_load (bpf, NULL) < 0)
        _exit (101);
      /* The raw syscall: a sanitizer's _exit makes syscalls a deny-by-default
       * profile blocks. */
      syscall (SYS_exit_group, check ());
      _exit (102);
    }
  sv_seccomp_bpf_free (bpf);
  int status;
  while (waitpid (pid, &status, 0) < 0)
    assert_int_equal (errno, EINTR);
  return status;
}

static void
assert_exit_ok (int status)
{
  if (WIFSIGNALED (status))
    fail_msg ("child killed by signal %d", WTERMSIG (status));
  assert_true (WIFEXITED (status));
  assert_int_equal (WEXITSTATUS (status), 0);
}

/* 0 when raw syscall NR with the arguments failed with errno WANT. */
#define FAILS_WITH(want, ...) (syscall (__VA_ARGS__) == -1 && errno == (want) ? 0 : 1)

static int
check_getcwd_enosys (void)
{
  char buf[256];
  if (FAILS_WITH (ENOSYS, SYS_getcwd, buf, sizeof buf))
    return 1;
  if (syscall (SYS_getpid) <= 0) /* the rest still works */
    return 2;
  return 0;
}

static void
test_errno_action (void **state)
{
  assert_exit_ok (run_confined ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': ["
                                "{'names': ['getcwd'], 'action': 'SCMP_ACT_ERRNO',"
                                " 'errnoRet': 38}]}",
                                check_getcwd_enosys));
}

static int
check_getcwd_eperm (void)
{
  char buf[256];
  return FAILS_WITH (EPERM, SYS_getcwd, buf, sizeof buf);
}

static void
test_errno_defaults_to_eperm (void **state)
{
  assert_exit_ok (run_confined ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': ["
                                "{'names': ['getcwd'], 'action': 'SCMP_ACT_ERRNO'}]}",
                                check_getcwd_eperm));
}

/* Only what check_getcwd_enosys and exit_group need is allowed. */
static void
test_default_errno_ret (void **state)
{
  assert_exit_ok (run_confined ("{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 38,"
                                " 'syscalls': [{'names': ['exit_group', 'exit', 'getpid'],"
                                " 'action': 'SCMP_ACT_ALLOW'}]}",
                                check_getcwd_enosys));
}

/* A rule with the default action and a syscall this libseccomp has never
 * heard of are both skipped instead of failing the container. */
static void
test_skips_redundant_and_unknown (void **state)
{
  assert_exit_ok (run_confined ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': ["
                                "{'names': ['getcwd'], 'action': 'SCMP_ACT_ALLOW'},"
                                "{'names': ['servin_no_such_syscall', 'getcwd'],"
                                " 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 38}]}",
                                check_getcwd_enosys));
}

static void
test_flags_and_arches (void **state)
{
  assert_exit_ok (run_confined (
      "{'defaultAction': 'SCMP_ACT_ALLOW',"
      " 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32',"
      "  'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],"
      " 'flags': ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG',"
      "  'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],"
      " 'syscalls': [{'names': ['getcwd'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 38}]}",
      check_getcwd_enosys));
}

static int
check_getcwd (void)
{
  char buf[256];
  (void)syscall (SYS_getcwd, buf, sizeof buf);
  return 0;
}

static void
test_kill_actions (void **state)
{
  static const char *const actions[]
      = { "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP" };
  for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
    {
      _cleanup_free_ char *profile = xasprintf ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': "
                                                "[{'names': ['getcwd'], 'action': '%s'}]}",
                                                actions[i]);
      int status = run_confined (profile, check_getcwd);
      if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGSYS)
        fail_msg ("%s: want death by SIGSYS, got status %#x", actions[i], status);
    }
}

/* mkdirat(dirfd, ".", mode) fails with EEXIST when the filter lets it
 * through, so the tests create nothing.  root_fd is opened before forking. */
static int root_fd = -1;

static int
mkdirat_errno (int dirfd, unsigned int mode)
{
  errno = 0;
  (void)syscall (SYS_mkdirat, dirfd, ".", mode);
  return errno;
}

static int
check_and (void)
{
  if (mkdirat_errno (root_fd, 0700) != EDOM) /* both conditions hold */
    return 1;
  if (mkdirat_errno (root_fd, 0755) != EEXIST)
    return 2;
  if (mkdirat_errno (AT_FDCWD, 0700) != EEXIST)
    return 3;
  return 0;
}

/* Conditions on different arguments are ANDed. */
static void
test_args_and (void **state)
{
  root_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  assert_true (root_fd >= 0);
  _cleanup_free_ char *profile
      = xasprintf ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['mkdirat'],"
                   " 'action': 'SCMP_ACT_ERRNO', 'errnoRet': %d, 'args': ["
                   "  {'index': 0, 'value': %d, 'op': 'SCMP_CMP_EQ'},"
                   "  {'index': 2, 'value': %d, 'op': 'SCMP_CMP_EQ'}]}]}",
                   EDOM, root_fd, 0700);
  assert_exit_ok (run_confined (profile, check_and));
  close (root_fd);
}

static int
check_or (void)
{
  if (mkdirat_errno (AT_FDCWD, 0700) != EDOM)
    return 1;
  if (mkdirat_errno (AT_FDCWD, 0711) != EDOM)
    return 2;
  if (mkdirat_errno (AT_FDCWD, 0755) != EEXIST)
    return 3;
  return 0;
}

/* Two conditions on one argument: one rule each, so they are ORed (runc). */
static void
test_args_same_index_or (void **state)
{
  _cleanup_free_ char *profile
      = xasprintf ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['mkdirat'],"
                   " 'action': 'SCMP_ACT_ERRNO', 'errnoRet': %d, 'args': ["
                   "  {'index': 2, 'value': %d, 'op': 'SCMP_CMP_EQ'},"
                   "  {'index': 2, 'value': %d, 'op': 'SCMP_CMP_EQ'}]}]}",
                   EDOM, 0700, 0711);
  assert_exit_ok (run_confined (profile, check_or));
}

static int
check_masked (void)
{
  if (mkdirat_errno (AT_FDCWD, 0700) != EDOM) /* (0700 & 077) == 0 */
    return 1;
  if (mkdirat_errno (AT_FDCWD, 0750) != EEXIST)
    return 2;
  return 0;
}

/* MASKED_EQ: `value` is the mask, `valueTwo` what the masked argument equals. */
static void
test_args_masked_eq (void **state)
{
  _cleanup_free_ char *profile
      = xasprintf ("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['mkdirat'],"
                   " 'action': 'SCMP_ACT_ERRNO', 'errnoRet': %d, 'args': ["
                   "  {'index': 2, 'value': %d, 'valueTwo': 0, 'op': 'SCMP_CMP_MASKED_EQ'}]}]}",
                   EDOM, 077);
  assert_exit_ok (run_confined (profile, check_masked));
}

/* The cache gives back the filter it stored, and an entry whose file name
 * matches but whose key differs (a crafted hash collision) is never used. */
static void
test_cache (void **state)
{
  char dir[] = "/tmp/servin-test-seccomp-cache-XXXXXX";
  assert_non_null (mkdtemp (dir));
  int dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true (dirfd >= 0);
  const char *strict = "{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': ["
                       "{'names': ['exit_group', 'getpid'], 'action': 'SCMP_ACT_ALLOW'}]}";
  const char *loose = "{'defaultAction': 'SCMP_ACT_ALLOW'}";
  struct sv_seccomp *s = parse_ok (strict), *l = parse_ok (loose);
  _cleanup_err_ struct sv_err *err = NULL;
  struct sv_seccomp_bpf *fresh = NULL, *first = NULL, *again = NULL, *other = NULL;
  assert_int_equal (sv_seccomp_compile (s, &fresh, &err), 0);
  assert_int_equal (sv_seccomp_compile_cached (s, dirfd, &first, &err), 0);
  assert_int_equal (sv_seccomp_compile_cached (s, dirfd, &again, &err), 0);
  const void *a, *b;
  unsigned short na, nb;
  unsigned int fa, fb;
  sv_seccomp_bpf_get (fresh, &a, &na, &fa);
  sv_seccomp_bpf_get (again, &b, &nb, &fb);
  assert_int_equal (na, nb);
  assert_int_equal (fa, fb);
  assert_memory_equal (a, b, na * 8);
  /* Put the loose profile's entry under the strict profile's file name. */
  char cmd[512];
  snprintf (cmd, sizeof cmd, "cd %s/.seccomp-cache && ls >../strict && rm -f $(cat ../strict)",
            dir);
  assert_int_equal (system (cmd), 0);
  assert_int_equal (sv_seccomp_compile_cached (l, dirfd, &other, &err), 0);
  snprintf (cmd, sizeof cmd, "cd %s/.seccomp-cache && mv $(ls) $(cat ../strict)", dir);
  assert_int_equal (system (cmd), 0);
  sv_seccomp_bpf_free (again);
  again = NULL;
  assert_int_equal (sv_seccomp_compile_cached (s, dirfd, &again, &err), 0);
  sv_seccomp_bpf_get (again, &b, &nb, &fb);
  assert_int_equal (na, nb);
  assert_memory_equal (a, b, na * 8);
  sv_seccomp_bpf_free (fresh);
  sv_seccomp_bpf_free (first);
  sv_seccomp_bpf_free (again);
  sv_seccomp_bpf_free (other);
  sv_seccomp_free (s);
  sv_seccomp_free (l);
  close (dirfd);
  snprintf (cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal (system (cmd), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_parse_full_profile),
    cmocka_unit_test (test_bad_types),
    cmocka_unit_test (test_required_and_ranges),
    cmocka_unit_test (test_unknown_names),
    cmocka_unit_test (test_notify_refused),
    cmocka_unit_test (test_errno_action),
    cmocka_unit_test (test_errno_defaults_to_eperm),
    cmocka_unit_test (test_default_errno_ret),
    cmocka_unit_test (test_skips_redundant_and_unknown),
    cmocka_unit_test (test_flags_and_arches),
    cmocka_unit_test (test_kill_actions),
    cmocka_unit_test (test_args_and),
    cmocka_unit_test (test_args_same_index_or),
    cmocka_unit_test (test_args_masked_eq),
    cmocka_unit_test (test_cache),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}

/* Unit tests for engine/security-defaults.c: docker's seccomp profile is a
 * linux.seccomp the runtime accepts, holds the rules docker's holds for a
 * given capability set, and really confines a process (in a forked child
 * that reports through its exit status); --cap-add/--cap-drop follow
 * docker's rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/security-defaults.h"
#include "runtime/caps.h"
#include "runtime/seccomp.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define NO_CAPS ((char *const[]){ NULL })
#define CAPS(...) ((char *const[]){ __VA_ARGS__, NULL })

/* The profile for x86_64 and CAPS (tests do not depend on the host). */
static json_t *
profile_x86_64 (char *const *caps)
{
  json_t *p = NULL;
  _cleanup_err_ struct sv_err *err = NULL;
  if (sv_default_seccomp_for_arch (caps, "x86_64", &p, &err) < 0)
    fail_msg ("sv_default_seccomp_for_arch: %s", err->msg);
  return p;
}

enum verdict
{
  DENIED,      /* no rule names the syscall: the default action, EPERM */
  ALLOWED,     /* an ALLOW rule without conditions */
  CONDITIONAL, /* only ALLOW rules with argument conditions */
  ERRNO_RULE,  /* an explicit SCMP_ACT_ERRNO rule */
};

/* How PROFILE treats syscall NAME. */
static enum verdict
verdict (json_t *profile, const char *name)
{
  enum verdict v = DENIED;
  size_t i;
  json_t *rule;
  json_array_foreach (json_object_get (profile, "syscalls"), i, rule)
  {
    _cleanup_strv_ char **names = NULL;
    assert_int_equal (sv_json_get_strv (rule, "rule", "names", &names, NULL), 1);
    if (!sv_strv_contains (names, name))
      continue;
    const char *action = json_string_value (json_object_get (rule, "action"));
    if (strcmp (action, "SCMP_ACT_ERRNO") == 0)
      return ERRNO_RULE;
    assert_string_equal (action, "SCMP_ACT_ALLOW");
    if (json_object_get (rule, "args") == NULL)
      return ALLOWED;
    v = CONDITIONAL;
  }
  return v;
}

static void
assert_parses (json_t *profile)
{
  _cleanup_err_ struct sv_err *err = NULL;
  struct sv_seccomp *s = NULL;
  struct sv_seccomp_bpf *bpf = NULL;
  if (sv_seccomp_parse (profile, "linux.seccomp", &s, &err) < 0)
    fail_msg ("parse: %s", err->msg);
  int ret = sv_seccomp_compile (s, &bpf, &err);
  sv_seccomp_free (s);
  if (ret < 0)
    fail_msg ("compile: %s", err->msg);
  sv_seccomp_bpf_free (bpf);
}

static void
test_profile_parses (void **state)
{
  _cleanup_strv_ char **defaults = sv_default_caps ();
  _cleanup_strv_ char **all = sv_all_caps ();
  char *const *sets[] = { NO_CAPS, defaults, all, CAPS ("CAP_SYS_ADMIN") };
  for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
    {
      _cleanup_json_ json_t *host = sv_default_seccomp (sets[i]);
      assert_parses (host);
      _cleanup_json_ json_t *x86 = profile_x86_64 (sets[i]);
      assert_parses (x86);
    }
}

static void
test_profile_header (void **state)
{
  _cleanup_json_ json_t *p = profile_x86_64 (NULL);
  assert_string_equal (json_string_value (json_object_get (p, "defaultAction")), "SCMP_ACT_ERRNO");
  assert_int_equal (json_integer_value (json_object_get (p, "defaultErrnoRet")), EPERM);
  _cleanup_strv_ char **arches = NULL;
  assert_int_equal (sv_json_get_strv (p, "p", "architectures", &arches, NULL), 1);
  assert_int_equal (sv_strv_length (arches), 3);
  assert_string_equal (arches[0], "SCMP_ARCH_X86_64");
  assert_string_equal (arches[1], "SCMP_ARCH_X86");
  assert_string_equal (arches[2], "SCMP_ARCH_X32");

  _cleanup_json_ json_t *arm = NULL;
  assert_int_equal (sv_default_seccomp_for_arch (NULL, "arm64", &arm, NULL), 0);
  _cleanup_strv_ char **arm_arches = NULL;
  assert_int_equal (sv_json_get_strv (arm, "p", "architectures", &arm_arches, NULL), 1);
  assert_int_equal (sv_strv_length (arm_arches), 2);
  assert_string_equal (arm_arches[0], "SCMP_ARCH_AARCH64");
  assert_string_equal (arm_arches[1], "SCMP_ARCH_ARM");
  assert_int_equal (verdict (arm, "set_tls"), ALLOWED);
  assert_int_equal (verdict (arm, "arch_prctl"), DENIED);
  assert_int_equal (verdict (p, "arch_prctl"), ALLOWED);
  assert_int_equal (verdict (p, "set_tls"), DENIED);

  _cleanup_err_ struct sv_err *err = NULL;
  json_t *out = (json_t *)0x1;
  assert_true (sv_default_seccomp_for_arch (NULL, "vax", &out, &err) < 0);
  assert_ptr_equal (out, (json_t *)0x1);
  assert_string_equal (err->msg, "unsupported architecture `vax`");
}

/* The host profile names the host architecture first. */
static void
test_profile_host_arch (void **state)
{
  struct utsname u;
  assert_int_equal (uname (&u), 0);
  _cleanup_json_ json_t *p = sv_default_seccomp (NULL);
  const char *first = json_string_value (json_array_get (json_object_get (p, "architectures"), 0));
  if (strcmp (u.machine, "x86_64") == 0)
    assert_string_equal (first, "SCMP_ARCH_X86_64");
  else if (strcmp (u.machine, "aarch64") == 0)
    assert_string_equal (first, "SCMP_ARCH_AARCH64");
  else
    skip ();
}

static void
test_profile_default_caps (void **state)
{
  _cleanup_strv_ char **caps = sv_default_caps ();
  _cleanup_json_ json_t *p = profile_x86_64 (caps);
  assert_int_equal (verdict (p, "read"), ALLOWED);
  assert_int_equal (verdict (p, "execve"), ALLOWED);
  assert_int_equal (verdict (p, "getpid"), ALLOWED);
  assert_int_equal (verdict (p, "chroot"), ALLOWED); /* CAP_SYS_CHROOT is a default */
  assert_int_equal (verdict (p, "kexec_load"), DENIED);
  assert_int_equal (verdict (p, "reboot"), DENIED);
  assert_int_equal (verdict (p, "mount"), DENIED);
  assert_int_equal (verdict (p, "unshare"), DENIED);
  assert_int_equal (verdict (p, "setns"), DENIED);
  assert_int_equal (verdict (p, "init_module"), DENIED);
  assert_int_equal (verdict (p, "open_by_handle_at"), DENIED);
  assert_int_equal (verdict (p, "clone"), CONDITIONAL);
  assert_int_equal (verdict (p, "socket"), CONDITIONAL);
  assert_int_equal (verdict (p, "personality"), CONDITIONAL);
  assert_int_equal (verdict (p, "clone3"), ERRNO_RULE);
  /* ptrace is everyone's since kernel 4.8 (as in moby's profile). */
  assert_int_equal (verdict (p, "ptrace"), ALLOWED);
  assert_int_equal (verdict (p, "kcmp"), DENIED);
}

/* clone3 is answered with ENOSYS so that libc falls back to clone. */
static void
test_profile_clone3_enosys (void **state)
{
  _cleanup_json_ json_t *p = profile_x86_64 (NULL);
  size_t i;
  json_t *rule;
  json_array_foreach (json_object_get (p, "syscalls"), i, rule)
  {
    json_t *names = json_object_get (rule, "names");
    if (strcmp (json_string_value (json_array_get (names, 0)), "clone3") != 0)
      continue;
    assert_int_equal (json_integer_value (json_object_get (rule, "errnoRet")), ENOSYS);
    return;
  }
  fail_msg ("no clone3 rule");
}

static void
test_profile_capability_rules (void **state)
{
  _cleanup_json_ json_t *admin = profile_x86_64 (CAPS ("CAP_SYS_ADMIN"));
  assert_int_equal (verdict (admin, "mount"), ALLOWED);
  assert_int_equal (verdict (admin, "unshare"), ALLOWED);
  assert_int_equal (verdict (admin, "clone"), ALLOWED);
  assert_int_equal (verdict (admin, "clone3"), ALLOWED);
  assert_int_equal (verdict (admin, "reboot"), DENIED);

  _cleanup_json_ json_t *boot = profile_x86_64 (CAPS ("CAP_SYS_BOOT"));
  assert_int_equal (verdict (boot, "reboot"), ALLOWED);
  assert_int_equal (verdict (boot, "kexec_load"), DENIED); /* in no rule at all */
  assert_int_equal (verdict (boot, "mount"), DENIED);

  _cleanup_json_ json_t *misc = profile_x86_64 (
      CAPS ("CAP_SYS_PTRACE", "CAP_SYS_MODULE", "CAP_SYS_TIME", "CAP_SYS_NICE", "CAP_SYSLOG",
            "CAP_SYS_RAWIO", "CAP_SYS_PACCT", "CAP_SYS_TTY_CONFIG", "CAP_DAC_READ_SEARCH"));
  static const char *const granted[]
      = { "kcmp", "process_madvise", "init_module",      "settimeofday", "mbind", "syslog", "iopl",
          "acct", "vhangup",         "open_by_handle_at" };
  for (size_t i = 0; i < sizeof granted / sizeof granted[0]; i++)
    if (verdict (misc, granted[i]) != ALLOWED)
      fail_msg ("%s is not allowed", granted[i]);
  assert_int_equal (verdict (misc, "mount"), DENIED);
}

/* Lower case and bare names grant as well: the engine may pass either. */
static void
test_profile_cap_spelling (void **state)
{
  _cleanup_json_ json_t *p = profile_x86_64 (CAPS ("sys_admin"));
  assert_int_equal (verdict (p, "mount"), ALLOWED);
}

/* Fork a child that loads the default profile for CAPS (host architecture)
 * and exits with CHECK()'s result; returns its wait status. */
static int
run_confined (char *const *caps, int (*check) (void))
{
  _cleanup_json_ json_t *profile = sv_default_seccomp (caps);
  _cleanup_err_ struct sv_err *err = NULL;
  struct sv_seccomp *s = NULL;
  struct sv_seccomp_bpf *bpf = NULL;
  if (sv_seccomp_parse (profile, "linux.seccomp", &s, &err) < 0
      || sv_seccomp_compile (s, &bpf, &err) < 0)
    fail_msg ("%s", err->msg);
  sv_seccomp_free (s);
  fflush (NULL);
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      struct rlimit no_core = { 0, 0 };
      (void)setrlimit (RLIMIT_CORE, &no_core);
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        _exit (100);
      if (sv_seccomp_load (bpf, NULL) < 0)
        _exit (101);
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
  if (WEXITSTATUS (status) != 0)
    fail_msg ("check %d failed in the confined child", WEXITSTATUS (status));
}

/* 1 when raw syscall ... failed with errno WANT. */
#define FAILS_WITH(want, ...) (syscall (__VA_ARGS__) == -1 && errno == (want))

/* fork() under the filter: clone without namespace flags. */
static bool
fork_works (void)
{
  pid_t pid = fork ();
  if (pid < 0)
    return false;
  if (pid == 0)
    syscall (SYS_exit_group, 0);
  int status;
  return waitpid (pid, &status, 0) == pid && WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

static int
check_default_caps (void)
{
  if (syscall (SYS_getpid) <= 0)
    return 1;
  if (!FAILS_WITH (EPERM, SYS_unshare, CLONE_NEWUSER))
    return 2;
  if (!FAILS_WITH (EPERM, SYS_unshare, 0))
    return 3;
  if (!FAILS_WITH (EPERM, SYS_mount, "none", "/", "tmpfs", 0, NULL))
    return 4;
  if (!FAILS_WITH (EPERM, SYS_clone, CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, 0))
    return 5;
#ifdef SYS_clone3
  if (!FAILS_WITH (ENOSYS, SYS_clone3, NULL, 0))
    return 6;
#endif
  if (!FAILS_WITH (EPERM, SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0))
    return 7;
  if (!FAILS_WITH (EPERM, SYS_kexec_load, 0, 0, NULL, 0))
    return 8;
  if (!fork_works ())
    return 9;
  if (syscall (SYS_personality, 0xffffffffUL) < 0) /* query: allowed */
    return 10;
  if (!FAILS_WITH (EPERM, SYS_personality, 0x0040000UL /* ADDR_NO_RANDOMIZE */))
    return 11;
  return 0;
}

static int
check_sys_admin (void)
{
  if (syscall (SYS_unshare, 0) != 0) /* a no-op the filter lets through */
    return 1;
  if (FAILS_WITH (EPERM, SYS_clone3, NULL, 0) || !FAILS_WITH (EFAULT, SYS_clone3, NULL, 64))
    return 2;
  return fork_works () ? 0 : 3;
}

static void
test_profile_confines (void **state)
{
  _cleanup_strv_ char **caps = sv_default_caps ();
  assert_exit_ok (run_confined (caps, check_default_caps));
}

static void
test_profile_confines_sys_admin (void **state)
{
  assert_exit_ok (run_confined (CAPS ("CAP_SYS_ADMIN"), check_sys_admin));
}

static void
test_default_caps (void **state)
{
  _cleanup_strv_ char **caps = sv_default_caps ();
  assert_int_equal (sv_strv_length (caps), 14);
  static const char *const want[]
      = { "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
          "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
          "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
          "CAP_KILL",    "CAP_AUDIT_WRITE" };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    if (!sv_strv_contains (caps, want[i]))
      fail_msg ("%s missing", want[i]);
  assert_false (sv_strv_contains (caps, "CAP_SYS_ADMIN"));
}

/* sv_all_caps is exactly the bounding set of this process. */
static void
test_all_caps (void **state)
{
  _cleanup_strv_ char **all = sv_all_caps ();
  for (int cap = 0; cap <= sv_cap_last_cap (); cap++)
    {
      if (sv_cap_name (cap) == NULL)
        continue;
      bool bounded = prctl (PR_CAPBSET_READ, cap, 0, 0, 0) == 1;
      if (bounded != sv_strv_contains (all, sv_cap_name (cap)))
        fail_msg ("%s: in bounding set %d, in sv_all_caps %d", sv_cap_name (cap), bounded,
                  !bounded);
    }
  assert_true (sv_strv_length (all) > 0);
}

/* *caps after add/drop from the default set. */
static char **
tweak (char *const *add, char *const *drop)
{
  char **caps = sv_default_caps ();
  _cleanup_err_ struct sv_err *err = NULL;
  if (sv_caps_add_drop (&caps, add, drop, &err) < 0)
    fail_msg ("sv_caps_add_drop: %s", err->msg);
  return caps;
}

static void
test_cap_add_drop (void **state)
{
  _cleanup_strv_ char **unchanged = tweak (NULL, NULL);
  assert_int_equal (sv_strv_length (unchanged), 14);

  _cleanup_strv_ char **a
      = tweak (CAPS ("sys_admin", "CAP_NET_ADMIN", "Sys_Admin"), CAPS ("net_raw", "CAP_MKNOD"));
  assert_int_equal (sv_strv_length (a), 14);
  assert_true (sv_strv_contains (a, "CAP_SYS_ADMIN"));
  assert_true (sv_strv_contains (a, "CAP_NET_ADMIN"));
  assert_false (sv_strv_contains (a, "CAP_NET_RAW"));
  assert_false (sv_strv_contains (a, "CAP_MKNOD"));

  /* Adding a default capability does not repeat it. */
  _cleanup_strv_ char **dup = tweak (CAPS ("CHOWN"), NULL);
  assert_int_equal (sv_strv_length (dup), 14);

  /* docker drops from the base set, then adds: in both lists means kept. */
  _cleanup_strv_ char **both = tweak (CAPS ("KILL"), CAPS ("KILL"));
  assert_true (sv_strv_contains (both, "CAP_KILL"));
}

static void
test_cap_all (void **state)
{
  _cleanup_strv_ char **all = sv_all_caps ();
  _cleanup_strv_ char **add_all = tweak (CAPS ("all"), NULL);
  assert_int_equal (sv_strv_length (add_all), sv_strv_length (all));

  _cleanup_strv_ char **add_all_drop = tweak (CAPS ("ALL"), CAPS ("SYS_ADMIN"));
  assert_int_equal (sv_strv_length (add_all_drop), sv_strv_length (all) - 1);
  assert_false (sv_strv_contains (add_all_drop, "CAP_SYS_ADMIN"));
  assert_true (sv_strv_contains (add_all_drop, "CAP_CHOWN"));

  _cleanup_strv_ char **drop_all = tweak (CAPS ("CAP_NET_BIND_SERVICE", "chown"), CAPS ("ALL"));
  assert_int_equal (sv_strv_length (drop_all), 2);
  assert_string_equal (drop_all[0], "CAP_NET_BIND_SERVICE");
  assert_string_equal (drop_all[1], "CAP_CHOWN");

  _cleanup_strv_ char **none = tweak (NULL, CAPS ("all"));
  assert_int_equal (sv_strv_length (none), 0);
}

static void
test_cap_unknown (void **state)
{
  char *const *cases[][2] = {
    { CAPS ("sys_admn"), NULL },
    { NULL, CAPS ("CAP_KILL", "cap_sys_admn") },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      _cleanup_strv_ char **caps = sv_default_caps ();
      char **before = caps;
      _cleanup_err_ struct sv_err *err = NULL;
      assert_true (sv_caps_add_drop (&caps, cases[i][0], cases[i][1], &err) < 0);
      assert_ptr_equal (caps, before);
      assert_int_equal (sv_strv_length (caps), 14);
      assert_int_equal (err->code, EINVAL);
      assert_string_equal (err->msg, "unknown capability: \"CAP_SYS_ADMN\"");
    }
}

static void
test_paths (void **state)
{
  char *const *masked = (char *const *)sv_default_masked_paths;
  char *const *ro = (char *const *)sv_default_readonly_paths;
  assert_int_equal (sv_strv_length (masked), 11);
  assert_true (sv_strv_contains (masked, "/proc/kcore"));
  assert_true (sv_strv_contains (masked, "/sys/firmware"));
  assert_true (sv_strv_contains (masked, "/sys/devices/virtual/powercap"));
  assert_int_equal (sv_strv_length (ro), 5);
  assert_true (sv_strv_contains (ro, "/proc/sys"));
  assert_true (sv_strv_contains (ro, "/proc/sysrq-trigger"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_profile_parses),
    cmocka_unit_test (test_profile_header),
    cmocka_unit_test (test_profile_host_arch),
    cmocka_unit_test (test_profile_default_caps),
    cmocka_unit_test (test_profile_clone3_enosys),
    cmocka_unit_test (test_profile_capability_rules),
    cmocka_unit_test (test_profile_cap_spelling),
    cmocka_unit_test (test_profile_confines),
    cmocka_unit_test (test_profile_confines_sys_admin),
    cmocka_unit_test (test_default_caps),
    cmocka_unit_test (test_all_caps),
    cmocka_unit_test (test_cap_add_drop),
    cmocka_unit_test (test_cap_all),
    cmocka_unit_test (test_cap_unknown),
    cmocka_unit_test (test_paths),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}

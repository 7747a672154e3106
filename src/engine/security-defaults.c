/* Docker's default seccomp profile, capabilities and masked paths.
 *
 * The seccomp profile is moby's profiles/seccomp/default.json kept as
 * tables: one row per rule, with the conditions ("includes"/"excludes" on
 * capabilities, architectures and kernel version) that docker evaluates
 * when it turns the profile into a container's linux.seccomp. */
#include "engine/security-defaults.h"
#include "runtime/caps.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/utsname.h>

#define CAP_BIT(c) (UINT64_C (1) << (c))
#define ENOSYS_RET 38 /* errno values are part of the profile, not of this host */

/* Architectures named in the profile's rules (docker's GOARCH names). */
enum
{
  ARCH_AMD64 = 1 << 0,
  ARCH_X86 = 1 << 1,
  ARCH_ARM64 = 1 << 2,
  ARCH_ARM = 1 << 3,
  ARCH_S390X = 1 << 4,
  ARCH_S390 = 1 << 5,
  ARCH_PPC64LE = 1 << 6,
  ARCH_RISCV64 = 1 << 7,
};

struct arch_info
{
  const char *const *names; /* `uname -m` and Go names */
  unsigned bit;
  const char *const *scmp; /* "architectures": native first, then moby's subArchitectures */
};

static const struct arch_info arch_table[] = {
  { (const char *const[]){ "x86_64", "amd64", NULL }, ARCH_AMD64,
    (const char *const[]){ "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL } },
  { (const char *const[]){ "i386", "i486", "i586", "i686", "386", NULL }, ARCH_X86,
    (const char *const[]){ "SCMP_ARCH_X86", NULL } },
  { (const char *const[]){ "aarch64", "arm64", NULL }, ARCH_ARM64,
    (const char *const[]){ "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL } },
  { (const char *const[]){ "armv6l", "armv7l", "armv8l", "arm", NULL }, ARCH_ARM,
    (const char *const[]){ "SCMP_ARCH_ARM", NULL } },
  { (const char *const[]){ "s390x", NULL }, ARCH_S390X,
    (const char *const[]){ "SCMP_ARCH_S390X", "SCMP_ARCH_S390", NULL } },
  { (const char *const[]){ "s390", NULL }, ARCH_S390,
    (const char *const[]){ "SCMP_ARCH_S390", NULL } },
  { (const char *const[]){ "ppc64le", NULL }, ARCH_PPC64LE,
    (const char *const[]){ "SCMP_ARCH_PPC64LE", NULL } },
  { (const char *const[]){ "riscv64", NULL }, ARCH_RISCV64,
    (const char *const[]){ "SCMP_ARCH_RISCV64", NULL } },
};

/* Allowed for every container. */
/* clang-format off */
static const char *const allowed[] = {
  "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset", "chdir",
  "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
  "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
  "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
  "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
  "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat",
  "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate",
  "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown", "fchown32", "fchownat", "fcntl",
  "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr",
  "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64",
  "futex", "futex_time64", "futex_waitv", "futimesat", "getcpu", "getcwd", "getdents", "getdents64",
  "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
  "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
  "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
  "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday",
  "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1",
  "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents",
  "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit", "io_uring_enter",
  "io_uring_register", "io_uring_setup", "ipc", "kill", "landlock_add_rule",
  "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link",
  "linkat", "listen", "listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr",
  "lstat", "lstat64", "madvise", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir",
  "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect",
  "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64",
  "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
  "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
  "newfstatat", "_newselect", "open", "openat", "openat2", "pause", "pidfd_open",
  "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll",
  "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease",
  "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
  "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
  "remap_file_pages", "removexattr", "rename", "renameat", "renameat2", "restart_syscall", "rmdir",
  "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
  "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
  "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
  "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
  "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
  "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop",
  "semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg",
  "sendto", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
  "setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32", "setresgid",
  "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit",
  "set_robust_list", "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid",
  "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack",
  "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat",
  "stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range",
  "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
  "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
  "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill",
  "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime",
  "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid",
  "write", "writev", NULL,
};
/* clang-format on */

/* clang-format off */
static const char *const sys_admin[] = {
  "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
  "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open",
  "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2",
  "unshare", NULL,
};
/* clang-format on */

static const char *const sys_ptrace[]
    = { "kcmp",   "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
        "ptrace", NULL };

#define NAMES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The namespace flags of clone(2) a container without CAP_SYS_ADMIN may not
 * pass: CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET. */
#define CLONE_NS_FLAGS UINT64_C (0x7E020000)
#define AF_VSOCK_NR 40

struct rule_arg
{
  unsigned int index;
  uint64_t value;
  const char *op;
};

struct seccomp_rule
{
  const char *const *names;
  int errno_ret;       /* 0: SCMP_ACT_ALLOW; else SCMP_ACT_ERRNO returning this */
  uint64_t caps;       /* kept only when the container has all of these */
  uint64_t not_caps;   /* dropped when the container has any of these */
  unsigned arches;     /* kept only on one of these (0: everywhere) */
  unsigned not_arches; /* dropped on these */
  int min_kernel[2];   /* kept only on a kernel at least MAJOR.MINOR */
  struct rule_arg arg; /* the one condition, when arg.op is set */
};

static const struct seccomp_rule rules[] = {
  { .names = allowed },
  { .names = NAMES ("process_vm_readv", "process_vm_writev", "ptrace"), .min_kernel = { 4, 8 } },
  { .names = NAMES ("socket"), .arg = { 0, AF_VSOCK_NR, "SCMP_CMP_NE" } },
  { .names = NAMES ("personality"), .arg = { 0, 0x0, "SCMP_CMP_EQ" } },
  { .names = NAMES ("personality"), .arg = { 0, 0x8, "SCMP_CMP_EQ" } },
  { .names = NAMES ("personality"), .arg = { 0, 0x20000, "SCMP_CMP_EQ" } },
  { .names = NAMES ("personality"), .arg = { 0, 0x20008, "SCMP_CMP_EQ" } },
  { .names = NAMES ("personality"), .arg = { 0, 0xffffffff, "SCMP_CMP_EQ" } },
  { .names = NAMES ("sync_file_range2", "swapcontext"), .arches = ARCH_PPC64LE },
  { .names = NAMES ("arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint",
                    "cacheflush", "set_tls"),
    .arches = ARCH_ARM | ARCH_ARM64 },
  { .names = NAMES ("arch_prctl"), .arches = ARCH_AMD64 },
  { .names = NAMES ("modify_ldt"), .arches = ARCH_AMD64 | ARCH_X86 },
  { .names = NAMES ("s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"),
    .arches = ARCH_S390 | ARCH_S390X },
  { .names = NAMES ("riscv_flush_icache"), .arches = ARCH_RISCV64 },
  { .names = NAMES ("open_by_handle_at"), .caps = CAP_BIT (CAP_DAC_READ_SEARCH) },
  { .names = sys_admin, .caps = CAP_BIT (CAP_SYS_ADMIN) },
  { .names = NAMES ("clone"),
    .not_caps = CAP_BIT (CAP_SYS_ADMIN),
    .not_arches = ARCH_S390 | ARCH_S390X,
    .arg = { 0, CLONE_NS_FLAGS, "SCMP_CMP_MASKED_EQ" } },
  /* s390 passes clone's flags second. */
  { .names = NAMES ("clone"),
    .not_caps = CAP_BIT (CAP_SYS_ADMIN),
    .arches = ARCH_S390 | ARCH_S390X,
    .arg = { 1, CLONE_NS_FLAGS, "SCMP_CMP_MASKED_EQ" } },
  /* clone3's flags are behind a pointer: make libc fall back to clone. */
  { .names = NAMES ("clone3"), .errno_ret = ENOSYS_RET, .not_caps = CAP_BIT (CAP_SYS_ADMIN) },
  { .names = NAMES ("reboot"), .caps = CAP_BIT (CAP_SYS_BOOT) },
  { .names = NAMES ("chroot"), .caps = CAP_BIT (CAP_SYS_CHROOT) },
  { .names = NAMES ("delete_module", "init_module", "finit_module"),
    .caps = CAP_BIT (CAP_SYS_MODULE) },
  { .names = NAMES ("acct"), .caps = CAP_BIT (CAP_SYS_PACCT) },
  { .names = sys_ptrace, .caps = CAP_BIT (CAP_SYS_PTRACE) },
  { .names = NAMES ("iopl", "ioperm"), .caps = CAP_BIT (CAP_SYS_RAWIO) },
  { .names = NAMES ("settimeofday", "stime", "clock_settime", "clock_settime64"),
    .caps = CAP_BIT (CAP_SYS_TIME) },
  { .names = NAMES ("vhangup"), .caps = CAP_BIT (CAP_SYS_TTY_CONFIG) },
  { .names = NAMES ("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"),
    .caps = CAP_BIT (CAP_SYS_NICE) },
  { .names = NAMES ("syslog"), .caps = CAP_BIT (CAP_SYSLOG) },
  { .names = NAMES ("bpf"), .caps = CAP_BIT (CAP_BPF) },
  { .names = NAMES ("perf_event_open"), .caps = CAP_BIT (CAP_PERFMON) },
};

/* clang-format off */
const char *const sv_default_masked_paths[] = {
  "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
  "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
  "/sys/devices/virtual/powercap", NULL,
};
/* clang-format on */

const char *const sv_default_readonly_paths[]
    = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL };

/* clang-format off */
static const char *const default_caps[] = {
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
  "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL,
};
/* clang-format on */

static const struct arch_info *
arch_find (const char *name)
{
  for (size_t i = 0; i < sizeof arch_table / sizeof arch_table[0]; i++)
    for (const char *const *n = arch_table[i].names; *n; n++)
      if (strcmp (*n, name) == 0)
        return &arch_table[i];
  return NULL;
}

/* Whether the running kernel is at least MAJOR.MINOR (true when unknown,
 * as every kernel servin runs on is far newer than the profile's minimum). */
static bool
kernel_at_least (int major, int minor)
{
  struct utsname u;
  int ma = 0, mi = 0;
  if (uname (&u) < 0 || sscanf (u.release, "%d.%d", &ma, &mi) != 2)
    return true;
  return ma > major || (ma == major && mi >= minor);
}

/* CAPS as a mask; names this table does not know grant nothing. */
static uint64_t
caps_mask_lenient (char *const *caps)
{
  uint64_t mask = 0;
  for (size_t i = 0; caps && caps[i]; i++)
    {
      int cap = sv_cap_from_name (caps[i]);
      if (cap >= 0)
        mask |= CAP_BIT (cap);
    }
  return mask;
}

static bool
rule_applies (const struct seccomp_rule *r, uint64_t caps, unsigned arch)
{
  if ((caps & r->caps) != r->caps || (caps & r->not_caps) != 0)
    return false;
  if ((r->arches != 0 && (r->arches & arch) == 0) || (r->not_arches & arch) != 0)
    return false;
  if (r->min_kernel[0] != 0 && !kernel_at_least (r->min_kernel[0], r->min_kernel[1]))
    return false;
  return true;
}

static json_t *
rule_json (const struct seccomp_rule *r)
{
  json_t *j = json_pack ("{s:o, s:s}", "names", sv_json_strv (r->names), "action",
                         r->errno_ret ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW");
  if (r->errno_ret)
    json_object_set_new (j, "errnoRet", json_integer (r->errno_ret));
  if (r->arg.op)
    json_object_set_new (j, "args",
                         json_pack ("[{s:i, s:I, s:s}]", "index", (int)r->arg.index, "value",
                                    (json_int_t)r->arg.value, "op", r->arg.op));
  return j;
}

/* The profile for the architecture ARCH (NULL: unknown, native only). */
static json_t *
profile_json (char *const *caps, const struct arch_info *arch)
{
  uint64_t mask = caps_mask_lenient (caps);
  unsigned bit = arch ? arch->bit : 0;
  json_t *syscalls = json_array ();
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
    if (rule_applies (&rules[i], mask, bit))
      json_array_append_new (syscalls, rule_json (&rules[i]));
  json_t *p = json_pack ("{s:s, s:i}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet", EPERM);
  if (arch)
    json_object_set_new (p, "architectures", sv_json_strv (arch->scmp));
  json_object_set_new (p, "syscalls", syscalls);
  return p;
}

int
sv_default_seccomp_for_arch (char *const *caps, const char *arch, json_t **out, struct sv_err **err)
{
  const struct arch_info *a = arch_find (arch);
  if (a == NULL)
    return sv_err_make_plain (err, EINVAL, "unsupported architecture `%s`", arch);
  *out = profile_json (caps, a);
  return 0;
}

json_t *
sv_default_seccomp (char *const *caps)
{
  struct utsname u;
  const struct arch_info *a = uname (&u) == 0 ? arch_find (u.machine) : NULL;
  return profile_json (caps, a);
}

char **
sv_default_caps (void)
{
  return sv_strv_dup ((char *const *)default_caps);
}

char **
sv_all_caps (void)
{
  char **v = xmalloc0 (sizeof (char *));
  int last = sv_cap_last_cap ();
  for (int cap = 0; cap <= last; cap++)
    if (sv_cap_name (cap) != NULL && prctl (PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
      sv_strv_append (&v, sv_cap_name (cap));
  return v;
}

/* NAME as docker prints it in errors: upper case with the CAP_ prefix. */
static char *
normalized_name (const char *name)
{
  char *s = strncasecmp (name, "CAP_", 4) == 0 ? xstrdup (name) : xasprintf ("CAP_%s", name);
  for (char *p = s; *p; p++)
    *p = (char)toupper ((unsigned char)*p);
  return s;
}

/* NAMES as a mask (*all set when one is "ALL"); validates every name. */
static int
names_mask (char *const *names, uint64_t *mask, bool *all, struct sv_err **err)
{
  *mask = 0;
  *all = false;
  for (size_t i = 0; names && names[i]; i++)
    {
      if (strcasecmp (names[i], "ALL") == 0)
        {
          *all = true;
          continue;
        }
      int cap = sv_cap_from_name (names[i]);
      if (cap < 0)
        {
          _cleanup_free_ char *n = normalized_name (names[i]);
          return sv_err_make_plain (err, EINVAL, "unknown capability: \"%s\"", n);
        }
      *mask |= CAP_BIT (cap);
    }
  return 0;
}

/* Append the names of V not in SKIP and not yet in *have to *out. */
static void
append_caps (char ***out, uint64_t *have, char *const *v, uint64_t skip)
{
  for (size_t i = 0; v && v[i]; i++)
    {
      if (strcasecmp (v[i], "ALL") == 0)
        continue;
      int cap = sv_cap_from_name (v[i]);
      if ((skip | *have) & CAP_BIT (cap))
        continue;
      *have |= CAP_BIT (cap);
      sv_strv_append (out, sv_cap_name (cap));
    }
}

int
sv_caps_add_drop (char ***caps, char *const *add, char *const *drop, struct sv_err **err)
{
  uint64_t add_mask, drop_mask, base_mask;
  bool add_all, drop_all, base_all;
  int ret = names_mask (*caps, &base_mask, &base_all, err);
  if (ret == 0)
    ret = names_mask (add, &add_mask, &add_all, err);
  if (ret == 0)
    ret = names_mask (drop, &drop_mask, &drop_all, err);
  if (ret < 0)
    return ret;

  char **out = xmalloc0 (sizeof (char *));
  uint64_t have = 0;
  if (add_all)
    {
      _cleanup_strv_ char **all = sv_all_caps ();
      append_caps (&out, &have, all, drop_mask);
    }
  else
    {
      if (!drop_all)
        append_caps (&out, &have, *caps, drop_mask);
      append_caps (&out, &have, add, 0);
    }
  sv_strv_free (*caps);
  *caps = out;
  return 0;
}

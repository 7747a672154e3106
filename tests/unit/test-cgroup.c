/* The cgroup manager against the real cgroupfs of this host (v1 or hybrid;
 * pure v2 in a private mount namespace), plus linux.resources parsing and
 * the device BPF program (run in a tiny interpreter here).  The cgroup
 * tests need root and skip, saying so, without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

/* ---- helpers ---- */

static struct sv_resources *
parse_res (const char *json)
{
  _cleanup_json_ json_t *obj = NULL;
  struct sv_resources *res = NULL;
  struct sv_err *err = NULL;
  assert_int_equal (sv_json_load_buffer (json, strlen (json), "test", &obj, NULL), 0);
  if (sv_resources_parse (obj, "linux.resources", &res, &err) < 0)
    fail_msg ("parse %s: %s", json, err->msg);
  return res;
}

/* The error message of parsing JSON (which must fail). */
static char *
parse_error (const char *json)
{
  _cleanup_json_ json_t *obj = NULL;
  struct sv_resources *res = NULL;
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_json_load_buffer (json, strlen (json), "test", &obj, NULL), 0);
  assert_true (sv_resources_parse (obj, "linux.resources", &res, &err) < 0);
  assert_null (res);
  return xstrdup (err->msg);
}

static void
assert_parse_error (const char *json, const char *want)
{
  _cleanup_free_ char *msg = parse_error (json);
  if (strstr (msg, want) == NULL)
    fail_msg ("error `%s` does not contain `%s`", msg, want);
}

static bool
require_root (void)
{
  if (geteuid () == 0)
    return true;
  print_message ("SKIP: creating cgroups needs root (running as uid %d)\n", (int)geteuid ());
  return false;
}

static char *
unique_name (const char *tag)
{
  static int counter;
  return xasprintf ("/servin-test-%s-%d-%d", tag, (int)getpid (), counter++);
}

/* Kill what is left in DIR (a cgroup directory) and remove it, children
 * first.  Used only after a failed test. */
static void
sweep_dir (const char *dir)
{
  _cleanup_closedir_ DIR *d = opendir (dir);
  struct dirent *de;
  while (d && (de = readdir (d)))
    if (de->d_type == DT_DIR && strcmp (de->d_name, ".") && strcmp (de->d_name, ".."))
      {
        _cleanup_free_ char *sub = xasprintf ("%s/%s", dir, de->d_name);
        sweep_dir (sub);
      }
  _cleanup_free_ char *procs_path = xasprintf ("%s/cgroup.procs", dir);
  _cleanup_free_ char *procs = NULL;
  if (sv_read_file_at (AT_FDCWD, procs_path, &procs, NULL, NULL) == 0)
    for (char *p = procs, *end; *p; p = end)
      {
        long pid = strtol (p, &end, 10);
        if (end == p)
          break;
        (void)kill ((pid_t)pid, SIGKILL);
      }
  _cleanup_free_ char *freeze = xasprintf ("%s/freezer.state", dir);
  (void)sv_write_knob_at (AT_FDCWD, freeze, "THAWED", NULL);
  for (int i = 0; i < 100 && rmdir (dir) < 0 && errno == EBUSY; i++)
    nanosleep (&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
}

/* Remove every cgroup this test process made under /sys/fs/cgroup/\*, so a
 * failing test does not leave cgroups (or processes) behind. */
static int
sweep_test_cgroups (void **state)
{
  _cleanup_free_ char *mine = xasprintf ("-%d-", (int)getpid ());
  _cleanup_closedir_ DIR *root = opendir ("/sys/fs/cgroup");
  struct dirent *h;
  while (root && (h = readdir (root)))
    {
      _cleanup_free_ char *hdir = xasprintf ("/sys/fs/cgroup/%s", h->d_name);
      _cleanup_closedir_ DIR *d = h->d_name[0] != '.' ? opendir (hdir) : NULL;
      struct dirent *de;
      while (d && (de = readdir (d)))
        if (strncmp (de->d_name, "servin-test-", 12) == 0 && strstr (de->d_name, mine))
          {
            _cleanup_free_ char *p = xasprintf ("%s/%s", hdir, de->d_name);
            print_message ("cleaning up leftover test cgroup %s\n", p);
            sweep_dir (p);
          }
    }
  return 0;
}

static enum sv_cgroup_mode
host_mode (void)
{
  enum sv_cgroup_mode mode;
  sv_cgroup_reset_mode_cache ();
  assert_int_equal (sv_cgroup_detect_mode (&mode, NULL), 0);
  return mode;
}

/* The dir of CG that provides v1 controller NAME, else the v2 one. */
static struct sv_cg_dir *
dir_for (struct sv_cgroup *cg, const char *v1name)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (sv_cg_dir_has_v1 (&cg->dirs[i], v1name))
      return &cg->dirs[i];
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (cg->dirs[i].backend == &sv_cgroup_v2_backend)
      return &cg->dirs[i];
  fail_msg ("no hierarchy for %s", v1name);
  return NULL;
}

static char *
read_knob (struct sv_cg_dir *d, const char *file)
{
  _cleanup_free_ char *p = sv_cg_dir_file (d, file);
  char *s = NULL;
  struct sv_err *err = NULL;
  if (sv_read_file_at (AT_FDCWD, p, &s, NULL, &err) < 0)
    fail_msg ("%s", err->msg);
  size_t len = strlen (s);
  while (len > 0 && s[len - 1] == '\n')
    s[--len] = '\0';
  return s;
}

/* FILE of the hierarchy holding V1NAME (V2FILE on cgroup v2) reads WANT. */
static void
assert_knob (struct sv_cgroup *cg, const char *v1name, const char *v1file, const char *v2file,
             const char *want)
{
  struct sv_cg_dir *d = dir_for (cg, v1name);
  bool v1 = d->backend == &sv_cgroup_v1_backend;
  _cleanup_free_ char *got = read_knob (d, v1 ? v1file : v2file);
  if (strcmp (got, want) != 0)
    fail_msg ("%s: `%s`, expected `%s`", v1 ? v1file : v2file, got, want);
}

static void
assert_all_gone (struct sv_cgroup *cg)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      _cleanup_free_ char *p = sv_cg_dir_file (&cg->dirs[i], NULL);
      struct stat st;
      if (stat (p, &st) == 0 || errno != ENOENT)
        fail_msg ("`%s` is still there", p);
    }
}

/* A child that waits for a byte on a pipe, then runs BODY and pauses until
 * killed; BODY writes its findings to REPORT. */
struct child
{
  pid_t pid;
  int go, report;
};

static struct child
spawn (void (*body) (int report))
{
  int go[2], rep[2];
  assert_int_equal (pipe2 (go, O_CLOEXEC), 0);
  assert_int_equal (pipe2 (rep, O_CLOEXEC), 0);
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      char c;
      close (go[1]);
      close (rep[0]);
      if (read (go[0], &c, 1) != 1)
        _exit (2);
      body (rep[1]);
      close (rep[1]);
      for (;;)
        pause ();
    }
  close (go[0]);
  close (rep[1]);
  return (struct child){ pid, go[1], rep[0] };
}

static void
release (struct child *c)
{
  assert_int_equal (write (c->go, "x", 1), 1);
}

static void
read_report (struct child *c, int *vals, size_t n)
{
  size_t want = n * sizeof *vals, got = 0;
  while (got < want)
    {
      ssize_t r = read (c->report, (char *)vals + got, want - got);
      if (r < 0 && errno == EINTR)
        continue;
      assert_true (r > 0);
      got += r;
    }
}

static void
reap (struct child *c, int want_sig)
{
  int status;
  assert_int_equal (waitpid (c->pid, &status, 0), c->pid);
  assert_true (WIFSIGNALED (status));
  assert_int_equal (WTERMSIG (status), want_sig);
  close (c->go);
  close (c->report);
}

static char *
proc_cgroup (pid_t pid)
{
  _cleanup_free_ char *p = xasprintf ("/proc/%d/cgroup", (int)pid);
  char *s = NULL;
  assert_int_equal (sv_read_file_at (AT_FDCWD, p, &s, NULL, NULL), 0);
  return s;
}

static void
assert_proc_in (pid_t pid, const char *hierarchy, const char *path)
{
  _cleanup_free_ char *s = proc_cgroup (pid);
  _cleanup_free_ char *line = xasprintf (":%s:%s\n", hierarchy, path);
  if (strstr (s, line) == NULL)
    fail_msg ("/proc/%d/cgroup has no `%s`:\n%s", (int)pid, line, s);
}

static struct sv_cgroup *
create_ok (const char *name, const struct sv_resources *res, pid_t pid)
{
  struct sv_cgroup *cg = NULL;
  struct sv_err *err = NULL;
  if (sv_cgroup_create ("test", name, false, res, pid, &cg, &err) < 0)
    fail_msg ("create: %s (%s)", err->msg, strerror (err->code));
  return cg;
}

#define CHECK_OK(call)                                                                             \
  do                                                                                               \
    {                                                                                              \
      struct sv_err *_e = NULL;                                                                    \
      if ((call) < 0)                                                                              \
        fail_msg ("%s: %s (%s)", #call, _e->msg, strerror (_e->code));                             \
    }                                                                                              \
  while (0)

/* Fork until fork fails; report how many worked and the errno. */
static void
fork_until_refused (int report)
{
  int vals[2] = { 0, 0 };
  for (int i = 0; i < 16; i++)
    {
      pid_t p = fork ();
      if (p == 0)
        {
          for (;;)
            pause ();
        }
      if (p < 0)
        {
          vals[1] = errno;
          break;
        }
      vals[0]++;
    }
  (void)!write (report, vals, sizeof vals);
}

static size_t
count_pids (struct sv_cgroup *cg)
{
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  CHECK_OK (sv_cgroup_pids (cg, &pids, &n, &_e));
  return n;
}

static void
wait_empty (struct sv_cgroup *cg)
{
  for (int i = 0; i < 200 && count_pids (cg) > 0; i++)
    nanosleep (&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
  assert_int_equal (count_pids (cg), 0);
}

/* ---- parsing ---- */

static void
test_parse_errors_name_the_field (void **state)
{
  assert_parse_error ("{\"memory\":{\"limit\":\"1G\"}}",
                      "linux.resources.memory.limit: expected an integer");
  assert_parse_error ("{\"memory\":{\"swappiness\":101}}", "linux.resources.memory.swappiness");
  assert_parse_error ("{\"cpu\":{\"cpus\":7}}", "linux.resources.cpu.cpus: expected a string");
  assert_parse_error ("{\"pids\":{\"limit\":true}}",
                      "linux.resources.pids.limit: expected an integer");
  assert_parse_error ("{\"blockIO\":{\"weight\":5}}", "linux.resources.blockIO.weight");
  assert_parse_error ("{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8}]}}",
                      "linux.resources.blockIO.throttleReadBpsDevice[0].minor: missing");
  assert_parse_error ("{\"hugepageLimits\":[{\"pageSize\":\"2M\",\"limit\":1}]}",
                      "linux.resources.hugepageLimits[0].pageSize");
  assert_parse_error ("{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}",
                      "linux.resources.devices[0].access");
  assert_parse_error ("{\"devices\":[{\"access\":\"r\"}]}",
                      "linux.resources.devices[0].allow: missing");
  assert_parse_error ("{\"unified\":{\"memory.high\":5}}",
                      "linux.resources.unified.memory.high: expected a string");
  assert_parse_error ("{\"unified\":{\"../x\":\"1\"}}", "linux.resources.unified.../x");
  assert_parse_error ("{\"network\":{\"classID\":1}}", "linux.resources.network: not supported");
  assert_parse_error ("{\"rdma\":{}}", "linux.resources.rdma: not supported");
}

static void
test_parse_values (void **state)
{
  struct sv_resources *r = parse_res (
      "{\"memory\":{\"limit\":1048576,\"swap\":-1,\"kernel\":1,\"disableOOMKiller\":true},"
      "\"cpu\":{\"shares\":1024,\"quota\":-1,\"cpus\":\"0-1\"},\"pids\":{\"limit\":0},"
      "\"blockIO\":{\"weight\":500,\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":100}]},"
      "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":0}],"
      "\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":4,\"access\":\"rw\"}],"
      "\"unified\":{\"memory.high\":\"max\"}}");
  assert_true (r->memory.limit.set);
  assert_int_equal (r->memory.limit.v, 1048576);
  assert_int_equal (r->memory.swap.v, -1);
  assert_true (r->memory.disable_oom_killer);
  assert_int_equal (r->cpu.quota.v, -1);
  assert_string_equal (r->cpu.cpus, "0-1");
  assert_true (r->pids_limit.set);
  assert_int_equal (r->blkio.n_weight_devs, 1);
  assert_string_equal (r->hugepages[0].page_size, "2MB");
  assert_int_equal (r->n_devices, 1);
  assert_int_equal (r->devices[0].major, 4);
  assert_int_equal (r->devices[0].minor, -1);
  assert_int_equal (r->devices[0].access, SV_DEV_ACC_READ | SV_DEV_ACC_WRITE);
  assert_string_equal (r->unified[0].key, "memory.high");
  for (int c = 0; c < SV_CTRL_N; c++)
    if (c != SV_CTRL_CPUACCT && c != SV_CTRL_DEVICES && c != SV_CTRL_FREEZER)
      assert_true (sv_resources_need (r, c));
  sv_resources_free (r);
  r = parse_res ("{}");
  assert_false (sv_resources_need (r, SV_CTRL_MEMORY));
  sv_resources_free (r);
}

/* ---- the device program, run in a small interpreter ---- */

static int
bpf_run (const struct bpf_insn *p, size_t n, char type, unsigned access, uint32_t major,
         uint32_t minor)
{
  struct bpf_cgroup_dev_ctx ctx = {
    .access_type = (access << 16) | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR),
    .major = major,
    .minor = minor,
  };
  uint64_t reg[11] = { [1] = (uintptr_t)&ctx };
  for (size_t pc = 0; pc < n; pc++)
    {
      const struct bpf_insn *i = &p[pc];
      uint64_t src = BPF_SRC (i->code) == BPF_X ? reg[i->src_reg] : (uint64_t)(int64_t)i->imm;
      switch (i->code)
        {
        case BPF_LDX | BPF_MEM | BPF_W:
          reg[i->dst_reg] = *(uint32_t *)((char *)(uintptr_t)reg[i->src_reg] + i->off);
          break;
        case BPF_ALU | BPF_AND | BPF_K:
          reg[i->dst_reg] = (uint32_t)(reg[i->dst_reg] & src);
          break;
        case BPF_ALU | BPF_RSH | BPF_K:
          reg[i->dst_reg] = (uint32_t)reg[i->dst_reg] >> src;
          break;
        case BPF_ALU | BPF_MOV | BPF_X:
          reg[i->dst_reg] = (uint32_t)src;
          break;
        case BPF_ALU64 | BPF_MOV | BPF_K:
          reg[i->dst_reg] = src;
          break;
        case BPF_JMP | BPF_JNE | BPF_K:
        case BPF_JMP | BPF_JNE | BPF_X:
          if (reg[i->dst_reg] != src)
            pc += i->off;
          break;
        case BPF_JMP | BPF_EXIT:
          return (int)reg[0];
        default:
          fail_msg ("unexpected BPF opcode 0x%x at %zu", i->code, pc);
        }
    }
  fail_msg ("the program ran off its end");
  return -1;
}

static void
test_device_program (void **state)
{
  struct sv_resources *r
      = parse_res ("{\"devices\":[{\"allow\":true,\"type\":\"b\",\"major\":8,\"access\":\"r\"},"
                   "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"w\"}]}");
  size_t n_rules = 0, n = 0;
  _cleanup_free_ struct sv_dev_rule *rules = sv_resources_device_rules (r, &n_rules);
  _cleanup_free_ struct bpf_insn *p = NULL;
  sv_devices_bpf_build (rules, n_rules, (void **)&p, &n);
  const unsigned R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE, M = BPF_DEVCG_ACC_MKNOD;
  assert_int_equal (bpf_run (p, n, 'c', R | W, 1, 5), 1);  /* /dev/zero: default */
  assert_int_equal (bpf_run (p, n, 'c', R | W, 1, 11), 0); /* /dev/kmsg: denied */
  assert_int_equal (bpf_run (p, n, 'c', M, 1, 11), 1);     /* mknod anything */
  assert_int_equal (bpf_run (p, n, 'b', R, 8, 1), 1);      /* the user's block rule */
  assert_int_equal (bpf_run (p, n, 'b', R | W, 8, 1), 0);  /* ...read only */
  assert_int_equal (bpf_run (p, n, 'c', R, 136, 42), 1);   /* pts wildcard minor */
  /* /dev/null w was denied by the user, but the defaults come later and win. */
  assert_int_equal (bpf_run (p, n, 'c', W, 1, 3), 1);
  sv_resources_free (r);

  /* allow-all: one unconditional block, nothing after it */
  struct sv_dev_rule all = { true, 'a', -1, -1, SV_DEV_ACC_ALL };
  _cleanup_free_ struct bpf_insn *q = NULL;
  sv_devices_bpf_build (&all, 1, (void **)&q, &n);
  assert_int_equal (bpf_run (q, n, 'b', R | W, 253, 7), 1);
}

/* ---- real cgroups on this host ---- */

static void
test_lifecycle (void **state)
{
  if (!require_root ())
    skip ();
  enum sv_cgroup_mode mode = host_mode ();
  _cleanup_free_ char *name = unique_name ("life");
  struct sv_resources *res = parse_res (
      "{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":4},\"cpu\":{\"shares\":512,"
      "\"cpus\":\"0\"}}");
  struct child c = spawn (fork_until_refused);
  struct sv_cgroup *cg = create_ok (name, res, c.pid);
  assert_string_equal (sv_cgroup_path (cg), name);

  assert_knob (cg, "memory", "memory.limit_in_bytes", "memory.max", "67108864");
  assert_knob (cg, "pids", "pids.max", "pids.max", "4");
  assert_knob (cg, "cpuset", "cpuset.cpus", "cpuset.cpus", "0");
  if (mode != SV_CGROUP_V2)
    {
      assert_knob (cg, "cpu", "cpu.shares", NULL, "512");
      _cleanup_free_ char *list = read_knob (dir_for (cg, "devices"), "devices.list");
      assert_non_null (strstr (list, "c 1:3 rwm"));
      assert_null (strstr (list, "a *:* rwm"));
      assert_proc_in (c.pid, "memory", name);
      assert_proc_in (c.pid, "pids", name);
      assert_proc_in (c.pid, "name=systemd", name);
    }
  if (mode != SV_CGROUP_V1)
    assert_proc_in (c.pid, "", name);

  /* pids.max 4: the child and three more; the fourth fork gets EAGAIN. */
  release (&c);
  int rep[2];
  read_report (&c, rep, 2);
  assert_int_equal (rep[0], 3);
  assert_int_equal (rep[1], EAGAIN);

  CHECK_OK (sv_cgroup_freeze (cg, true, &_e));
  assert_int_equal (sv_cgroup_is_frozen (cg, NULL), 1);
  if (mode != SV_CGROUP_V2)
    assert_knob (cg, "freezer", "freezer.state", NULL, "FROZEN");
  CHECK_OK (sv_cgroup_freeze (cg, false, &_e));
  assert_int_equal (sv_cgroup_is_frozen (cg, NULL), 0);

  struct sv_resources *upd
      = parse_res ("{\"memory\":{\"limit\":134217728},\"pids\":{\"limit\":16}}");
  CHECK_OK (sv_cgroup_update (cg, upd, &_e));
  assert_knob (cg, "memory", "memory.limit_in_bytes", "memory.max", "134217728");
  assert_knob (cg, "pids", "pids.max", "pids.max", "16");

  struct sv_cgroup_stats st;
  CHECK_OK (sv_cgroup_stats (cg, &st, &_e));
  assert_int_equal (st.memory_limit, 134217728);
  assert_int_equal (st.pids_limit, 16);
  assert_int_equal (st.pids_current, 4);
  assert_true (st.memory_usage > 0);
  assert_true (st.cpu_usage_ns > 0);

  /* Another process finds it again from the stored path alone. */
  struct sv_cgroup *again = NULL;
  CHECK_OK (sv_cgroup_open (sv_cgroup_path (cg), &again, &_e));
  assert_int_equal (count_pids (again), 4);
  CHECK_OK (sv_cgroup_kill_all (again, SIGKILL, &_e));
  reap (&c, SIGKILL);
  wait_empty (again);
  CHECK_OK (sv_cgroup_destroy (again, &_e));
  assert_all_gone (cg);
  /* Destroying twice is fine. */
  CHECK_OK (sv_cgroup_destroy (cg, &_e));

  sv_cgroup_free (again);
  sv_cgroup_free (cg);
  sv_resources_free (upd);
  sv_resources_free (res);
}

/* kill_all with a catchable signal goes process by process. */
static void
test_kill_all_sigterm_and_nested_destroy (void **state)
{
  if (!require_root ())
    skip ();
  _cleanup_free_ char *name = unique_name ("term");
  struct child c = spawn (fork_until_refused);
  struct sv_cgroup *cg = create_ok (name, NULL, c.pid);
  /* A sub-cgroup made by the container (empty) must not stop destroy. */
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      _cleanup_free_ char *sub = sv_cg_dir_file (&cg->dirs[i], "inner/deeper");
      assert_int_equal (sv_mkdir_p_at (AT_FDCWD, sub, 0755, NULL), 0);
    }
  CHECK_OK (sv_cgroup_kill_all (cg, SIGTERM, &_e));
  reap (&c, SIGTERM);
  assert_int_equal (sv_cgroup_is_frozen (cg, NULL), 0);
  wait_empty (cg);
  CHECK_OK (sv_cgroup_destroy (cg, &_e));
  assert_all_gone (cg);
  sv_cgroup_free (cg);
}

static void
allocate_a_lot (int report)
{
  size_t sz = 256u << 20;
  char *p = malloc (sz);
  for (size_t i = 0; p && i < sz; i += 4096)
    p[i] = 1;
  int vals[1] = { p != NULL };
  (void)!write (report, vals, sizeof vals);
}

static void
test_oom_kill_counted (void **state)
{
  if (!require_root ())
    skip ();
  _cleanup_free_ char *name = unique_name ("oom");
  struct sv_resources *res = parse_res ("{\"memory\":{\"limit\":33554432,\"swap\":33554432}}");
  struct child c = spawn (allocate_a_lot);
  struct sv_cgroup *cg = create_ok (name, res, c.pid);
  release (&c);
  reap (&c, SIGKILL);
  struct sv_cgroup_stats st;
  CHECK_OK (sv_cgroup_stats (cg, &st, &_e));
  assert_true (st.oom_kills >= 1);
  assert_true (st.memory_max_usage > 0);
  wait_empty (cg);
  CHECK_OK (sv_cgroup_destroy (cg, &_e));
  assert_all_gone (cg);
  sv_cgroup_free (cg);
  sv_resources_free (res);
}

/* A failure after mkdir removes what create made, parents included. */
static void
test_failed_create_leaves_nothing (void **state)
{
  if (!require_root ())
    skip ();
  _cleanup_free_ char *top = unique_name ("fail");
  _cleanup_free_ char *name = xasprintf ("%s/inner", top);
  struct sv_resources *res = parse_res ("{\"cpu\":{\"cpus\":\"9999\"}}");
  struct sv_cgroup *cg = NULL;
  _cleanup_err_ struct sv_err *err = NULL;
  assert_true (sv_cgroup_create ("test", name, false, res, 0, &cg, &err) < 0);
  assert_null (cg);
  assert_non_null (strstr (err->msg, "cpuset.cpus"));
  struct stat st;
  for (const char *h = "memory\0cpuset\0pids\0systemd\0unified\0"; *h; h += strlen (h) + 1)
    {
      _cleanup_free_ char *p = xasprintf ("/sys/fs/cgroup/%s%s", h, top);
      assert_true (stat (p, &st) < 0 && errno == ENOENT);
    }
  sv_resources_free (res);
}

static void
test_controller_errors (void **state)
{
  if (!require_root ())
    skip ();
  enum sv_cgroup_mode mode = host_mode ();
  _cleanup_free_ char *name = unique_name ("err");
  struct sv_resources *res = parse_res ("{\"unified\":{\"memory.high\":\"1G\"}}");
  struct sv_cgroup *cg = NULL;
  _cleanup_err_ struct sv_err *err = NULL;
  if (mode == SV_CGROUP_V2)
    print_message ("pure v2 host: unified keys are valid here, nothing to refuse\n");
  else
    {
      assert_true (sv_cgroup_create ("test", name, false, res, 0, &cg, &err) < 0);
      assert_non_null (strstr (err->msg, "linux.resources.unified.memory.high"));
      _cleanup_free_ char *p = xasprintf ("/sys/fs/cgroup/memory%s", name);
      assert_true (access (p, F_OK) < 0);
    }
  sv_resources_free (res);
}

/* On a hybrid host where hugetlb is not mounted as a v1 hierarchy it
 * exists only in the unified one, and the limit must land there.  (bench/
 * mounts hugetlb as v1 for crun's sake; then the v1 hierarchy holds it.) */
static void
test_hybrid_hugetlb_goes_to_v2 (void **state)
{
  if (!require_root ())
    skip ();
  if (host_mode () != SV_CGROUP_HYBRID)
    {
      print_message ("SKIP: not a hybrid host\n");
      skip ();
    }
  struct statfs hfs;
  if (statfs ("/sys/fs/cgroup/hugetlb", &hfs) == 0 && hfs.f_type == CGROUP_SUPER_MAGIC)
    {
      _cleanup_free_ char *vname = unique_name ("huge1");
      struct sv_resources *vres
          = parse_res ("{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]}");
      struct sv_cgroup *vcg = create_ok (vname, vres, 0);
      _cleanup_free_ char *vp
          = xasprintf ("/sys/fs/cgroup/hugetlb%s/hugetlb.2MB.limit_in_bytes", vname);
      _cleanup_free_ char *vs = NULL;
      assert_int_equal (sv_read_file_at (AT_FDCWD, vp, &vs, NULL, NULL), 0);
      assert_string_equal (vs, "4194304\n");
      CHECK_OK (sv_cgroup_destroy (vcg, &_e));
      assert_all_gone (vcg);
      sv_cgroup_free (vcg);
      sv_resources_free (vres);
      return;
    }
  char *controllers = NULL;
  bool have = sv_read_file_at (AT_FDCWD, "/sys/fs/cgroup/unified/cgroup.controllers", &controllers,
                               NULL, NULL)
                  == 0
              && strstr (controllers, "hugetlb") != NULL;
  /* skip() does not return: nothing may be left to free behind it. */
  free (controllers);
  if (!have)
    {
      /* Unmounting a v1 hugetlb hierarchy that still has cgroups leaves the
       * controller bound to it: neither v1 nor v2 can serve it then. */
      print_message ("SKIP: hugetlb is neither mounted as v1 nor available in the unified "
                     "hierarchy on this host\n");
      skip ();
    }
  _cleanup_free_ char *name = unique_name ("huge");
  _cleanup_free_ char *before = NULL;
  assert_int_equal (sv_read_file_at (AT_FDCWD, "/sys/fs/cgroup/unified/cgroup.subtree_control",
                                     &before, NULL, NULL),
                    0);
  struct sv_resources *res
      = parse_res ("{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]}");
  struct sv_cgroup *cg = create_ok (name, res, 0);
  _cleanup_free_ char *p = xasprintf ("/sys/fs/cgroup/unified%s/hugetlb.2MB.max", name);
  _cleanup_free_ char *s = NULL;
  assert_int_equal (sv_read_file_at (AT_FDCWD, p, &s, NULL, NULL), 0);
  assert_string_equal (s, "4194304\n");
  CHECK_OK (sv_cgroup_destroy (cg, &_e));
  assert_all_gone (cg);
  /* Leave the host's root as it was (create had to enable hugetlb there). */
  if (strstr (before, "hugetlb") == NULL)
    (void)sv_write_knob_at (AT_FDCWD, "/sys/fs/cgroup/unified/cgroup.subtree_control", "-hugetlb",
                            NULL);
  sv_cgroup_free (cg);
  sv_resources_free (res);
}

static void
test_default_path (void **state)
{
  if (!require_root ())
    skip ();
  _cleanup_free_ char *id = xasprintf ("servin-test-default-%d", (int)getpid ());
  struct sv_cgroup *cg = NULL;
  CHECK_OK (sv_cgroup_create (id, NULL, false, NULL, 0, &cg, &_e));
  _cleanup_free_ char *want = xasprintf ("/servin/%s", id);
  assert_string_equal (sv_cgroup_path (cg), want);
  CHECK_OK (sv_cgroup_destroy (cg, &_e));
  assert_all_gone (cg);
  /* Remove /servin too when this test was its only user. */
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      _cleanup_free_ char *p = xasprintf ("%s/servin", cg->dirs[i].mount);
      (void)rmdir (p);
    }
  sv_cgroup_free (cg);
}

/* ---- pure cgroup v2, in a private mount namespace ---- */

#define V2_CHECK(cond, ...)                                                                        \
  do                                                                                               \
    {                                                                                              \
      if (!(cond))                                                                                 \
        {                                                                                          \
          fprintf (stderr, "v2 child: " __VA_ARGS__);                                              \
          fprintf (stderr, " (%s:%d)\n", __FILE__, __LINE__);                                      \
          _exit (1);                                                                               \
        }                                                                                          \
    }                                                                                              \
  while (0)

static void
open_devices (int report)
{
  int null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  int kmsg_fd = open ("/dev/kmsg", O_RDONLY | O_CLOEXEC);
  int vals[2] = { null_fd >= 0 ? 0 : errno, kmsg_fd >= 0 ? 0 : errno };
  (void)!write (report, vals, sizeof vals);
}

static const char *
err_msg (struct sv_err *e)
{
  return e ? e->msg : "?";
}

static void
v2_refuses_missing_controller (const char *name)
{
  struct sv_resources *res = NULL;
  json_t *obj = json_pack ("{s:{s:i}}", "pids", "limit", 5);
  V2_CHECK (sv_resources_parse (obj, "linux.resources", &res, NULL) == 0, "parse");
  json_decref (obj);
  struct sv_cgroup *cg = NULL;
  struct sv_err *err = NULL;
  V2_CHECK (sv_cgroup_create ("t", name, false, res, 0, &cg, &err) < 0,
            "pids limit accepted without a pids controller");
  V2_CHECK (strstr (err->msg, "pids limit requested but the pids controller is not available"),
            "unexpected error: %s", err->msg);
  sv_err_free (&err);
  sv_resources_free (res);
}

static void
v2_lifecycle (const char *name)
{
  struct child c = spawn (open_devices);
  struct sv_cgroup *cg = NULL;
  struct sv_err *err = NULL;
  V2_CHECK (sv_cgroup_create ("t", name, false, NULL, c.pid, &cg, &err) == 0, "create: %s",
            err_msg (err));
  _cleanup_free_ char *pc = proc_cgroup (c.pid);
  _cleanup_free_ char *line = xasprintf ("0::%s\n", name);
  V2_CHECK (strstr (pc, line), "child not in %s: %s", name, pc);

  /* The device program: /dev/null allowed, /dev/kmsg denied. */
  V2_CHECK (write (c.go, "x", 1) == 1, "release");
  int rep[2];
  V2_CHECK (read (c.report, rep, sizeof rep) == sizeof rep, "no report");
  V2_CHECK (rep[0] == 0, "/dev/null refused: %s", strerror (rep[0]));
  V2_CHECK (rep[1] == EPERM, "/dev/kmsg not refused with EPERM: %s", strerror (rep[1]));

  V2_CHECK (sv_cgroup_freeze (cg, true, &err) == 0, "freeze: %s", err_msg (err));
  V2_CHECK (sv_cgroup_is_frozen (cg, NULL) == 1, "not frozen");
  V2_CHECK (sv_cgroup_freeze (cg, false, &err) == 0, "thaw: %s", err_msg (err));
  V2_CHECK (sv_cgroup_is_frozen (cg, NULL) == 0, "still frozen");

  V2_CHECK (sv_cgroup_kill_all (cg, SIGKILL, &err) == 0, "kill_all: %s", err_msg (err));
  int status;
  V2_CHECK (waitpid (c.pid, &status, 0) == c.pid && WIFSIGNALED (status)
                && WTERMSIG (status) == SIGKILL,
            "child not killed");
  V2_CHECK (sv_cgroup_destroy (cg, &err) == 0, "destroy: %s", err_msg (err));
  _cleanup_free_ char *dir = xasprintf ("/sys/fs/cgroup%s", name);
  V2_CHECK (access (dir, F_OK) < 0 && errno == ENOENT, "%s left behind", dir);
  sv_cgroup_free (cg);
}

static void
v2_child (const char *name)
{
  V2_CHECK (unshare (CLONE_NEWNS) == 0, "unshare: %s", strerror (errno));
  V2_CHECK (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "rprivate: %s",
            strerror (errno));
  V2_CHECK (mount ("none", "/sys/fs/cgroup", "cgroup2", 0, NULL) == 0, "mount cgroup2: %s",
            strerror (errno));
  enum sv_cgroup_mode mode;
  sv_cgroup_reset_mode_cache ();
  V2_CHECK (sv_cgroup_detect_mode (&mode, NULL) == 0 && mode == SV_CGROUP_V2, "mode %d", mode);
  _cleanup_free_ char *avail = NULL;
  V2_CHECK (sv_read_file_at (AT_FDCWD, "/sys/fs/cgroup/cgroup.controllers", &avail, NULL, NULL)
                == 0,
            "cgroup.controllers");
  if (strstr (avail, "pids") == NULL)
    v2_refuses_missing_controller (name);
  v2_lifecycle (name);
  _exit (0);
}

static void
test_pure_v2_in_mount_namespace (void **state)
{
  if (!require_root ())
    skip ();
  _cleanup_free_ char *name = unique_name ("v2");
  fflush (NULL);
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    v2_child (name);
  int status;
  assert_int_equal (waitpid (pid, &status, 0), pid);
  sv_cgroup_reset_mode_cache ();
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      /* The hierarchy is shared with /sys/fs/cgroup/unified: clean up there. */
      _cleanup_free_ char *p = xasprintf ("/sys/fs/cgroup/unified%s", name);
      (void)rmdir (p);
      fail_msg ("the v2 child failed (status 0x%x)", status);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_parse_errors_name_the_field),
    cmocka_unit_test (test_parse_values),
    cmocka_unit_test (test_device_program),
    cmocka_unit_test (test_lifecycle),
    cmocka_unit_test (test_kill_all_sigterm_and_nested_destroy),
    cmocka_unit_test (test_oom_kill_counted),
    cmocka_unit_test (test_failed_create_leaves_nothing),
    cmocka_unit_test (test_controller_errors),
    cmocka_unit_test (test_hybrid_hugetlb_goes_to_v2),
    cmocka_unit_test (test_default_path),
    cmocka_unit_test (test_pure_v2_in_mount_namespace),
  };
  return cmocka_run_group_tests (tests, NULL, sweep_test_cgroups);
}

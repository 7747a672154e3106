/* The cgroup v2 backend: one hierarchy, controllers enabled top-down
 * through cgroup.subtree_control, freezing and killing built in, device
 * rules as a BPF program (cgroup-devices-bpf.c). */
#include "runtime/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

/* true when the space-separated LIST holds WORD. */
static bool
list_has (const char *list, const char *word)
{
  size_t n = strlen (word);
  for (const char *p = list; (p = strstr (p, word)); p += n)
    if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
      return true;
  return false;
}

static bool
v2_provides (const struct sv_cg_dir *d, enum sv_ctrl ctrl)
{
  if (d->backend != &sv_cgroup_v2_backend)
    return false;
  const char *name = sv_ctrl_v2_name (ctrl);
  if (name == NULL)
    return true; /* part of cgroup2 itself */
  _cleanup_close_ int root = open (d->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_free_ char *avail = NULL;
  if (root < 0 || sv_cg_read (root, "cgroup.controllers", &avail, NULL) < 0)
    return false;
  return list_has (avail, name);
}

/* Enable NAME in DFD's cgroup.subtree_control unless it already is. */
static int
enable_in (int dfd, const char *name, struct sv_err **err)
{
  _cleanup_free_ char *on = NULL;
  if (sv_cg_read (dfd, "cgroup.subtree_control", &on, err) < 0)
    return -1;
  if (list_has (on, name))
    return 0;
  return sv_cg_writef (dfd, "cgroup.subtree_control", err, "+%s", name);
}

/* Enable the controllers NEED asks for (must work) and memory and pids
 * (for stats; best effort) in every ancestor of D's cgroup. */
static int
v2_prepare (struct sv_cg_dir *d, unsigned need, struct sv_err **err)
{
  static const enum sv_ctrl order[] = { SV_CTRL_CPUSET, SV_CTRL_CPU,   SV_CTRL_MEMORY,
                                        SV_CTRL_PIDS,   SV_CTRL_BLKIO, SV_CTRL_HUGETLB };
  unsigned want = need | (1u << SV_CTRL_MEMORY) | (1u << SV_CTRL_PIDS);
  _cleanup_close_ int cur = open (d->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cur < 0)
    return sv_err_errno (err, "open `%s`", d->mount);
  _cleanup_free_ char *path = xstrdup (d->path);
  char *save = NULL;
  for (char *c = strtok_r (path, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        {
          enum sv_ctrl ctrl = order[i];
          if (!(want & (1u << ctrl)) || !v2_provides (d, ctrl))
            continue;
          struct sv_err *e = NULL;
          int ret = enable_in (cur, sv_ctrl_v2_name (ctrl), (need & (1u << ctrl)) ? err : &e);
          sv_err_free (&e);
          if (ret < 0 && (need & (1u << ctrl)))
            return sv_err_wrap (err, "%s requested but the %s controller is not available",
                                sv_ctrl_what (ctrl), sv_ctrl_v2_name (ctrl));
        }
      int next = openat (cur, c, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (next < 0)
        return sv_err_errno (err, "open cgroup `%s`", c);
      close (cur);
      cur = next;
    }
  return 0;
}

/* -1 (or any negative) is "max". */
static int
write_max (int dfd, const char *file, int64_t v, struct sv_err **err)
{
  if (v < 0)
    return sv_cg_write (dfd, file, "max", err);
  return sv_cg_writef (dfd, file, err, "%" PRId64, v);
}

/* OCI's swap is memory + swap (the v1 memsw meaning); v2's memory.swap.max
 * is swap alone. */
static int
v2_swap (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  int64_t swap = r->memory.swap.v, limit = r->memory.limit.v;
  if (!r->memory.swap.set || swap == 0)
    return 0;
  if (!sv_cg_file_exists (dfd, "memory.swap.max"))
    return sv_err_make (err, ENOTSUP,
                        "%s.memory.swap: swap limit requested but memory.swap.max is not "
                        "available",
                        r->path);
  if (swap < 0)
    return sv_cg_write (dfd, "memory.swap.max", "max", err);
  if (!r->memory.limit.set || limit < 0)
    return sv_err_make (err, EINVAL, "%s.memory.swap: a swap limit needs a memory limit", r->path);
  if (swap < limit)
    return sv_err_make (err, EINVAL,
                        "%s.memory.swap: %" PRId64 " is below memory.limit %" PRId64
                        " (swap counts memory plus swap)",
                        r->path, swap, limit);
  return sv_cg_writef (dfd, "memory.swap.max", err, "%" PRId64, swap - limit);
}

static int
v2_memory (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  if (r->memory.limit.set && write_max (dfd, "memory.max", r->memory.limit.v, err) < 0)
    return -1;
  if (v2_swap (dfd, r, err) < 0)
    return -1;
  if (r->memory.reservation.set && write_max (dfd, "memory.low", r->memory.reservation.v, err) < 0)
    return -1;
  if (r->memory.swappiness.set || r->memory.disable_oom_set)
    sv_debug ("cgroup v2 has no swappiness or disableOOMKiller; ignored");
  return 0;
}

/* cpu.shares [2, 262144] -> cpu.weight [1, 10000], as runc and crun map it. */
static uint64_t
shares_to_weight (uint64_t shares)
{
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

/* cpu.max is "QUOTA PERIOD"; a field not given keeps its current value. */
static int
v2_cpu_max (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  _cleanup_free_ char *cur = NULL;
  char quota[32] = "max";
  uint64_t period = 100000;
  if (sv_cg_read (dfd, "cpu.max", &cur, NULL) == 0)
    (void)sscanf (cur, "%31s %" SCNu64, quota, &period);
  if (r->cpu.quota.set && r->cpu.quota.v > 0)
    snprintf (quota, sizeof quota, "%" PRId64, r->cpu.quota.v);
  else if (r->cpu.quota.set)
    strcpy (quota, "max");
  if (r->cpu.period.set && r->cpu.period.v > 0)
    period = r->cpu.period.v;
  return sv_cg_writef (dfd, "cpu.max", err, "%s %" PRIu64, quota, period);
}

static int
v2_cpu (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  const typeof (r->cpu) *c = &r->cpu;
  if ((c->rt_runtime.set && c->rt_runtime.v != 0) || (c->rt_period.set && c->rt_period.v != 0))
    return sv_err_make (err, ENOTSUP,
                        "%s.cpu.realtimeRuntime/realtimePeriod: not supported on "
                        "cgroup v2",
                        r->path);
  if (c->shares.set && c->shares.v != 0
      && sv_cg_writef (dfd, "cpu.weight", err, "%" PRIu64, shares_to_weight (c->shares.v)) < 0)
    return -1;
  if ((c->quota.set || c->period.set) && v2_cpu_max (dfd, r, err) < 0)
    return -1;
  if (c->burst.set && sv_cg_writef (dfd, "cpu.max.burst", err, "%" PRIu64, c->burst.v) < 0)
    return -1;
  if (c->idle.set && sv_cg_writef (dfd, "cpu.idle", err, "%" PRId64, c->idle.v) < 0)
    return -1;
  return 0;
}

static int
v2_pids (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  return write_max (dfd, "pids.max", r->pids_limit.v > 0 ? r->pids_limit.v : -1, err);
}

/* blkio.weight [10, 1000] -> io.weight [1, 10000]. */
static uint64_t
blkio_to_io_weight (uint64_t w)
{
  return 1 + (w - 10) * 9999 / 990;
}

/* io.bfq.weight takes the blkio range as is; io.weight the converted one. */
static int
v2_io_weight (int dfd, const char *dev, uint64_t w, struct sv_err **err)
{
  if (sv_cg_file_exists (dfd, "io.bfq.weight"))
    return sv_cg_writef (dfd, "io.bfq.weight", err, "%s%" PRIu64, dev, w);
  return sv_cg_writef (dfd, "io.weight", err, "%s%" PRIu64, dev, blkio_to_io_weight (w));
}

static int
v2_io (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  static const char *const keys[SV_THROTTLE_N] = {
    [SV_THROTTLE_READ_BPS] = "rbps",
    [SV_THROTTLE_WRITE_BPS] = "wbps",
    [SV_THROTTLE_READ_IOPS] = "riops",
    [SV_THROTTLE_WRITE_IOPS] = "wiops",
  };
  if (r->blkio.weight.set && r->blkio.weight.v
      && v2_io_weight (dfd, "", r->blkio.weight.v, err) < 0)
    return -1;
  for (size_t i = 0; i < r->blkio.n_weight_devs; i++)
    {
      const struct sv_blkio_weight_dev *d = &r->blkio.weight_devs[i];
      _cleanup_free_ char *dev = xasprintf ("%" PRId64 ":%" PRId64 " ", d->major, d->minor);
      if (d->weight.set && d->weight.v >= 10 && v2_io_weight (dfd, dev, d->weight.v, err) < 0)
        return -1;
    }
  for (int t = 0; t < SV_THROTTLE_N; t++)
    for (size_t i = 0; i < r->blkio.n_throttle[t]; i++)
      {
        const struct sv_blkio_rate_dev *d = &r->blkio.throttle[t][i];
        if (sv_cg_writef (dfd, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, d->major,
                          d->minor, keys[t], d->rate)
            < 0)
          return -1;
      }
  return 0;
}

static int
v2_hugetlb (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  for (size_t i = 0; i < r->n_hugepages; i++)
    {
      _cleanup_free_ char *f = xasprintf ("hugetlb.%s.max", r->hugepages[i].page_size);
      if (sv_cg_writef (dfd, f, err, "%" PRIu64, r->hugepages[i].limit) < 0)
        return -1;
    }
  return 0;
}

static int
v2_devices (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  size_t n = 0;
  _cleanup_free_ struct sv_dev_rule *rules = sv_resources_device_rules (r, &n);
  return sv_devices_bpf_apply (dfd, rules, n, err);
}

typedef int (*v2_apply_fn) (int dfd, const struct sv_resources *res, struct sv_err **err);

/* What writes each controller's limits; controllers without limits have none. */
static const v2_apply_fn v2_appliers[SV_CTRL_N] = {
  [SV_CTRL_MEMORY] = v2_memory,   [SV_CTRL_CPU] = v2_cpu,  [SV_CTRL_CPUSET] = sv_cg_write_cpuset,
  [SV_CTRL_PIDS] = v2_pids,       [SV_CTRL_BLKIO] = v2_io, [SV_CTRL_HUGETLB] = v2_hugetlb,
  [SV_CTRL_DEVICES] = v2_devices,
};

static int
v2_apply (int dfd, enum sv_ctrl ctrl, const struct sv_resources *res, struct sv_err **err)
{
  return v2_appliers[ctrl] ? v2_appliers[ctrl](dfd, res, err) : 0;
}

static int
v2_is_frozen (int dfd, struct sv_err **err)
{
  uint64_t frozen = 0;
  if (!sv_cg_read_keyed (dfd, "cgroup.events", "frozen", &frozen))
    return sv_err_make (err, ENOTSUP, "no `frozen` in cgroup.events (kernel before 5.2?)");
  return frozen != 0;
}

/* Write cgroup.freeze, then wait (up to ~5 s) until cgroup.events agrees. */
static int
v2_freeze (int dfd, bool frozen, struct sv_err **err)
{
  if (sv_cg_write (dfd, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
    return -1;
  for (int i = 0; i < 5000; i++)
    {
      int state = v2_is_frozen (dfd, err);
      if (state < 0)
        return -1;
      if (state == frozen)
        return 0;
      (void)nanosleep (&(struct timespec){ 0, 1000 * 1000 }, NULL);
    }
  if (frozen)
    (void)sv_cg_write (dfd, "cgroup.freeze", "0", NULL);
  return sv_err_make (err, ETIMEDOUT, "cgroup.events did not report frozen %d", frozen);
}

static void
v2_stats (int dfd, enum sv_ctrl ctrl, struct sv_cgroup_stats *out)
{
  uint64_t usec = 0;
  switch (ctrl)
    {
    case SV_CTRL_MEMORY:
      (void)sv_cg_read_u64 (dfd, "memory.current", &out->memory_usage);
      (void)sv_cg_read_u64 (dfd, "memory.max", &out->memory_limit);
      (void)sv_cg_read_u64 (dfd, "memory.peak", &out->memory_max_usage);
      (void)sv_cg_read_keyed (dfd, "memory.events", "oom_kill", &out->oom_kills);
      break;
    case SV_CTRL_CPUACCT:
      if (sv_cg_read_keyed (dfd, "cpu.stat", "usage_usec", &usec))
        out->cpu_usage_ns = usec * 1000;
      break;
    case SV_CTRL_PIDS:
      (void)sv_cg_read_u64 (dfd, "pids.current", &out->pids_current);
      (void)sv_cg_read_u64 (dfd, "pids.max", &out->pids_limit);
      break;
    default:
      break;
    }
}

const struct sv_cgroup_backend sv_cgroup_v2_backend = {
  .name = "cgroup v2",
  .prepare = v2_prepare,
  .apply = v2_apply,
  .provides = v2_provides,
  .freeze = v2_freeze,
  .is_frozen = v2_is_frozen,
  .stats = v2_stats,
};

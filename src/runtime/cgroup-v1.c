/* The cgroup v1 backend: one hierarchy per controller (or group of
 * controllers), limits in per-controller files. */
#include "runtime/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

static bool
v1_provides (const struct sv_cg_dir *d, enum sv_ctrl ctrl)
{
  return sv_cg_dir_has_v1 (d, sv_ctrl_v1_name (ctrl));
}

/* Copy cpuset.cpus and cpuset.mems from the parent into every level of
 * D's path that has them empty: a cpuset without them accepts no task. */
static int
v1_copy_cpuset (struct sv_cg_dir *d, struct sv_err **err)
{
  _cleanup_close_ int parent = open (d->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (parent < 0)
    return sv_err_errno (err, "open `%s`", d->mount);
  _cleanup_free_ char *path = xstrdup (d->path);
  char *save = NULL;
  for (char *c = strtok_r (path, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      _cleanup_close_ int child = openat (parent, c, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (child < 0)
        return sv_err_errno (err, "open cpuset cgroup `%s`", c);
      static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
      for (int i = 0; i < 2; i++)
        {
          _cleanup_free_ char *mine = NULL, *theirs = NULL;
          if (sv_cg_read (child, files[i], &mine, err) < 0)
            return -1;
          if (*mine)
            continue;
          if (sv_cg_read (parent, files[i], &theirs, err) < 0
              || sv_cg_write (child, files[i], theirs, err) < 0)
            return sv_err_wrap (err, "copy %s into `%s`", files[i], c);
        }
      close (parent);
      parent = TAKE_FD (&child);
    }
  return 0;
}

static int
v1_prepare (struct sv_cg_dir *d, unsigned need, struct sv_err **err)
{
  if (sv_cg_dir_has_v1 (d, "cpuset"))
    return v1_copy_cpuset (d, err);
  return 0;
}

/* "-1" is unlimited in v1 files. */
static int
write_i64 (int dfd, const char *file, int64_t v, struct sv_err **err)
{
  return sv_cg_writef (dfd, file, err, "%" PRId64, v < 0 ? (int64_t)-1 : v);
}

/* memory.limit_in_bytes must stay <= memory.memsw.limit_in_bytes, so when
 * the new limit rises above the current memsw, memsw goes first. */
static int
v1_memory_limits (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  bool swap = r->memory.swap.set && r->memory.swap.v != 0;
  bool has_memsw = sv_cg_file_exists (dfd, "memory.memsw.limit_in_bytes");
  if (swap && !has_memsw)
    return sv_err_make (err, ENOTSUP,
                        "%s.memory.swap: swap limit requested but swap accounting "
                        "(memory.memsw.limit_in_bytes) is not available",
                        r->path);
  if (!swap)
    return r->memory.limit.set ? write_i64 (dfd, "memory.limit_in_bytes", r->memory.limit.v, err)
                               : 0;
  uint64_t cur_memsw = 0;
  bool memsw_first
      = r->memory.swap.v < 0
        || (sv_cg_read_u64 (dfd, "memory.memsw.limit_in_bytes", &cur_memsw) && r->memory.limit.set
            && r->memory.limit.v >= 0 && (uint64_t)r->memory.limit.v > cur_memsw)
        || (r->memory.limit.set && r->memory.limit.v < 0);
  if (memsw_first && write_i64 (dfd, "memory.memsw.limit_in_bytes", r->memory.swap.v, err) < 0)
    return -1;
  if (r->memory.limit.set && write_i64 (dfd, "memory.limit_in_bytes", r->memory.limit.v, err) < 0)
    return -1;
  if (!memsw_first && write_i64 (dfd, "memory.memsw.limit_in_bytes", r->memory.swap.v, err) < 0)
    return -1;
  return 0;
}

static int
v1_memory (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  if (v1_memory_limits (dfd, r, err) < 0)
    return -1;
  if (r->memory.reservation.set
      && write_i64 (dfd, "memory.soft_limit_in_bytes", r->memory.reservation.v, err) < 0)
    return -1;
  if (r->memory.swappiness.set
      && sv_cg_writef (dfd, "memory.swappiness", err, "%" PRIu64, r->memory.swappiness.v) < 0)
    return -1;
  if (r->memory.disable_oom_set
      && sv_cg_write (dfd, "memory.oom_control", r->memory.disable_oom_killer ? "1" : "0", err) < 0)
    return -1;
  return 0;
}

static int
v1_cpu (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  const typeof (r->cpu) *c = &r->cpu;
  if (c->shares.set && sv_cg_writef (dfd, "cpu.shares", err, "%" PRIu64, c->shares.v) < 0)
    return -1;
  if (c->period.set && sv_cg_writef (dfd, "cpu.cfs_period_us", err, "%" PRIu64, c->period.v) < 0)
    return -1;
  if (c->quota.set && write_i64 (dfd, "cpu.cfs_quota_us", c->quota.v, err) < 0)
    return -1;
  if (c->burst.set && sv_cg_writef (dfd, "cpu.cfs_burst_us", err, "%" PRIu64, c->burst.v) < 0)
    return -1;
  if (c->rt_period.set
      && sv_cg_writef (dfd, "cpu.rt_period_us", err, "%" PRIu64, c->rt_period.v) < 0)
    return -1;
  if (c->rt_runtime.set && write_i64 (dfd, "cpu.rt_runtime_us", c->rt_runtime.v, err) < 0)
    return -1;
  if (c->idle.set && sv_cg_writef (dfd, "cpu.idle", err, "%" PRId64, c->idle.v) < 0)
    return -1;
  return 0;
}

static int
v1_pids (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  if (r->pids_limit.v > 0)
    return sv_cg_writef (dfd, "pids.max", err, "%" PRId64, r->pids_limit.v);
  return sv_cg_write (dfd, "pids.max", "max", err);
}

/* blkio.weight went away with CFQ; BFQ has blkio.bfq.weight. */
static const char *
weight_file (int dfd, const char *cfq, const char *bfq)
{
  return sv_cg_file_exists (dfd, cfq) || !sv_cg_file_exists (dfd, bfq) ? cfq : bfq;
}

static int
v1_blkio_weights (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  const char *w = weight_file (dfd, "blkio.weight", "blkio.bfq.weight");
  const char *wd = weight_file (dfd, "blkio.weight_device", "blkio.bfq.weight_device");
  if (r->blkio.weight.set && sv_cg_writef (dfd, w, err, "%" PRIu64, r->blkio.weight.v) < 0)
    return -1;
  if (r->blkio.leaf_weight.set
      && sv_cg_writef (dfd, "blkio.leaf_weight", err, "%" PRIu64, r->blkio.leaf_weight.v) < 0)
    return -1;
  for (size_t i = 0; i < r->blkio.n_weight_devs; i++)
    {
      const struct sv_blkio_weight_dev *d = &r->blkio.weight_devs[i];
      if (d->weight.set
          && sv_cg_writef (dfd, wd, err, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                           d->weight.v)
                 < 0)
        return -1;
      if (d->leaf_weight.set
          && sv_cg_writef (dfd, "blkio.leaf_weight_device", err, "%" PRId64 ":%" PRId64 " %" PRIu64,
                           d->major, d->minor, d->leaf_weight.v)
                 < 0)
        return -1;
    }
  return 0;
}

static int
v1_blkio (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  static const char *const files[SV_THROTTLE_N] = {
    [SV_THROTTLE_READ_BPS] = "blkio.throttle.read_bps_device",
    [SV_THROTTLE_WRITE_BPS] = "blkio.throttle.write_bps_device",
    [SV_THROTTLE_READ_IOPS] = "blkio.throttle.read_iops_device",
    [SV_THROTTLE_WRITE_IOPS] = "blkio.throttle.write_iops_device",
  };
  if (v1_blkio_weights (dfd, r, err) < 0)
    return -1;
  for (int t = 0; t < SV_THROTTLE_N; t++)
    for (size_t i = 0; i < r->blkio.n_throttle[t]; i++)
      {
        const struct sv_blkio_rate_dev *d = &r->blkio.throttle[t][i];
        if (sv_cg_writef (dfd, files[t], err, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
                          d->minor, d->rate)
            < 0)
          return -1;
      }
  return 0;
}

static int
v1_hugetlb (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  for (size_t i = 0; i < r->n_hugepages; i++)
    {
      _cleanup_free_ char *f = xasprintf ("hugetlb.%s.limit_in_bytes", r->hugepages[i].page_size);
      if (sv_cg_writef (dfd, f, err, "%" PRIu64, r->hugepages[i].limit) < 0)
        return -1;
    }
  return 0;
}

/* "c 1:3 rwm"; a wildcard number is "*". */
static char *
device_rule_string (const struct sv_dev_rule *d)
{
  char major[24] = "*", minor[24] = "*", acc[4] = "", *a = acc;
  if (d->major >= 0)
    snprintf (major, sizeof major, "%" PRId64, d->major);
  if (d->minor >= 0)
    snprintf (minor, sizeof minor, "%" PRId64, d->minor);
  if (d->access & SV_DEV_ACC_READ)
    *a++ = 'r';
  if (d->access & SV_DEV_ACC_WRITE)
    *a++ = 'w';
  if (d->access & SV_DEV_ACC_MKNOD)
    *a++ = 'm';
  *a = '\0';
  if (d->type == 'a')
    return xstrdup ("a");
  return xasprintf ("%c %s:%s %s", d->type, major, minor, acc);
}

/* The kernel takes one rule per write(2): keep both files open for the
 * whole list rather than opening one per rule (this runs on every create). */
static int
v1_devices (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  size_t n = 0;
  _cleanup_free_ struct sv_dev_rule *rules = sv_resources_device_rules (r, &n);
  _cleanup_close_ int allow = openat (dfd, "devices.allow", O_WRONLY | O_CLOEXEC);
  _cleanup_close_ int deny = openat (dfd, "devices.deny", O_WRONLY | O_CLOEXEC);
  if (allow < 0 || deny < 0)
    return sv_err_errno (err, "open devices.allow/devices.deny");
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *s = device_rule_string (&rules[i]);
      if (write (rules[i].allow ? allow : deny, s, strlen (s)) < 0)
        return sv_err_errno (err, "write `%s` to devices.%s", s, rules[i].allow ? "allow" : "deny");
    }
  return 0;
}

typedef int (*v1_apply_fn) (int dfd, const struct sv_resources *res, struct sv_err **err);

/* What writes each controller's limits; controllers without limits have none. */
static const v1_apply_fn v1_appliers[SV_CTRL_N] = {
  [SV_CTRL_MEMORY] = v1_memory,   [SV_CTRL_CPU] = v1_cpu,     [SV_CTRL_CPUSET] = sv_cg_write_cpuset,
  [SV_CTRL_PIDS] = v1_pids,       [SV_CTRL_BLKIO] = v1_blkio, [SV_CTRL_HUGETLB] = v1_hugetlb,
  [SV_CTRL_DEVICES] = v1_devices,
};

static int
v1_apply (int dfd, enum sv_ctrl ctrl, const struct sv_resources *res, struct sv_err **err)
{
  return v1_appliers[ctrl] ? v1_appliers[ctrl](dfd, res, err) : 0;
}

static int
v1_is_frozen (int dfd, struct sv_err **err)
{
  _cleanup_free_ char *state = NULL;
  if (sv_cg_read (dfd, "freezer.state", &state, err) < 0)
    return -1;
  return strcmp (state, "FROZEN") == 0;
}

/* Writing FROZEN starts freezing; the state reads FREEZING until every
 * task stopped, so poll (re-writing now and then, as runc does) for up to
 * ~5 s, and thaw again when it does not settle. */
static int
v1_freeze (int dfd, bool frozen, struct sv_err **err)
{
  const char *want = frozen ? "FROZEN" : "THAWED";
  for (int i = 0; i < 5000; i++)
    {
      if (i % 100 == 0 && sv_cg_write (dfd, "freezer.state", want, err) < 0)
        return -1;
      _cleanup_free_ char *state = NULL;
      if (sv_cg_read (dfd, "freezer.state", &state, err) < 0)
        return -1;
      if (strcmp (state, want) == 0)
        return 0;
      (void)nanosleep (&(struct timespec){ 0, 1000 * 1000 }, NULL);
    }
  if (frozen)
    (void)sv_cg_write (dfd, "freezer.state", "THAWED", NULL);
  return sv_err_make (err, ETIMEDOUT, "freezer.state did not become %s", want);
}

static void
v1_stats (int dfd, enum sv_ctrl ctrl, struct sv_cgroup_stats *out)
{
  switch (ctrl)
    {
    case SV_CTRL_MEMORY:
      (void)sv_cg_read_u64 (dfd, "memory.usage_in_bytes", &out->memory_usage);
      (void)sv_cg_read_u64 (dfd, "memory.limit_in_bytes", &out->memory_limit);
      (void)sv_cg_read_u64 (dfd, "memory.max_usage_in_bytes", &out->memory_max_usage);
      (void)sv_cg_read_keyed (dfd, "memory.oom_control", "oom_kill", &out->oom_kills);
      break;
    case SV_CTRL_CPUACCT:
      (void)sv_cg_read_u64 (dfd, "cpuacct.usage", &out->cpu_usage_ns);
      break;
    case SV_CTRL_PIDS:
      (void)sv_cg_read_u64 (dfd, "pids.current", &out->pids_current);
      (void)sv_cg_read_u64 (dfd, "pids.max", &out->pids_limit);
      break;
    default:
      break;
    }
}

const struct sv_cgroup_backend sv_cgroup_v1_backend = {
  .name = "cgroup v1",
  .prepare = v1_prepare,
  .apply = v1_apply,
  .provides = v1_provides,
  .freeze = v1_freeze,
  .is_frozen = v1_is_frozen,
  .stats = v1_stats,
};

/* linux.resources -> struct sv_resources.  Parsing only checks types and
 * ranges and names the field on error; whether the host can honour a value
 * is decided when it is applied (cgroup.c). */
#include "runtime/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

static void
resources_freep (struct sv_resources **r)
{
  sv_resources_free (*r);
}

void
sv_resources_free (struct sv_resources *r)
{
  if (r == NULL)
    return;
  free (r->path);
  free (r->cpu.cpus);
  free (r->cpu.mems);
  free (r->blkio.weight_devs);
  for (int i = 0; i < SV_THROTTLE_N; i++)
    free (r->blkio.throttle[i]);
  for (size_t i = 0; i < r->n_hugepages; i++)
    free (r->hugepages[i].page_size);
  free (r->hugepages);
  free (r->devices);
  for (size_t i = 0; i < r->n_unified; i++)
    {
      free (r->unified[i].key);
      free (r->unified[i].value);
    }
  free (r->unified);
  free (r);
}

static int
get_i64 (json_t *o, const char *path, const char *key, struct sv_opt_i64 *out, struct sv_err **err)
{
  int ret = sv_json_get_int64 (o, path, key, &out->v, err);
  if (ret > 0)
    out->set = true;
  return ret;
}

static int
get_u64 (json_t *o, const char *path, const char *key, uint64_t max, struct sv_opt_u64 *out,
         struct sv_err **err)
{
  int ret = sv_json_get_uint64 (o, path, key, max, &out->v, err);
  if (ret > 0)
    out->set = true;
  return ret;
}

/* Sub-object KEY of OBJ with its JSON path; 0 when absent. */
static int
get_sub (json_t *obj, const char *path, const char *key, json_t **sub, char **subpath,
         struct sv_err **err)
{
  int ret = sv_json_get_object (obj, path, key, sub, err);
  if (ret > 0)
    *subpath = xasprintf ("%s.%s", path, key);
  return ret;
}

static int
parse_memory (json_t *obj, const char *path, struct sv_resources *r, struct sv_err **err)
{
  json_t *m = NULL;
  _cleanup_free_ char *p = NULL;
  int ret = get_sub (obj, path, "memory", &m, &p, err);
  if (ret <= 0)
    return ret;
  int64_t ignored;
  if (get_i64 (m, p, "limit", &r->memory.limit, err) < 0
      || get_i64 (m, p, "reservation", &r->memory.reservation, err) < 0
      || get_i64 (m, p, "swap", &r->memory.swap, err) < 0
      || get_u64 (m, p, "swappiness", 100, &r->memory.swappiness, err) < 0
      /* kernel and kernelTCP are deprecated (kernel memory is accounted
       * with the rest); checked for type, then ignored as runc does. */
      || sv_json_get_int64 (m, p, "kernel", &ignored, err) < 0
      || sv_json_get_int64 (m, p, "kernelTCP", &ignored, err) < 0)
    return -1;
  ret = sv_json_get_bool (m, p, "disableOOMKiller", &r->memory.disable_oom_killer, err);
  if (ret < 0)
    return ret;
  r->memory.disable_oom_set = ret > 0;
  return 0;
}

static int
parse_cpu (json_t *obj, const char *path, struct sv_resources *r, struct sv_err **err)
{
  json_t *c = NULL;
  _cleanup_free_ char *p = NULL;
  int ret = get_sub (obj, path, "cpu", &c, &p, err);
  if (ret <= 0)
    return ret;
  if (get_u64 (c, p, "shares", UINT64_MAX, &r->cpu.shares, err) < 0
      || get_i64 (c, p, "quota", &r->cpu.quota, err) < 0
      || get_u64 (c, p, "burst", UINT64_MAX, &r->cpu.burst, err) < 0
      || get_u64 (c, p, "period", UINT64_MAX, &r->cpu.period, err) < 0
      || get_i64 (c, p, "realtimeRuntime", &r->cpu.rt_runtime, err) < 0
      || get_u64 (c, p, "realtimePeriod", UINT64_MAX, &r->cpu.rt_period, err) < 0
      || get_i64 (c, p, "idle", &r->cpu.idle, err) < 0
      || sv_json_dup_string (c, p, "cpus", &r->cpu.cpus, err) < 0
      || sv_json_dup_string (c, p, "mems", &r->cpu.mems, err) < 0)
    return -1;
  if (r->cpu.idle.set && r->cpu.idle.v != 0 && r->cpu.idle.v != 1)
    return sv_err_make (err, EINVAL, "%s.idle: expected 0 or 1", p);
  return 0;
}

static int
parse_pids (json_t *obj, const char *path, struct sv_resources *r, struct sv_err **err)
{
  json_t *o = NULL;
  _cleanup_free_ char *p = NULL;
  int ret = get_sub (obj, path, "pids", &o, &p, err);
  if (ret <= 0)
    return ret;
  return get_i64 (o, p, "limit", &r->pids_limit, err);
}

/* An entry of a blockIO device list: its major and minor. */
static int
parse_major_minor (json_t *e, const char *p, int64_t *major, int64_t *minor, struct sv_err **err)
{
  int ret = sv_json_get_int64 (e, p, "major", major, err);
  if (ret == 0)
    return sv_err_make (err, EINVAL, "%s.major: missing", p);
  if (ret < 0)
    return ret;
  ret = sv_json_get_int64 (e, p, "minor", minor, err);
  if (ret == 0)
    return sv_err_make (err, EINVAL, "%s.minor: missing", p);
  if (ret < 0)
    return ret;
  if (*major < 0 || *minor < 0)
    return sv_err_make (err, EINVAL, "%s: major and minor must not be negative", p);
  return 0;
}

/* An array of objects KEY of OBJ: its length (0 when absent) in *N. */
static int
get_object_array (json_t *obj, const char *path, const char *key, json_t **arr, size_t *n,
                  struct sv_err **err)
{
  *n = 0;
  int ret = sv_json_get_array (obj, path, key, arr, err);
  if (ret <= 0)
    return ret;
  for (size_t i = 0; i < json_array_size (*arr); i++)
    if (!json_is_object (json_array_get (*arr, i)))
      return sv_err_make (err, EINVAL, "%s.%s[%zu]: expected an object", path, key, i);
  *n = json_array_size (*arr);
  return 1;
}

static int
parse_weight_devices (json_t *b, const char *p, struct sv_resources *r, struct sv_err **err)
{
  json_t *arr;
  size_t n;
  int ret = get_object_array (b, p, "weightDevice", &arr, &n, err);
  if (ret <= 0)
    return ret;
  r->blkio.weight_devs = xmalloc0 (n * sizeof *r->blkio.weight_devs);
  r->blkio.n_weight_devs = n;
  for (size_t i = 0; i < n; i++)
    {
      struct sv_blkio_weight_dev *d = &r->blkio.weight_devs[i];
      json_t *e = json_array_get (arr, i);
      _cleanup_free_ char *ep = xasprintf ("%s.weightDevice[%zu]", p, i);
      if (parse_major_minor (e, ep, &d->major, &d->minor, err) < 0
          || get_u64 (e, ep, "weight", 1000, &d->weight, err) < 0
          || get_u64 (e, ep, "leafWeight", 1000, &d->leaf_weight, err) < 0)
        return -1;
    }
  return 0;
}

static const char *const throttle_keys[SV_THROTTLE_N] = {
  [SV_THROTTLE_READ_BPS] = "throttleReadBpsDevice",
  [SV_THROTTLE_WRITE_BPS] = "throttleWriteBpsDevice",
  [SV_THROTTLE_READ_IOPS] = "throttleReadIOPSDevice",
  [SV_THROTTLE_WRITE_IOPS] = "throttleWriteIOPSDevice",
};

static int
parse_throttle (json_t *b, const char *p, enum sv_blkio_throttle t, struct sv_resources *r,
                struct sv_err **err)
{
  json_t *arr;
  size_t n;
  int ret = get_object_array (b, p, throttle_keys[t], &arr, &n, err);
  if (ret <= 0)
    return ret;
  r->blkio.throttle[t] = xmalloc0 (n * sizeof *r->blkio.throttle[t]);
  r->blkio.n_throttle[t] = n;
  for (size_t i = 0; i < n; i++)
    {
      struct sv_blkio_rate_dev *d = &r->blkio.throttle[t][i];
      json_t *e = json_array_get (arr, i);
      _cleanup_free_ char *ep = xasprintf ("%s.%s[%zu]", p, throttle_keys[t], i);
      if (parse_major_minor (e, ep, &d->major, &d->minor, err) < 0)
        return -1;
      ret = sv_json_get_uint64 (e, ep, "rate", UINT64_MAX, &d->rate, err);
      if (ret == 0)
        return sv_err_make (err, EINVAL, "%s.rate: missing", ep);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static int
parse_blkio (json_t *obj, const char *path, struct sv_resources *r, struct sv_err **err)
{
  json_t *b = NULL;
  _cleanup_free_ char *p = NULL;
  int ret = get_sub (obj, path, "blockIO", &b, &p, err);
  if (ret <= 0)
    return ret;
  if (get_u64 (b, p, "weight", 1000, &r->blkio.weight, err) < 0
      || get_u64 (b, p, "leafWeight", 1000, &r->blkio.leaf_weight, err) < 0
      || parse_weight_devices (b, p, r, err) < 0)
    return -1;
  if (r->blkio.weight.set && r->blkio.weight.v != 0 && r->blkio.weight.v < 10)
    return sv_err_make (err, ERANGE, "%s.weight: must be between 10 and 1000", p);
  for (int t = 0; t < SV_THROTTLE_N; t++)
    if (parse_throttle (b, p, t, r, err) < 0)
      return -1;
  return 0;
}

/* "2MB", "1GB", "64KB": digits then KB, MB or GB, as in the hugetlb file names. */
static bool
valid_page_size (const char *s)
{
  size_t digits = strspn (s, "0123456789");
  if (digits == 0 || s[0] == '0')
    return false;
  return strcmp (s + digits, "KB") == 0 || strcmp (s + digits, "MB") == 0
         || strcmp (s + digits, "GB") == 0;
}

static int
parse_hugepages (json_t *obj, const char *path, struct sv_resources *r, struct sv_err **err)
{
  json_t *arr;
  size_t n;
  int ret = get_object_array (obj, path, "hugepageLimits", &arr, &n, err);
  if (ret <= 0)
    return ret;
  r->hugepages = xmalloc0 (n * sizeof *r->hugepages);
  r->n_hugepages = n;
  for (size_t i = 0; i < n; i++)
    {
      struct sv_hugepage_limit *h = &r->hugepages[i];
      json_t *e = json_array_get (arr, i);
      _cleanup_free_ char *ep = xasprintf ("%s.hugepageLimits[%zu]", path, i);
      ret = sv_json_dup_string (e, ep, "pageSize", &h->page_size, err);
      if (ret < 0)
        return ret;
      if (ret == 0 || !valid_page_size (h->page_size))
        return sv_err_make (err, EINVAL, "%s.pageSize: expected a size such as \"2MB\"", ep);
      ret = sv_json_get_uint64 (e, ep, "limit", UINT64_MAX, &h->limit, err);
      if (ret == 0)
        return sv_err_make (err, EINVAL, "%s.limit: missing", ep);
      if (ret < 0)
        return ret;
    }
  return 0;
}

/* "rwm" -> SV_DEV_ACC_* bits; an empty or absent string means all. */
static int
parse_access (const char *s, unsigned *out)
{
  unsigned acc = 0;
  for (; *s; s++)
    switch (*s)
      {
      case 'r':
        acc |= SV_DEV_ACC_READ;
        break;
      case 'w':
        acc |= SV_DEV_ACC_WRITE;
        break;
      case 'm':
        acc |= SV_DEV_ACC_MKNOD;
        break;
      default:
        return -1;
      }
  *out = acc ? acc : SV_DEV_ACC_ALL;
  return 0;
}

/* major/minor: absent, null or -1 is the wildcard. */
static int
parse_dev_number (json_t *e, const char *ep, const char *key, int64_t *out, struct sv_err **err)
{
  *out = -1;
  int ret = sv_json_get_int64 (e, ep, key, out, err);
  if (ret < 0)
    return ret;
  if (*out < -1 || *out > UINT32_MAX)
    return sv_err_make (err, ERANGE, "%s.%s: out of range", ep, key);
  return 0;
}

static int
parse_device_rule (json_t *e, const char *ep, struct sv_dev_rule *d, struct sv_err **err)
{
  int ret = sv_json_get_bool (e, ep, "allow", &d->allow, err);
  if (ret == 0)
    return sv_err_make (err, EINVAL, "%s.allow: missing", ep);
  if (ret < 0)
    return ret;
  const char *type = "a", *access = "";
  if (sv_json_get_string (e, ep, "type", &type, err) < 0
      || sv_json_get_string (e, ep, "access", &access, err) < 0)
    return -1;
  if (strlen (type) != 1 || strchr ("abc", type[0]) == NULL)
    return sv_err_make (err, EINVAL, "%s.type: expected \"a\", \"b\" or \"c\"", ep);
  d->type = type[0];
  if (parse_access (access, &d->access) < 0)
    return sv_err_make (err, EINVAL, "%s.access: expected letters of \"rwm\"", ep);
  if (parse_dev_number (e, ep, "major", &d->major, err) < 0
      || parse_dev_number (e, ep, "minor", &d->minor, err) < 0)
    return -1;
  return 0;
}

static int
parse_devices (json_t *obj, const char *path, struct sv_resources *r, struct sv_err **err)
{
  json_t *arr;
  size_t n;
  int ret = get_object_array (obj, path, "devices", &arr, &n, err);
  if (ret <= 0)
    return ret;
  r->devices_set = true;
  r->devices = xmalloc0 (n * sizeof *r->devices);
  r->n_devices = n;
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *ep = xasprintf ("%s.devices[%zu]", path, i);
      if (parse_device_rule (json_array_get (arr, i), ep, &r->devices[i], err) < 0)
        return -1;
    }
  return 0;
}

/* A unified key names a file in the cgroup directory: "memory.high". */
static bool
valid_unified_key (const char *k)
{
  return *k && strchr (k, '/') == NULL && strchr (k, '.') != NULL && k[0] != '.';
}

static int
parse_unified (json_t *obj, const char *path, struct sv_resources *r, struct sv_err **err)
{
  json_t *u = NULL;
  _cleanup_free_ char *p = NULL;
  int ret = get_sub (obj, path, "unified", &u, &p, err);
  if (ret <= 0)
    return ret;
  r->unified = xmalloc0 (json_object_size (u) * sizeof *r->unified);
  const char *key;
  json_t *v;
  json_object_foreach (u, key, v)
  {
    if (!valid_unified_key (key))
      return sv_err_make (err, EINVAL, "%s.%s: not a cgroup file name", p, key);
    if (!json_is_string (v))
      return sv_err_make (err, EINVAL, "%s.%s: expected a string", p, key);
    r->unified[r->n_unified].key = xstrdup (key);
    r->unified[r->n_unified].value = xstrdup (json_string_value (v));
    r->n_unified++;
  }
  return 0;
}

int
sv_resources_parse (json_t *obj, const char *path, struct sv_resources **out, struct sv_err **err)
{
  _cleanup_ (resources_freep) struct sv_resources *r = xmalloc0 (sizeof *r);
  r->path = xstrdup (path);
  if (obj && !json_is_object (obj))
    return sv_err_make (err, EINVAL, "%s: expected an object", path);
  if (parse_memory (obj, path, r, err) < 0 || parse_cpu (obj, path, r, err) < 0
      || parse_pids (obj, path, r, err) < 0 || parse_blkio (obj, path, r, err) < 0
      || parse_hugepages (obj, path, r, err) < 0 || parse_devices (obj, path, r, err) < 0
      || parse_unified (obj, path, r, err) < 0)
    return -1;
  if (obj && json_object_get (obj, "network") && !json_is_null (json_object_get (obj, "network")))
    return sv_json_unsupported (path, "network", err);
  if (obj && json_object_get (obj, "rdma") && !json_is_null (json_object_get (obj, "rdma")))
    return sv_json_unsupported (path, "rdma", err);
  *out = steal_pointer (&r);
  return 0;
}

static bool
need_memory (const struct sv_resources *r)
{
  return r->memory.limit.set || r->memory.reservation.set
         || (r->memory.swap.set && r->memory.swap.v != 0) || r->memory.swappiness.set
         || r->memory.disable_oom_set;
}

static bool
need_cpu (const struct sv_resources *r)
{
  return r->cpu.shares.set || r->cpu.quota.set || r->cpu.period.set || r->cpu.burst.set
         || r->cpu.rt_period.set || r->cpu.rt_runtime.set || r->cpu.idle.set;
}

static bool
need_blkio (const struct sv_resources *r)
{
  bool any = r->blkio.weight.set || r->blkio.leaf_weight.set || r->blkio.n_weight_devs;
  for (int t = 0; t < SV_THROTTLE_N; t++)
    any = any || r->blkio.n_throttle[t];
  return any;
}

bool
sv_resources_need (const struct sv_resources *r, enum sv_ctrl ctrl)
{
  if (r == NULL)
    return false;
  switch (ctrl)
    {
    case SV_CTRL_MEMORY:
      return need_memory (r);
    case SV_CTRL_CPU:
      return need_cpu (r);
    case SV_CTRL_CPUSET:
      return r->cpu.cpus || r->cpu.mems;
    case SV_CTRL_PIDS:
      return r->pids_limit.set;
    case SV_CTRL_BLKIO:
      return need_blkio (r);
    case SV_CTRL_HUGETLB:
      return r->n_hugepages > 0;
    default:
      return false;
    }
}

/* What runc and crun let every container use, whatever the spec says. */
static const struct sv_dev_rule default_device_rules[] = {
  { true, 'c', -1, -1, SV_DEV_ACC_MKNOD }, { true, 'b', -1, -1, SV_DEV_ACC_MKNOD },
  { true, 'c', 1, 3, SV_DEV_ACC_ALL },    /* /dev/null */
  { true, 'c', 1, 5, SV_DEV_ACC_ALL },    /* /dev/zero */
  { true, 'c', 1, 7, SV_DEV_ACC_ALL },    /* /dev/full */
  { true, 'c', 5, 0, SV_DEV_ACC_ALL },    /* /dev/tty */
  { true, 'c', 1, 8, SV_DEV_ACC_ALL },    /* /dev/random */
  { true, 'c', 1, 9, SV_DEV_ACC_ALL },    /* /dev/urandom */
  { true, 'c', 5, 2, SV_DEV_ACC_ALL },    /* /dev/ptmx */
  { true, 'c', 136, -1, SV_DEV_ACC_ALL }, /* /dev/pts/N */
  { true, 'c', 10, 200, SV_DEV_ACC_ALL }, /* /dev/net/tun */
};

struct sv_dev_rule *
sv_resources_device_rules (const struct sv_resources *res, size_t *n)
{
  size_t n_user = res ? res->n_devices : 0;
  size_t n_def = sizeof default_device_rules / sizeof default_device_rules[0];
  struct sv_dev_rule *rules = xmalloc ((1 + n_user + n_def) * sizeof *rules);
  rules[0] = (struct sv_dev_rule){ false, 'a', -1, -1, SV_DEV_ACC_ALL };
  if (n_user)
    memcpy (rules + 1, res->devices, n_user * sizeof *rules);
  memcpy (rules + 1 + n_user, default_device_rules, sizeof default_device_rules);
  *n = 1 + n_user + n_def;
  return rules;
}

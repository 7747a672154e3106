/* update: change a running container's resources, from --resources FILE|-
 * (a linux.resources object) or from runc's single-limit flags. */
#include "cli/rt.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct limit_flag
{
  const char *name;
  const char *section; /* linux.resources member */
  const char *key;
  bool is_string;
};

static const struct limit_flag limit_flags[] = {
  { "memory", "memory", "limit", false },
  { "memory-reservation", "memory", "reservation", false },
  { "memory-swap", "memory", "swap", false },
  { "kernel-memory", "memory", "kernel", false },
  { "cpu-shares", "cpu", "shares", false },
  { "cpu-quota", "cpu", "quota", false },
  { "cpu-period", "cpu", "period", false },
  { "cpu-rt-period", "cpu", "realtimePeriod", false },
  { "cpu-rt-runtime", "cpu", "realtimeRuntime", false },
  { "cpuset-cpus", "cpu", "cpus", true },
  { "cpuset-mems", "cpu", "mems", true },
  { "pids-limit", "pids", "limit", false },
  { "blkio-weight", "blockIO", "weight", false },
};

#define N_LIMITS (sizeof limit_flags / sizeof limit_flags[0])

static int
read_resources (const char *file, json_t **out, struct sv_err **err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  if (sv_read_file_at (AT_FDCWD, strcmp (file, "-") == 0 ? "/dev/stdin" : file, &buf, &len, err)
      < 0)
    return -1;
  return sv_json_load_buffer (buf, len, "--resources", out, err);
}

/* Memory sizes accept runc's suffixes (k, m, g); -1 means unlimited. */
static int
parse_value (const struct limit_flag *f, const char *v, json_t **out, struct sv_err **err)
{
  if (f->is_string)
    {
      *out = json_string (v);
      return 0;
    }
  char *end;
  errno = 0;
  long long n = strtoll (v, &end, 10);
  long long mult = 1;
  if (*end && strchr ("kKmMgG", *end) && strcmp (f->section, "memory") == 0 && end[1] == '\0')
    mult = *end == 'k' || *end == 'K' ? 1024LL : *end == 'm' || *end == 'M' ? 1LL << 20 : 1LL << 30;
  else if (*end)
    return sv_err_make (err, EINVAL, "update: --%s: invalid value `%s`", f->name, v);
  if (errno || end == v)
    return sv_err_make (err, EINVAL, "update: --%s: invalid value `%s`", f->name, v);
  *out = json_integer (n * mult);
  return 0;
}

static void
set_limit (json_t *res, const struct limit_flag *f, json_t *value)
{
  json_t *sec = json_object_get (res, f->section);
  if (sec == NULL)
    {
      sec = json_object ();
      json_object_set_new (res, f->section, sec);
    }
  json_object_set_new (sec, f->key, value);
}

int
rt_update (struct rt_globals *g, int argc, char **argv, struct sv_err **err)
{
  struct option opts[N_LIMITS + 2];
  memset (opts, 0, sizeof opts);
  for (size_t i = 0; i < N_LIMITS; i++)
    opts[i] = (struct option){ limit_flags[i].name, required_argument, NULL, 256 + (int)i };
  opts[N_LIMITS] = (struct option){ "resources", required_argument, NULL, 'r' };
  _cleanup_json_ json_t *res = NULL;
  _cleanup_json_ json_t *flags = json_object ();
  int c, next;
  while ((c = rt_getopt (argc, argv, "update", opts, &next, err)) != -1)
    {
      json_t *v = NULL;
      if (c == -2)
        return 1;
      if (c == 'r' && read_resources (optarg, &res, err) < 0)
        return 1;
      if (c >= 256 && parse_value (&limit_flags[c - 256], optarg, &v, err) < 0)
        return 1;
      if (v)
        set_limit (flags, &limit_flags[c - 256], v);
    }
  if (rt_operands (argc, argv, next, 1, "update", "[--resources FILE|-] [limit flags] ID", err) < 0)
    return 1;
  if (res == NULL)
    res = json_incref (flags);
  else
    json_object_update_recursive (res, flags);
  struct sv_runtime rt;
  if (rt_open (g, &rt, err) < 0)
    return 1;
  int ret = sv_container_update (&rt, argv[next], res, err);
  sv_runtime_close (&rt);
  return ret < 0 ? 1 : 0;
}

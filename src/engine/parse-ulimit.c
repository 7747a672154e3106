/* --ulimit as docker's go-units ParseUlimit reads it. */
#include "engine/parse-internal.h"
#include "runtime/rlimits.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

/* The names docker accepts (lower case only). */
static const char *const ulimit_names[] = {
  "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue", "nice",
  "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack",
};

static int
ulimit_resource (const char *name)
{
  for (size_t i = 0; i < sizeof ulimit_names / sizeof ulimit_names[0]; i++)
    if (strcmp (name, ulimit_names[i]) == 0)
      {
        char upper[32] = "RLIMIT_";
        for (size_t j = 0; name[j]; j++)
          upper[7 + j] = (char)toupper ((unsigned char)name[j]);
        return sv_rlimit_from_name (upper);
      }
  return -1;
}

/* A limit value: an integer, -1 meaning unlimited. */
static int
limit_value (const char *s, int64_t *v, struct sv_err **err)
{
  if (!sv_parse_go_int (s, v))
    return sv_err_make (err, EINVAL, "strconv.ParseInt: parsing \"%s\": invalid syntax", s);
  if (*v < -1)
    return sv_err_make (err, EINVAL, "invalid ulimit value %s: must be -1 (unlimited) or >= 0", s);
  return 0;
}

static uint64_t
to_rlim (int64_t v)
{
  return v == -1 ? (uint64_t)RLIM_INFINITY : (uint64_t)v;
}

int
sv_parse_ulimit (const char *s, struct sv_rlimit *out, struct sv_err **err)
{
  const char *eq = strchr (s, '=');
  if (eq == NULL)
    return sv_err_make (err, EINVAL, "invalid ulimit argument: %s", s);
  char name[32];
  snprintf (name, sizeof name, "%.*s", (int)(eq - s), s);
  int resource = (size_t)(eq - s) < sizeof name ? ulimit_resource (name) : -1;
  if (resource < 0)
    return sv_err_make (err, EINVAL, "invalid ulimit type: %.*s", (int)(eq - s), s);
  const char *vals = eq + 1;
  const char *colon = strchr (vals, ':');
  if (colon && strchr (colon + 1, ':'))
    return sv_err_make (err, EINVAL,
                        "too many limit value arguments - %s, can only have up to two, "
                        "`soft[:hard]`",
                        vals);
  _cleanup_free_ char *soft_s = colon ? xstrndup (vals, (size_t)(colon - vals)) : xstrdup (vals);
  int64_t soft, hard;
  if (limit_value (soft_s, &soft, err) < 0)
    return -1;
  hard = soft;
  if (colon && limit_value (colon + 1, &hard, err) < 0)
    return -1;
  if (to_rlim (soft) > to_rlim (hard))
    return sv_err_make (err, EINVAL,
                        "ulimit soft limit must be less than or equal to hard limit: %lld > %lld",
                        (long long)soft, (long long)hard);
  out->resource = resource;
  out->soft = to_rlim (soft);
  out->hard = to_rlim (hard);
  return 0;
}

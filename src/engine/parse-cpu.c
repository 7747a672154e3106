/* --cpus, --cpu-shares, --cpuset-cpus as docker reads them. */
#include "engine/parse-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NANO 1000000000LL
#define MIN_SHARES 2
#define MAX_SHARES 262144
/* Larger CPU numbers are refused rather than looped over. */
#define MAX_CPU_NUMBER (1 << 20)

/* "1", "1.5", ".25" -> value * 1e9 exactly; -2 when more precise than
 * 1e-9 (docker: "value is too precise"), -1 when not a number. */
static int
decimal_nano (const char *s, int64_t *out)
{
  const char *p = s;
  int64_t v = 0, scale = NANO;
  bool any = false, too_precise = false;
  for (; isdigit ((unsigned char)*p); p++, any = true)
    {
      if (v > (INT64_MAX / 10 - 9) / NANO)
        return -1;
      v = v * 10 + (*p - '0');
    }
  v *= NANO;
  if (*p == '.')
    for (p++; isdigit ((unsigned char)*p); p++, any = true)
      {
        scale /= 10;
        if (scale == 0)
          too_precise |= *p != '0';
        else
          v += (*p - '0') * scale;
      }
  if (!any || *p != '\0')
    return -1;
  if (too_precise)
    return -2;
  *out = v;
  return 0;
}

int
sv_parse_cpus (const char *s, struct sv_cpu_quota *out, struct sv_err **err)
{
  int64_t nano = 0;
  int r = decimal_nano (s, &nano);
  if (r == -2)
    return sv_err_make (err, EINVAL, "value is too precise");
  long ncpu = sysconf (_SC_NPROCESSORS_ONLN);
  if (ncpu < 1)
    ncpu = 1;
  if (r < 0 && s[0] != '-')
    return sv_err_make (err, EINVAL, "failed to parse %s as a rational number", s);
  if (r < 0 || (nano > 0 && (nano < NANO / 100 || nano > ncpu * NANO)))
    return sv_err_make (
        err, EINVAL, "Range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs available",
        ncpu, ncpu);
  out->nano_cpus = nano;
  out->period = nano ? SV_CFS_PERIOD : 0;
  out->quota = nano * SV_CFS_PERIOD / NANO;
  return 0;
}

int
sv_parse_cpu_shares (const char *s, uint64_t *out, struct sv_err **err)
{
  int64_t v;
  if (!sv_parse_go_int (s, &v))
    return sv_err_make (err, EINVAL,
                        "invalid argument \"%s\" for \"-c, --cpu-shares\" flag: "
                        "strconv.ParseInt: parsing \"%s\": invalid syntax",
                        s, s);
  if (v != 0 && v < MIN_SHARES)
    v = MIN_SHARES;
  if (v > MAX_SHARES)
    v = MAX_SHARES;
  *out = (uint64_t)v;
  return 0;
}

struct cpu_range
{
  long lo, hi;
};

static bool
parse_cpu_number (const char *s, size_t len, long *out)
{
  long v = 0;
  if (len == 0)
    return false;
  for (size_t i = 0; i < len; i++)
    {
      if (!isdigit ((unsigned char)s[i]) || v > MAX_CPU_NUMBER)
        return false;
      v = v * 10 + (s[i] - '0');
    }
  *out = v;
  return v <= MAX_CPU_NUMBER;
}

/* docker's parsers.ParseUintList: "0-2,4" -> ranges; "" is empty.
 * Returns the number of ranges, or -1 when malformed. */
static ssize_t
parse_list (const char *s, struct cpu_range **out)
{
  struct cpu_range *v = NULL;
  ssize_t n = 0;
  const char *p = s;
  while (*p != '\0' || n > 0)
    {
      size_t len = strcspn (p, ",");
      const char *dash = memchr (p, '-', len);
      struct cpu_range r;
      bool ok = dash ? parse_cpu_number (p, (size_t)(dash - p), &r.lo)
                           && parse_cpu_number (dash + 1, len - (size_t)(dash - p) - 1, &r.hi)
                           && r.hi >= r.lo
                     : parse_cpu_number (p, len, &r.lo);
      if (!dash)
        r.hi = r.lo;
      if (!ok)
        {
          free (v);
          return -1;
        }
      v = xreallocarray (v, (size_t)n + 1, sizeof *v);
      v[n++] = r;
      if (p[len] == '\0')
        break;
      p += len + 1;
    }
  *out = v;
  return n;
}

static bool
contains (const struct cpu_range *v, ssize_t n, long cpu)
{
  for (ssize_t i = 0; i < n; i++)
    if (cpu >= v[i].lo && cpu <= v[i].hi)
      return true;
  return false;
}

int
sv_parse_cpuset (const char *s, const char *available, struct sv_err **err)
{
  _cleanup_free_ struct cpu_range *want = NULL;
  _cleanup_free_ struct cpu_range *have = NULL;
  _cleanup_free_ char *online = NULL;
  ssize_t n_want = parse_list (s, &want);
  if (n_want < 0)
    return sv_err_make (err, EINVAL, "Invalid value %s for cpuset cpus: invalid format: %s", s, s);
  if (available == NULL)
    {
      size_t len;
      if (sv_read_file_at (AT_FDCWD, "/sys/devices/system/cpu/online", &online, &len, NULL) < 0)
        return 0;
      online[strcspn (online, "\n")] = '\0';
      available = online;
    }
  ssize_t n_have = parse_list (available, &have);
  if (n_have < 0)
    return 0;
  for (ssize_t i = 0; i < n_want; i++)
    for (long c = want[i].lo; c <= want[i].hi; c++)
      if (!contains (have, n_have, c))
        return sv_err_make (err, EINVAL,
                            "Requested CPUs are not available - requested %s, available: %s", s,
                            available);
  return 0;
}

/* Times in the json-file log: RFC3339Nano formatting and the values
 * `docker logs --since/--until` accepts. */
#include "engine/logfile-internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NS_PER_SEC 1000000000LL

void
sv_log_format_time (int64_t ns, bool fixed, char *buf, size_t size)
{
  time_t sec = (time_t)(ns / NS_PER_SEC);
  long frac = (long)(ns % NS_PER_SEC);
  if (frac < 0)
    {
      frac += NS_PER_SEC;
      sec--;
    }
  struct tm tm;
  gmtime_r (&sec, &tm);
  char digits[16];
  snprintf (digits, sizeof digits, ".%09ld", frac);
  if (!fixed)
    {
      size_t n = strlen (digits);
      while (n > 1 && digits[n - 1] == '0')
        digits[--n] = '\0';
      if (n == 1)
        digits[0] = '\0';
    }
  snprintf (buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, digits);
}

/* A cursor over a length-delimited string. */
struct cur
{
  const char *p, *end;
};

/* Exactly N digits into *V. */
static bool
digits (struct cur *c, int n, int *v)
{
  *v = 0;
  for (int i = 0; i < n; i++, c->p++)
    {
      if (c->p >= c->end || !isdigit ((unsigned char)*c->p))
        return false;
      *v = *v * 10 + (*c->p - '0');
    }
  return true;
}

static bool
eat (struct cur *c, char ch)
{
  if (c->p < c->end && *c->p == ch)
    {
      c->p++;
      return true;
    }
  return false;
}

/* ".123456789" (any number of digits, beyond 9 ignored) -> ns. */
static bool
fraction (struct cur *c, long *ns)
{
  long scale = 100000000;
  const char *start = c->p;
  *ns = 0;
  for (; c->p < c->end && isdigit ((unsigned char)*c->p); c->p++, scale /= 10)
    *ns += (*c->p - '0') * scale;
  return c->p > start;
}

/* "Z", "+hh:mm" or "-hh:mm" -> offset in seconds; returns 1 when a zone
 * was there, 0 when not, -1 when malformed. */
static int
zone (struct cur *c, long *off)
{
  if (eat (c, 'Z') || eat (c, 'z'))
    return *off = 0, 1;
  if (c->p >= c->end || (*c->p != '+' && *c->p != '-'))
    return 0;
  int sign = *c->p++ == '-' ? -1 : 1, h, m;
  if (!digits (c, 2, &h) || !eat (c, ':') || !digits (c, 2, &m) || h > 23 || m > 59)
    return -1;
  *off = sign * (h * 3600L + m * 60L);
  return 1;
}

static bool
valid_date (const struct tm *tm)
{
  static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  int y = tm->tm_year + 1900;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (tm->tm_mon < 0 || tm->tm_mon > 11 || tm->tm_mday < 1 || tm->tm_mday > mdays[tm->tm_mon])
    return false;
  if (tm->tm_mon == 1 && tm->tm_mday == 29 && !leap)
    return false;
  return tm->tm_hour <= 23 && tm->tm_min <= 59 && tm->tm_sec <= 59;
}

/* "hh[:mm[:ss[.frac]]]" after the "T"; the parts after hh only with
 * ALLOW_PARTIAL may be missing. */
static bool
clock_part (struct cur *c, bool allow_partial, struct tm *tm, long *frac)
{
  if (!digits (c, 2, &tm->tm_hour))
    return false;
  if (!eat (c, ':'))
    return allow_partial;
  if (!digits (c, 2, &tm->tm_min))
    return false;
  if (!eat (c, ':'))
    return allow_partial;
  if (!digits (c, 2, &tm->tm_sec))
    return false;
  return !eat (c, '.') || fraction (c, frac);
}

int
sv_log_parse_rfc3339 (const char *s, size_t len, bool allow_partial, int64_t *ns)
{
  struct cur c = { s, s + len };
  struct tm tm = { 0 };
  long frac = 0, off = 0;
  int year, mon;
  if (!digits (&c, 4, &year) || !eat (&c, '-') || !digits (&c, 2, &mon) || !eat (&c, '-')
      || !digits (&c, 2, &tm.tm_mday))
    return -1;
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  bool has_clock = eat (&c, 'T') || eat (&c, 't');
  if (has_clock ? !clock_part (&c, allow_partial, &tm, &frac) : !allow_partial)
    return -1;
  int z = zone (&c, &off);
  if (z < 0 || c.p != c.end || (z == 0 && !allow_partial) || !valid_date (&tm))
    return -1;
  time_t t;
  if (z)
    t = timegm (&tm) - off;
  else
    {
      tm.tm_isdst = -1;
      t = mktime (&tm);
    }
  *ns = (int64_t)t * NS_PER_SEC + frac;
  return 0;
}

/* Go's time.ParseDuration: "1h30m", "1.5h", "-10m", "300ms"; "0". */
static int
parse_duration (const char *s, int64_t *out)
{
  static const struct
  {
    const char *name;
    int64_t ns;
  } units[] = {
    { "ns", 1 },       { "us", 1000 },      { "\xc2\xb5s", 1000 },    { "\xce\xbcs", 1000 },
    { "ms", 1000000 }, { "s", NS_PER_SEC }, { "m", 60 * NS_PER_SEC }, { "h", 3600 * NS_PER_SEC },
  };
  bool neg = *s == '-';
  if (*s == '-' || *s == '+')
    s++;
  if (strcmp (s, "0") == 0)
    return *out = 0, 0;
  if (*s == '\0')
    return -1;
  long double total = 0;
  while (*s)
    {
      const char *start = s;
      long double v = 0, scale = 1;
      for (; isdigit ((unsigned char)*s); s++)
        v = v * 10 + (*s - '0');
      bool int_digits = s > start;
      if (*s == '.')
        for (s++; isdigit ((unsigned char)*s); s++)
          v += (*s - '0') * (scale /= 10);
      if (!int_digits && scale == 1)
        return -1; /* no digits at all */
      size_t i, n = sizeof units / sizeof units[0], ulen = 0;
      for (i = 0; i < n; i++)
        {
          ulen = strlen (units[i].name);
          /* longest match first: "ms" before "m" holds by table order */
          if (strncmp (s, units[i].name, ulen) == 0)
            break;
        }
      if (i == n)
        return -1;
      total += v * units[i].ns;
      s += ulen;
    }
  if (total > (long double)INT64_MAX)
    return -1;
  *out = neg ? -(int64_t)total : (int64_t)total;
  return 0;
}

/* "1700000000" or "1700000000.5" -> ns. */
static int
parse_unix (const char *s, int64_t *out)
{
  const char *p = s;
  int64_t sec = 0;
  for (; isdigit ((unsigned char)*p); p++)
    {
      if (sec > (INT64_MAX / NS_PER_SEC - 9) / 10)
        return -1;
      sec = sec * 10 + (*p - '0');
    }
  if (p == s)
    return -1;
  long frac = 0;
  struct cur c = { p + 1, p + strlen (p) };
  if (*p == '.' && !fraction (&c, &frac))
    return -1;
  if (*p != '\0' && (*p != '.' || c.p != c.end))
    return -1;
  *out = sec * NS_PER_SEC + frac;
  return 0;
}

int
sv_log_parse_time (const char *s, int64_t now_ns, int64_t *out_ns, struct sv_err **err)
{
  int64_t d;
  if (strcmp (s, "0") != 0 && parse_duration (s, &d) == 0)
    {
      *out_ns = now_ns - d;
      return 0;
    }
  if (sv_log_parse_rfc3339 (s, strlen (s), true, out_ns) == 0)
    return 0;
  if (strchr (s, '-'))
    return sv_err_make_plain (err, EINVAL, "parsing time \"%s\": not an RFC3339 timestamp", s);
  if (parse_unix (s, out_ns) == 0)
    return 0;
  return sv_err_make_plain (err, EINVAL, "failed to parse value as time or duration: \"%s\"", s);
}

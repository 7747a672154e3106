/* Sizes as docker's go-units RAMInBytes reads them. */
#include "engine/parse-internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The number part: digits with at most one ".", as strconv.ParseFloat
 * accepts them in practice ("1.5", ".5", "5."). */
static bool
parse_number (const char *s, size_t len, long double *out)
{
  bool dot = false, digit = false;
  for (size_t i = 0; i < len; i++)
    {
      if (s[i] == '.' && !dot)
        dot = true;
      else if (isdigit ((unsigned char)s[i]))
        digit = true;
      else
        return false;
    }
  if (!digit)
    return false;
  char buf[64];
  if (len >= sizeof buf)
    return false;
  memcpy (buf, s, len);
  buf[len] = '\0';
  *out = strtold (buf, NULL);
  return true;
}

/* "", "b", "k", "kb", "kib", ... -> multiplier; 0 when invalid. */
static int64_t
suffix_multiplier (const char *sfx)
{
  static const char units[] = "kmgtp";
  size_t len = strlen (sfx);
  char lower[4] = { 0 };
  if (len == 0)
    return 1;
  if (len > 3)
    return 0;
  for (size_t i = 0; i < len; i++)
    lower[i] = (char)tolower ((unsigned char)sfx[i]);
  if (lower[0] == 'b')
    return len == 1 ? 1 : 0;
  const char *u = strchr (units, lower[0]);
  if (u == NULL || (len == 2 && lower[1] != 'b') || (len == 3 && strcmp (lower + 1, "ib") != 0))
    return 0;
  return (int64_t)1 << (10 * (u - units + 1));
}

int
sv_parse_size (const char *s, bool allow_unlimited, int64_t *out, struct sv_err **err)
{
  if (allow_unlimited && strcmp (s, "-1") == 0)
    return *out = -1, 0;
  /* The number ends at the last digit, "." or space (go-units). */
  const char *sep = NULL;
  for (const char *p = s; *p; p++)
    if (isdigit ((unsigned char)*p) || *p == '.' || *p == ' ')
      sep = p;
  if (sep == NULL)
    return sv_err_make (err, EINVAL, "invalid size: '%s'", s);
  size_t num_len = (size_t)(sep - s) + (*sep == ' ' ? 0 : 1);
  const char *sfx = sep + 1;
  long double v;
  if (!parse_number (s, num_len, &v))
    return sv_err_make (err, EINVAL, "invalid size: '%s'", s);
  int64_t mul = suffix_multiplier (sfx);
  if (mul == 0)
    return sv_err_make (err, EINVAL, "invalid suffix: '%s'", sfx);
  v *= (long double)mul;
  if (v >= 9223372036854775807.0L)
    return sv_err_make (err, ERANGE, "invalid size: '%s'", s);
  *out = (int64_t)v;
  return 0;
}

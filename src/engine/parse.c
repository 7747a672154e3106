/* Single-valued `servin run` flags (--restart, --pull, --network,
 * --stop-signal, --stop-timeout) and the scalar helpers the parse-*.c
 * files share. */
#include "engine/parse-internal.h"
#include "runtime/signals.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

bool
sv_parse_go_bool (const char *s, bool *out)
{
  static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
  static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    {
      if (strcmp (s, yes[i]) == 0)
        return *out = true, true;
      if (strcmp (s, no[i]) == 0)
        return *out = false, true;
    }
  return false;
}

bool
sv_parse_go_int (const char *s, int64_t *out)
{
  const char *digits = s + (*s == '-' || *s == '+');
  if (!isdigit ((unsigned char)*digits))
    return false;
  char *end;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (errno || *end)
    return false;
  *out = v;
  return true;
}

static const char *const restart_names[] = {
  [SV_RESTART_NO] = "no",
  [SV_RESTART_ALWAYS] = "always",
  [SV_RESTART_UNLESS_STOPPED] = "unless-stopped",
  [SV_RESTART_ON_FAILURE] = "on-failure",
};

const char *
sv_restart_mode_name (enum sv_restart_mode mode)
{
  return (unsigned)mode < sizeof restart_names / sizeof restart_names[0] ? restart_names[mode]
                                                                         : NULL;
}

/* The retry count after "name:"; docker's checks and messages. */
static int
restart_count (const char *v, enum sv_restart_mode mode, int *out, struct sv_err **err)
{
  int64_t n = 0;
  if (*v && (!sv_parse_go_int (v, &n) || n > INT_MAX || n < INT_MIN))
    return sv_err_make (err, EINVAL,
                        "invalid restart policy format: maximum retry count must be an integer");
  if (mode != SV_RESTART_ON_FAILURE && n != 0)
    return sv_err_make (err, EINVAL,
                        "invalid restart policy: maximum retry count can only be used with "
                        "'on-failure'%s",
                        n < 0 ? " and cannot be negative" : "");
  if (n < 0)
    return sv_err_make (err, EINVAL,
                        "invalid restart policy: maximum retry count cannot be negative");
  *out = (int)n;
  return 0;
}

int
sv_parse_restart (const char *s, struct sv_restart_policy *out, struct sv_err **err)
{
  size_t klen = strcspn (s, ":");
  if (s[klen] == ':' && klen == 0)
    return sv_err_make (err, EINVAL,
                        "invalid restart policy format: no policy provided before colon");
  struct sv_restart_policy p = { SV_RESTART_NO, 0 };
  size_t i, n = sizeof restart_names / sizeof restart_names[0];
  for (i = 0; i < n; i++)
    if (strlen (restart_names[i]) == klen && strncmp (s, restart_names[i], klen) == 0)
      break;
  if (i == n && klen != 0)
    return sv_err_make (err, EINVAL,
                        "invalid restart policy: unknown policy '%.*s'; use one of 'no', "
                        "'always', 'on-failure', or 'unless-stopped'",
                        (int)klen, s);
  p.mode = i == n ? SV_RESTART_NO : (enum sv_restart_mode)i;
  if (restart_count (s[klen] ? s + klen + 1 : "", p.mode, &p.max_retries, err) < 0)
    return -1;
  *out = p;
  return 0;
}

int
sv_parse_pull (const char *s, enum sv_pull_policy *out, struct sv_err **err)
{
  if (strcmp (s, "missing") == 0 || s[0] == '\0')
    *out = SV_PULL_MISSING;
  else if (strcmp (s, "always") == 0)
    *out = SV_PULL_ALWAYS;
  else if (strcmp (s, "never") == 0)
    *out = SV_PULL_NEVER;
  else
    return sv_err_make (err, EINVAL,
                        "invalid pull option: '%s': must be one of \"always\", \"missing\" or "
                        "\"never\"",
                        s);
  return 0;
}

int
sv_parse_network (const char *s, struct sv_network *out, struct sv_err **err)
{
  struct sv_network n = { SV_NET_BRIDGE, NULL };
  if (strcmp (s, "none") == 0)
    n.mode = SV_NET_NONE;
  else if (strcmp (s, "host") == 0)
    n.mode = SV_NET_HOST;
  else if (s[0] == '\0' || strcmp (s, "bridge") == 0 || strcmp (s, "default") == 0)
    n.mode = SV_NET_BRIDGE;
  else if (strncmp (s, "container:", 10) == 0)
    {
      if (s[10] == '\0')
        return sv_err_make (err, EINVAL, "invalid container format container:<name|id>");
      n.mode = SV_NET_CONTAINER;
      n.name = xstrdup (s + 10);
    }
  else if (strchr (s, ':'))
    return sv_err_make (err, EINVAL, "invalid network mode: %s", s);
  else
    {
      n.mode = SV_NET_NAMED;
      n.name = xstrdup (s);
    }
  *out = n;
  return 0;
}

void
sv_network_clear (struct sv_network *n)
{
  free (n->name);
  n->name = NULL;
  n->mode = SV_NET_BRIDGE;
}

int
sv_parse_signal (const char *s, int *out, struct sv_err **err)
{
  int sig = sv_signal_parse (s);
  if (sig <= 0)
    return sv_err_make (err, EINVAL, "Invalid signal: %s", s);
  *out = sig;
  return 0;
}

int
sv_parse_timeout (const char *s, int *out, struct sv_err **err)
{
  int64_t v;
  if (!sv_parse_go_int (s, &v) || v > INT_MAX || v < INT_MIN)
    return sv_err_make (err, EINVAL, "strconv.ParseInt: parsing \"%s\": invalid syntax", s);
  *out = (int)v;
  return 0;
}

bool
sv_name_valid (const char *s)
{
  if (!isalnum ((unsigned char)s[0]) || s[1] == '\0')
    return false;
  for (const char *p = s + 1; *p; p++)
    if (!isalnum ((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
      return false;
  return true;
}

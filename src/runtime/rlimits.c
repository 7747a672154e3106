/* rlimits: the RLIMIT_* name table and applying process.rlimits. */
#include "runtime/rlimits.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static const struct
{
  const char *name;
  int resource;
} rlimit_table[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

#define N_RLIMITS (sizeof rlimit_table / sizeof rlimit_table[0])

int
sv_rlimit_from_name (const char *name)
{
  if (name == NULL)
    return -1;
  for (size_t i = 0; i < N_RLIMITS; i++)
    if (strcmp (name, rlimit_table[i].name) == 0)
      return rlimit_table[i].resource;
  return -1;
}

const char *
sv_rlimit_name (int resource)
{
  for (size_t i = 0; i < N_RLIMITS; i++)
    if (rlimit_table[i].resource == resource)
      return rlimit_table[i].name;
  return NULL;
}

/* "unlimited" or the decimal value; owned by the caller. */
static char *
rlim_to_string (rlim_t v)
{
  if (v == RLIM_INFINITY)
    return xstrdup ("unlimited");
  return xasprintf ("%llu", (unsigned long long)v);
}

static rlim_t
rlim_from_u64 (uint64_t v)
{
  return v >= (uint64_t)RLIM_INFINITY ? RLIM_INFINITY : (rlim_t)v;
}

/* The error for a setrlimit that failed with errno; on EPERM it explains
 * that the hard limit cannot be raised without CAP_SYS_RESOURCE. */
static int
rlimit_error (const char *name, int resource, const struct rlimit *want, struct sv_err **err)
{
  int saved = errno;
  _cleanup_free_ char *soft = rlim_to_string (want->rlim_cur);
  _cleanup_free_ char *hard = rlim_to_string (want->rlim_max);
  struct rlimit cur;
  if (saved == EPERM && getrlimit (resource, &cur) == 0)
    {
      _cleanup_free_ char *cur_hard = rlim_to_string (cur.rlim_max);
      return sv_err_make (err, EPERM,
                          "setrlimit %s (soft %s, hard %s): cannot raise the hard limit above "
                          "the current hard limit %s without CAP_SYS_RESOURCE",
                          name, soft, hard, cur_hard);
    }
  if (saved == EINVAL && want->rlim_cur > want->rlim_max)
    return sv_err_make (err, EINVAL, "setrlimit %s: soft limit %s is above hard limit %s", name,
                        soft, hard);
  return sv_err_make (err, saved, "setrlimit %s (soft %s, hard %s)", name, soft, hard);
}

int
sv_rlimits_apply (const struct sv_rlimit *v, size_t n, struct sv_err **err)
{
  for (size_t i = 0; i < n; i++)
    {
      const char *name = sv_rlimit_name (v[i].resource);
      _cleanup_free_ char *fallback = name ? NULL : xasprintf ("rlimit %d", v[i].resource);
      struct rlimit want = { rlim_from_u64 (v[i].soft), rlim_from_u64 (v[i].hard) };
      if (setrlimit (v[i].resource, &want) < 0)
        return rlimit_error (name ? name : fallback, v[i].resource, &want, err);
    }
  return 0;
}

#include "platform.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

/* Spellings of an architecture (uname, Debian, Go) and what they mean.  A
 * non-NULL variant is implied by the spelling (armhf is arm/v7). */
struct arch_alias
{
  const char *name;
  const char *arch;
  const char *variant;
};

static const struct arch_alias arch_aliases[] = {
  { "i386", "386", NULL },        { "i486", "386", NULL },          { "i586", "386", NULL },
  { "i686", "386", NULL },        { "x86", "386", NULL },           { "x86_64", "amd64", NULL },
  { "x86-64", "amd64", NULL },    { "aarch64", "arm64", NULL },     { "armhf", "arm", "v7" },
  { "armel", "arm", "v6" },       { "armv5tel", "arm", "v5" },      { "armv5l", "arm", "v5" },
  { "armv6l", "arm", "v6" },      { "armv7l", "arm", "v7" },        { "armv8l", "arm", "v8" },
  { "ppc64el", "ppc64le", NULL }, { "mips64el", "mips64le", NULL },
};

static const char *const known_arches[] = {
  "386",  "amd64",  "arm",    "arm64",    "ppc64le", "ppc64", "s390x",   "riscv64",
  "mips", "mipsle", "mips64", "mips64le", "loong64", "wasm",  "sparc64",
};

static const char *const known_oses[] = {
  "linux",   "windows", "darwin",  "freebsd",   "netbsd", "openbsd", "solaris",
  "illumos", "aix",     "android", "dragonfly", "plan9",  "js",      "wasip1",
};

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a)[0]))

static bool
in_list (const char *const *list, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (list[i], s) == 0)
      return true;
  return false;
}

static void
lowercase (char *s)
{
  for (; s && *s; s++)
    *s = (char)tolower ((unsigned char)*s);
}

static void
replace (char **field, const char *value)
{
  char *old = *field;
  *field = value ? xstrdup (value) : NULL;
  free (old);
}

/* "8" -> "v8": variants given as bare numbers, as some tools write them. */
static void
prefix_variant (struct sv_platform *p)
{
  if (p->variant && isdigit ((unsigned char)p->variant[0]))
    {
      char *v = xasprintf ("v%s", p->variant);
      free (p->variant);
      p->variant = v;
    }
}

static void
default_variant (struct sv_platform *p)
{
  if (strcmp (p->arch, "amd64") == 0 && p->variant && strcmp (p->variant, "v1") == 0)
    replace (&p->variant, NULL);
  else if (strcmp (p->arch, "arm64") == 0
           && (p->variant == NULL || strcmp (p->variant, "v8.0") == 0))
    replace (&p->variant, "v8");
  else if (strcmp (p->arch, "arm") == 0 && p->variant == NULL)
    replace (&p->variant, "v7");
}

void
sv_platform_normalize (struct sv_platform *p)
{
  lowercase (p->os);
  lowercase (p->arch);
  lowercase (p->variant);
  if (p->variant && *p->variant == '\0')
    replace (&p->variant, NULL);
  for (size_t i = 0; i < N_ELEMENTS (arch_aliases); i++)
    if (strcmp (p->arch, arch_aliases[i].name) == 0)
      {
        replace (&p->arch, arch_aliases[i].arch);
        if (arch_aliases[i].variant)
          replace (&p->variant, arch_aliases[i].variant);
        break;
      }
  prefix_variant (p);
  default_variant (p);
}

struct sv_platform *
sv_platform_new (const char *os, const char *arch, const char *variant)
{
  struct sv_platform *p = xmalloc0 (sizeof *p);
  p->os = xstrdup (os);
  p->arch = xstrdup (arch);
  p->variant = variant ? xstrdup (variant) : NULL;
  sv_platform_normalize (p);
  return p;
}

char *
sv_platform_string (const struct sv_platform *p)
{
  return xasprintf ("%s/%s%s%s", p->os ? p->os : "", p->arch ? p->arch : "", p->variant ? "/" : "",
                    p->variant ? p->variant : "");
}

void
sv_platform_free (struct sv_platform *p)
{
  if (p == NULL)
    return;
  free (p->os);
  free (p->arch);
  free (p->variant);
  free (p);
}

int
sv_platform_host (struct sv_platform **out, struct sv_err **err)
{
  struct utsname u;
  if (uname (&u) < 0)
    return sv_err_errno (err, "uname");
  *out = sv_platform_new ("linux", u.machine, NULL);
  return 0;
}

static bool
component_ok (const char *s)
{
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (!isalnum ((unsigned char)*s) && !strchr ("_.-", *s))
      return false;
  return true;
}

/* A lone "linux" or "arm64": fill in the rest from the host. */
static int
from_single (const char *s, struct sv_platform **out, struct sv_err **err)
{
  _cleanup_free_ char *lower = xstrdup (s);
  lowercase (lower);
  _cleanup_platform_ struct sv_platform *host = NULL;
  int ret = sv_platform_host (&host, err);
  if (ret < 0)
    return ret;
  if (in_list (known_oses, N_ELEMENTS (known_oses), lower))
    *out = sv_platform_new (lower, host->arch, host->variant);
  else
    *out = sv_platform_new (host->os, lower, NULL);
  return 0;
}

static int
check_known (struct sv_platform *p, const char *s, struct sv_err **err)
{
  if (!in_list (known_oses, N_ELEMENTS (known_oses), p->os))
    return sv_err_make_plain (err, EINVAL,
                              "invalid platform \"%s\": unknown operating system \"%s\"", s, p->os);
  if (!in_list (known_arches, N_ELEMENTS (known_arches), p->arch))
    return sv_err_make_plain (err, EINVAL, "invalid platform \"%s\": unknown architecture \"%s\"",
                              s, p->arch);
  return 0;
}

int
sv_platform_parse (const char *s, struct sv_platform **out, struct sv_err **err)
{
  _cleanup_strv_ char **parts = xmalloc0 (4 * sizeof (char *));
  size_t n = 0;
  for (const char *p = s;; n++)
    {
      const char *slash = strchr (p, '/');
      if (n == 3)
        return sv_err_make_plain (err, EINVAL,
                                  "invalid platform \"%s\": expected OS/ARCH[/VARIANT]", s);
      parts[n] = slash ? xstrndup (p, (size_t)(slash - p)) : xstrdup (p);
      if (!component_ok (parts[n]))
        return sv_err_make_plain (err, EINVAL, "invalid platform \"%s\": bad component \"%s\"", s,
                                  parts[n]);
      if (slash == NULL)
        break;
      p = slash + 1;
    }
  _cleanup_platform_ struct sv_platform *p = NULL;
  if (n == 0)
    {
      int ret = from_single (parts[0], &p, err);
      if (ret < 0)
        return ret;
    }
  else
    p = sv_platform_new (parts[0], parts[1], parts[2]);
  int ret = check_known (p, s, err);
  if (ret < 0)
    return ret;
  *out = steal_pointer (&p);
  return 0;
}

/* "v8" -> 800, "v8.2" -> 802, NULL -> DEF; -1 when not of that shape. */
static int
variant_level (const char *v, int def)
{
  if (v == NULL)
    return def;
  char *end;
  if (v[0] != 'v' || !isdigit ((unsigned char)v[1]))
    return -1;
  long major = strtol (v + 1, &end, 10), minor = 0;
  if (*end == '.' && isdigit ((unsigned char)end[1]))
    minor = strtol (end + 1, &end, 10);
  if (*end != '\0' || major > 1000 || minor > 99)
    return -1;
  return (int)(major * 100 + minor);
}

static bool
str_eq (const char *a, const char *b)
{
  return (a == NULL && b == NULL) || (a && b && strcmp (a, b) == 0);
}

/* Same arch: exact variant, or an older variant of an arch whose variants
 * are backward compatible (amd64 v1 < v2 < v3, arm v5 < v6 < v7, arm64 v8 < v9). */
static int
match_same_arch (const struct sv_platform *w, const struct sv_platform *h)
{
  if (str_eq (w->variant, h->variant))
    return 1000;
  if (strcmp (w->arch, "amd64") != 0 && strcmp (w->arch, "arm") != 0
      && strcmp (w->arch, "arm64") != 0)
    return 0;
  int wl = variant_level (w->variant, 100), hl = variant_level (h->variant, 100);
  if (wl < 0 || hl < 0 || hl > wl)
    return 0;
  return 900 - (wl - hl) / 10;
}

int
sv_platform_match (const struct sv_platform *wanted, const struct sv_platform *have)
{
  if (wanted->os == NULL || wanted->arch == NULL || have->os == NULL || have->arch == NULL)
    return 0;
  _cleanup_platform_ struct sv_platform *w
      = sv_platform_new (wanted->os, wanted->arch, wanted->variant);
  _cleanup_platform_ struct sv_platform *h = sv_platform_new (have->os, have->arch, have->variant);
  if (strcmp (w->os, h->os) != 0)
    return 0;
  if (strcmp (w->arch, h->arch) == 0)
    return match_same_arch (w, h);
  /* arm64 runs 32-bit arm up to v8, as containerd's platforms.Only allows. */
  if (strcmp (w->arch, "arm64") == 0 && strcmp (h->arch, "arm") == 0)
    {
      int hl = variant_level (h->variant, 700);
      return hl >= 0 && hl <= 800 ? 100 - (800 - hl) / 10 : 0;
    }
  return 0;
}

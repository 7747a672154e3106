#include "reference.h"
#include "digest.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#define DEFAULT_DOMAIN "docker.io"
#define LEGACY_DOMAIN "index.docker.io"
#define DEFAULT_REGISTRY "registry-1.docker.io"
#define OFFICIAL_PREFIX "library/"
#define PATH_MAX_LEN 255
#define TAG_MAX_LEN 128

static int __attribute__ ((format (printf, 2, 3)))
ref_error (struct sv_err **err, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  _cleanup_free_ char *detail = xvasprintf (fmt, ap);
  va_end (ap);
  return sv_err_make_plain (err, EINVAL, "invalid reference format: %s", detail);
}

static bool
is_lower_alnum (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_alnum (char c)
{
  return is_lower_alnum (c) || (c >= 'A' && c <= 'Z');
}

static bool
is_digit (char c)
{
  return c >= '0' && c <= '9';
}

static bool
has_upper (const char *s, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (s[i] >= 'A' && s[i] <= 'Z')
      return true;
  return false;
}

/* [a-z0-9]+ ( ("." | "_" | "__" | "-"+) [a-z0-9]+ )* */
static bool
path_component_ok (const char *s, size_t len)
{
  size_t i = 0;
  while (i < len)
    {
      size_t start = i;
      while (i < len && is_lower_alnum (s[i]))
        i++;
      if (i == start)
        return false;
      if (i == len)
        return true;
      if (s[i] == '.')
        i++;
      else if (s[i] == '_')
        i += (i + 1 < len && s[i + 1] == '_') ? 2 : 1;
      else if (s[i] == '-')
        while (i < len && s[i] == '-')
          i++;
      else
        return false;
    }
  return false;
}

/* [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9] */
static bool
domain_component_ok (const char *s, size_t len)
{
  if (len == 0 || !is_alnum (s[0]) || !is_alnum (s[len - 1]))
    return false;
  for (size_t i = 0; i < len; i++)
    if (!is_alnum (s[i]) && s[i] != '-')
      return false;
  return true;
}

/* Returns the length of the host at the start of S (a dns name, IPv4
 * address or bracketed IPv6 address), 0 when there is none. */
static size_t
host_len (const char *s, size_t len)
{
  if (len > 0 && s[0] == '[')
    {
      size_t i = 1;
      while (i < len && (strchr ("0123456789abcdefABCDEF:", s[i]) != NULL))
        i++;
      return (i > 1 && i < len && s[i] == ']') ? i + 1 : 0;
    }
  size_t i = 0;
  for (;;)
    {
      size_t start = i;
      while (i < len && s[i] != '.' && s[i] != ':')
        i++;
      if (!domain_component_ok (s + start, i - start))
        return 0;
      if (i == len || s[i] == ':')
        return i;
      i++; /* '.' */
    }
}

static bool
domain_ok (const char *s, size_t len)
{
  size_t h = host_len (s, len);
  if (h == 0)
    return false;
  if (h == len)
    return true;
  if (s[h] != ':' || h + 1 == len)
    return false;
  for (size_t i = h + 1; i < len; i++)
    if (!is_digit (s[i]))
      return false;
  return true;
}

static bool
tag_ok (const char *s)
{
  size_t len = strlen (s);
  if (len == 0 || len > TAG_MAX_LEN || s[0] == '.' || s[0] == '-')
    return false;
  for (size_t i = 0; i < len; i++)
    if (!is_alnum (s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
      return false;
  return true;
}

static bool
is_hex_identifier (const char *s)
{
  if (strlen (s) != 64)
    return false;
  for (const char *p = s; *p; p++)
    if (!is_digit (*p) && !(*p >= 'a' && *p <= 'f'))
      return false;
  return true;
}

/* Whether the first component FIRST (of length LEN) of a name with a '/'
 * names a registry rather than a Docker Hub namespace. */
static bool
looks_like_domain (const char *first, size_t len)
{
  if (memchr (first, '.', len) || memchr (first, ':', len))
    return true;
  if (len == strlen ("localhost") && memcmp (first, "localhost", len) == 0)
    return true;
  return has_upper (first, len);
}

static int
check_path (const char *path, struct sv_err **err)
{
  const char *p = path;
  for (;;)
    {
      const char *slash = strchr (p, '/');
      size_t len = slash ? (size_t)(slash - p) : strlen (p);
      if (!path_component_ok (p, len))
        return ref_error (err, "invalid repository path component \"%.*s\"", (int)len, p);
      if (slash == NULL)
        break;
      p = slash + 1;
    }
  if (strlen (path) > PATH_MAX_LEN)
    return ref_error (err, "repository name must not be more than %d characters", PATH_MAX_LEN);
  return 0;
}

/* Split NAME (no tag, no digest) into a normalised domain and path. */
static int
split_name (const char *name, struct sv_ref *ref, struct sv_err **err)
{
  const char *slash = strchr (name, '/');
  const char *rest = name;
  if (slash && looks_like_domain (name, (size_t)(slash - name)))
    {
      if (!domain_ok (name, (size_t)(slash - name)))
        return ref_error (err, "invalid domain \"%.*s\"", (int)(slash - name), name);
      ref->domain = xstrndup (name, (size_t)(slash - name));
      rest = slash + 1;
    }
  if (ref->domain == NULL || strcmp (ref->domain, LEGACY_DOMAIN) == 0)
    {
      free (ref->domain);
      ref->domain = xstrdup (DEFAULT_DOMAIN);
    }
  if (has_upper (rest, strlen (rest)))
    return ref_error (err, "repository name must be lowercase");
  bool official = strcmp (ref->domain, DEFAULT_DOMAIN) == 0 && strchr (rest, '/') == NULL;
  ref->path = official ? xasprintf (OFFICIAL_PREFIX "%s", rest) : xstrdup (rest);
  return check_path (ref->path, err);
}

/* Split "name[:tag]" at the tag colon (one after the last '/'). */
static int
split_tag (char *name_tag, struct sv_ref *ref, struct sv_err **err)
{
  char *slash = strrchr (name_tag, '/');
  char *colon = strrchr (slash ? slash : name_tag, ':');
  if (colon == NULL)
    return 0;
  *colon = '\0';
  if (!tag_ok (colon + 1))
    return ref_error (err, "invalid tag \"%s\"", colon + 1);
  ref->tag = xstrdup (colon + 1);
  return 0;
}

static int
parse_into (const char *s, struct sv_ref *ref, struct sv_err **err)
{
  if (*s == '\0')
    return ref_error (err, "repository name must have at least one component");
  if (is_hex_identifier (s))
    return sv_err_make (
        err, EINVAL, "invalid repository name (%s), cannot specify 64-byte hexadecimal strings", s);
  _cleanup_free_ char *name = xstrdup (s);
  char *at = strchr (name, '@');
  if (at)
    {
      *at = '\0';
      _cleanup_err_ struct sv_err *derr = NULL;
      if (sv_digest_validate (at + 1, &derr) < 0)
        return ref_error (err, "%s", derr->msg);
      ref->digest = xstrdup (at + 1);
    }
  int ret = split_tag (name, ref, err);
  if (ret < 0)
    return ret;
  if (*name == '\0')
    return ref_error (err, "repository name must have at least one component");
  ret = split_name (name, ref, err);
  if (ret < 0)
    return ret;
  if (ref->tag == NULL && ref->digest == NULL)
    ref->tag = xstrdup ("latest");
  return 0;
}

int
sv_ref_parse (const char *s, struct sv_ref **out, struct sv_err **err)
{
  _cleanup_ref_ struct sv_ref *ref = xmalloc0 (sizeof *ref);
  int ret = parse_into (s, ref, err);
  if (ret < 0)
    return ret;
  *out = steal_pointer (&ref);
  return 0;
}

static char *
with_suffix (const char *name, const struct sv_ref *ref)
{
  return xasprintf ("%s%s%s%s%s", name, ref->tag ? ":" : "", ref->tag ? ref->tag : "",
                    ref->digest ? "@" : "", ref->digest ? ref->digest : "");
}

char *
sv_ref_name (const struct sv_ref *ref)
{
  return xasprintf ("%s/%s", ref->domain, ref->path);
}

char *
sv_ref_string (const struct sv_ref *ref)
{
  _cleanup_free_ char *name = sv_ref_name (ref);
  return with_suffix (name, ref);
}

char *
sv_ref_familiar (const struct sv_ref *ref)
{
  if (strcmp (ref->domain, DEFAULT_DOMAIN) != 0)
    return sv_ref_string (ref);
  const char *path = ref->path;
  size_t plen = strlen (OFFICIAL_PREFIX);
  if (strncmp (path, OFFICIAL_PREFIX, plen) == 0 && strchr (path + plen, '/') == NULL)
    path += plen;
  return with_suffix (path, ref);
}

const char *
sv_ref_registry_host (const struct sv_ref *ref)
{
  if (strcmp (ref->domain, DEFAULT_DOMAIN) == 0)
    return DEFAULT_REGISTRY;
  return ref->domain;
}

void
sv_ref_free (struct sv_ref *ref)
{
  if (ref == NULL)
    return;
  free (ref->domain);
  free (ref->path);
  free (ref->tag);
  free (ref->digest);
  free (ref);
}

/* -e / --env-file and -l / --label-file as the docker CLI reads them. */
#include "engine/parse-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

int
sv_parse_env (const char *s, char ***env, struct sv_err **err)
{
  size_t klen = strcspn (s, "=");
  if (klen == 0)
    return sv_err_make (err, EINVAL, "invalid environment variable: %s", s);
  if (s[klen] == '=')
    {
      sv_strv_env_set (env, s);
      return 0;
    }
  const char *v = getenv (s);
  if (v)
    {
      _cleanup_free_ char *entry = xasprintf ("%s=%s", s, v);
      sv_strv_env_set (env, entry);
    }
  return 0;
}

int
sv_parse_label (const char *s, char ***labels, struct sv_err **err)
{
  size_t klen = strcspn (s, "=");
  size_t start = strspn (s, " \t\n\v\f\r"), end = klen;
  while (end > start && strchr (" \t\n\v\f\r", s[end - 1]))
    end--;
  if (end == start)
    return sv_err_make (err, EINVAL, "invalid label '%s': empty name", s);
  if (strcspn (s + start, " \t") < end - start)
    return sv_err_make (err, EINVAL, "label '%.*s' contains whitespaces", (int)(end - start),
                        s + start);
  _cleanup_free_ char *entry = s[klen] == '=' ? xstrdup (s) : xasprintf ("%s=", s);
  sv_strv_env_set (labels, entry);
  return 0;
}

static bool
utf8_valid (const char *s, size_t len)
{
  locale_t utf8 = newlocale (LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
  if (utf8 == (locale_t)0)
    return true;
  locale_t old = uselocale (utf8);
  mbstate_t st = { 0 };
  bool ok = true;
  for (size_t i = 0; i < len && ok;)
    {
      size_t n = mbrtowc (NULL, s + i, len - i, &st);
      ok = n != (size_t)-1 && n != (size_t)-2;
      i += n == 0 ? 1 : n;
    }
  uselocale (old);
  freelocale (utf8);
  return ok;
}

/* One line of a key=value file (parseKeyValueFile); LOOKUP takes a bare
 * key from the environment, otherwise it is skipped. */
static int
file_line (const char *path, size_t lineno, char *line, bool lookup, char ***out,
           struct sv_err **err)
{
  size_t len = strlen (line);
  if (len && line[len - 1] == '\r')
    line[--len] = '\0';
  if (!utf8_valid (line, len))
    return sv_err_make (err, EINVAL, "env file %s contains invalid utf8 bytes at line %zu", path,
                        lineno);
  line += strspn (line, " \t\n\v\f\r");
  if (*line == '\0' || *line == '#')
    return 0;
  size_t klen = strcspn (line, "=");
  if (strcspn (line, " \t") < klen)
    return sv_err_make (err, EINVAL,
                        "poorly formatted environment: variable '%.*s' contains whitespaces",
                        (int)klen, line);
  if (klen == 0)
    return sv_err_make (err, EINVAL, "poorly formatted environment: no variable name on line '%s'",
                        line);
  if (line[klen] == '=')
    sv_strv_env_set (out, line);
  else if (lookup && getenv (line))
    {
      _cleanup_free_ char *entry = xasprintf ("%s=%s", line, getenv (line));
      sv_strv_env_set (out, entry);
    }
  return 0;
}

static int
parse_kv_file (const char *path, bool lookup, char ***out, struct sv_err **err)
{
  _cleanup_free_ char *data = NULL;
  size_t len;
  if (sv_read_file_at (AT_FDCWD, path, &data, &len, err) < 0)
    return -1;
  if (memchr (data, '\0', len))
    return sv_err_make (err, EINVAL, "env file %s contains invalid utf8 bytes", path);
  _cleanup_strv_ char **v = sv_strv_dup (*out);
  char *p = data;
  if (strncmp (p, "\xef\xbb\xbf", 3) == 0)
    p += 3;
  for (size_t lineno = 1; p && *p; lineno++)
    {
      char *nl = strchr (p, '\n');
      if (nl)
        *nl = '\0';
      if (file_line (path, lineno, p, lookup, &v, err) < 0)
        return -1;
      p = nl ? nl + 1 : NULL;
    }
  sv_strv_free (*out);
  *out = steal_pointer (&v);
  return 0;
}

int
sv_parse_env_file (const char *path, char ***env, struct sv_err **err)
{
  return parse_kv_file (path, true, env, err);
}

int
sv_parse_label_file (const char *path, char ***labels, struct sv_err **err)
{
  return parse_kv_file (path, false, labels, err);
}

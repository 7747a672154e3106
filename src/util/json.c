#include "json.h"
#include "cleanup.h"
#include "fs.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>

static int
lookup (json_t *obj, const char *key, json_t **out)
{
  json_t *v = obj ? json_object_get (obj, key) : NULL;
  if (v == NULL || json_is_null (v))
    return 0;
  *out = v;
  return 1;
}

static int
type_error (const char *path, const char *key, const char *what, struct sv_err **err)
{
  if (path && *path)
    return sv_err_make (err, EINVAL, "%s.%s: expected %s", path, key, what);
  return sv_err_make (err, EINVAL, "%s: expected %s", key, what);
}

int
sv_json_unsupported (const char *path, const char *key, struct sv_err **err)
{
  if (path && *path)
    return sv_err_make (err, ENOTSUP, "%s.%s: not supported by servin", path, key);
  return sv_err_make (err, ENOTSUP, "%s: not supported by servin", key);
}

int
sv_json_get_string (json_t *obj, const char *path, const char *key, const char **out,
                    struct sv_err **err)
{
  json_t *v;
  if (lookup (obj, key, &v) == 0)
    return 0;
  if (!json_is_string (v))
    return type_error (path, key, "a string", err);
  *out = json_string_value (v);
  return 1;
}

int
sv_json_dup_string (json_t *obj, const char *path, const char *key, char **out, struct sv_err **err)
{
  const char *s = NULL;
  int ret = sv_json_get_string (obj, path, key, &s, err);
  if (ret > 0)
    *out = xstrdup (s);
  return ret;
}

int
sv_json_get_bool (json_t *obj, const char *path, const char *key, bool *out, struct sv_err **err)
{
  json_t *v;
  if (lookup (obj, key, &v) == 0)
    return 0;
  if (!json_is_boolean (v))
    return type_error (path, key, "a boolean", err);
  *out = json_is_true (v);
  return 1;
}

int
sv_json_get_int64 (json_t *obj, const char *path, const char *key, int64_t *out,
                   struct sv_err **err)
{
  json_t *v;
  if (lookup (obj, key, &v) == 0)
    return 0;
  if (!json_is_integer (v))
    return type_error (path, key, "an integer", err);
  *out = json_integer_value (v);
  return 1;
}

int
sv_json_get_uint64 (json_t *obj, const char *path, const char *key, uint64_t max, uint64_t *out,
                    struct sv_err **err)
{
  json_t *v;
  if (lookup (obj, key, &v) == 0)
    return 0;
  /* jansson stores integers as json_int_t (long long); values above
   * INT64_MAX arrive as reals, which we accept only when integral. */
  if (json_is_real (v))
    {
      double d = json_real_value (v);
      if (d >= 0 && d <= (double)UINT64_MAX && d == (double)(uint64_t)d && (uint64_t)d <= max)
        {
          *out = (uint64_t)d;
          return 1;
        }
      return type_error (path, key, "a non-negative integer", err);
    }
  if (!json_is_integer (v) || json_integer_value (v) < 0)
    return type_error (path, key, "a non-negative integer", err);
  if ((uint64_t)json_integer_value (v) > max)
    {
      if (path && *path)
        return sv_err_make (err, ERANGE, "%s.%s: %" PRIu64 " is out of range (max %" PRIu64 ")",
                            path, key, (uint64_t)json_integer_value (v), max);
      return sv_err_make (err, ERANGE, "%s: out of range", key);
    }
  *out = (uint64_t)json_integer_value (v);
  return 1;
}

int
sv_json_get_object (json_t *obj, const char *path, const char *key, json_t **out,
                    struct sv_err **err)
{
  json_t *v;
  if (lookup (obj, key, &v) == 0)
    return 0;
  if (!json_is_object (v))
    return type_error (path, key, "an object", err);
  *out = v;
  return 1;
}

int
sv_json_get_array (json_t *obj, const char *path, const char *key, json_t **out,
                   struct sv_err **err)
{
  json_t *v;
  if (lookup (obj, key, &v) == 0)
    return 0;
  if (!json_is_array (v))
    return type_error (path, key, "an array", err);
  *out = v;
  return 1;
}

int
sv_json_get_strv (json_t *obj, const char *path, const char *key, char ***out, struct sv_err **err)
{
  json_t *arr;
  int ret = sv_json_get_array (obj, path, key, &arr, err);
  if (ret <= 0)
    return ret;
  size_t n = json_array_size (arr);
  _cleanup_strv_ char **v = xmalloc0 ((n + 1) * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    {
      json_t *s = json_array_get (arr, i);
      if (!json_is_string (s))
        return sv_err_make (err, EINVAL, "%s%s%s[%zu]: expected a string", path ? path : "",
                            path && *path ? "." : "", key, i);
      v[i] = xstrdup (json_string_value (s));
    }
  *out = steal_pointer (&v);
  return 1;
}

int
sv_json_get_kv_strv (json_t *obj, const char *path, const char *key, char ***out,
                     struct sv_err **err)
{
  json_t *o;
  int ret = sv_json_get_object (obj, path, key, &o, err);
  if (ret <= 0)
    return ret;
  size_t n = json_object_size (o), i = 0;
  _cleanup_strv_ char **v = xmalloc0 ((n + 1) * sizeof (char *));
  const char *k;
  json_t *val;
  json_object_foreach (o, k, val)
  {
    if (!json_is_string (val))
      return sv_err_make (err, EINVAL, "%s%s%s.%s: expected a string", path ? path : "",
                          path && *path ? "." : "", key, k);
    v[i++] = xasprintf ("%s=%s", k, json_string_value (val));
  }
  *out = steal_pointer (&v);
  return 1;
}

int
sv_json_load_buffer (const char *buf, size_t len, const char *name, json_t **out,
                     struct sv_err **err)
{
  json_error_t jerr;
  json_t *j = json_loadb (buf, len, JSON_REJECT_DUPLICATES, &jerr);
  if (j == NULL)
    return sv_err_make (err, EINVAL, "%s: invalid JSON at line %d, column %d: %s", name, jerr.line,
                        jerr.column, jerr.text);
  if (!json_is_object (j))
    {
      json_decref (j);
      return sv_err_make (err, EINVAL, "%s: expected a JSON object", name);
    }
  *out = j;
  return 0;
}

int
sv_json_load_file_at (int dirfd, const char *path, json_t **out, struct sv_err **err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  int ret = sv_read_file_at (dirfd, path, &buf, &len, err);
  if (ret < 0)
    return ret;
  return sv_json_load_buffer (buf, len, path, out, err);
}

json_t *
sv_json_strv (const char *const *v)
{
  json_t *a = json_array ();
  for (; v && *v; v++)
    json_array_append_new (a, json_string (*v));
  return a;
}

/* A small subset of Go's text/template, enough for `--format` as scripts
 * use it with docker: literal text, {{.}}, {{.Field.Sub}}, {{json .X}},
 * {{lower .X}} / {{upper .X}}.  Anything else is an error, never a guess. */
#include "cli/servin.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Follow ".A.B" from DATA; NULL when a field is missing. */
static json_t *
walk (json_t *data, const char *path, size_t len)
{
  if (len == 0 || path[0] != '.')
    return NULL;
  if (len == 1)
    return data;
  json_t *cur = data;
  size_t i = 1;
  while (i < len && cur)
    {
      size_t j = i;
      while (j < len && path[j] != '.')
        j++;
      _cleanup_free_ char *key = xstrndup (path + i, j - i);
      cur = json_is_object (cur) ? json_object_get (cur, key) : NULL;
      i = j + 1;
    }
  return cur;
}

/* Print V as Go's template prints a value. */
static void
print_value (FILE *f, json_t *v)
{
  if (v == NULL || json_is_null (v))
    fputs ("<no value>", f);
  else if (json_is_string (v))
    fputs (json_string_value (v), f);
  else if (json_is_integer (v))
    fprintf (f, "%lld", (long long)json_integer_value (v));
  else if (json_is_boolean (v))
    fputs (json_is_true (v) ? "true" : "false", f);
  else
    json_dumpf (v, f, JSON_COMPACT | JSON_ENCODE_ANY);
}

static int
action (FILE *f, json_t *data, const char *a, size_t len, struct sv_err **err)
{
  while (len && isspace ((unsigned char)*a))
    a++, len--;
  while (len && isspace ((unsigned char)a[len - 1]))
    len--;
  const char *fn = NULL;
  size_t fnlen = 0;
  if (len && a[0] != '.')
    {
      fn = a;
      while (fnlen < len && !isspace ((unsigned char)a[fnlen]))
        fnlen++;
      a += fnlen;
      len -= fnlen;
      while (len && isspace ((unsigned char)*a))
        a++, len--;
    }
  if (len == 0 || a[0] != '.')
    return sv_err_make_plain (err, EINVAL, "--format: unsupported template action `%.*s`",
                              (int)(fnlen + len), fn ? fn : a);
  json_t *v = walk (data, a, len);
  if (fn == NULL)
    print_value (f, v);
  else if (fnlen == 4 && strncmp (fn, "json", 4) == 0)
    json_dumpf (v ? v : json_null (), f, JSON_COMPACT | JSON_ENCODE_ANY);
  else if ((fnlen == 5 && strncmp (fn, "lower", 5) == 0)
           || (fnlen == 5 && strncmp (fn, "upper", 5) == 0))
    {
      const char *s = json_is_string (v) ? json_string_value (v) : "";
      for (; *s; s++)
        fputc (fn[0] == 'l' ? tolower ((unsigned char)*s) : toupper ((unsigned char)*s), f);
    }
  else
    return sv_err_make_plain (err, EINVAL, "--format: unsupported template function `%.*s`",
                              (int)fnlen, fn);
  return 0;
}

int
cli_template_print (const char *tmpl, json_t *data, struct sv_err **err)
{
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream (&buf, &size);
  const char *p = tmpl;
  int r = 0;
  while (*p && r == 0)
    {
      const char *open = strstr (p, "{{");
      if (open == NULL)
        {
          fputs (p, f);
          break;
        }
      fwrite (p, 1, (size_t)(open - p), f);
      const char *close = strstr (open + 2, "}}");
      if (close == NULL)
        {
          r = sv_err_make_plain (err, EINVAL, "--format: unclosed action in `%s`", tmpl);
          break;
        }
      r = action (f, data, open + 2, (size_t)(close - open - 2), err);
      p = close + 2;
    }
  fclose (f);
  if (r == 0)
    puts (buf);
  free (buf);
  return r;
}

/* `--change` instructions of `servin import`: a small Dockerfile subset
 * applied to the "config" object of an image config (see archive.h). */
#include "image/archive.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* Split "NAME rest" at the first run of blanks; REST is trimmed. */
static void
split_instruction (const char *change, char **name, char **rest)
{
  while (isspace ((unsigned char)*change))
    change++;
  size_t n = strcspn (change, " \t\r\n");
  *name = xstrndup (change, n);
  const char *r = change + n;
  while (isspace ((unsigned char)*r))
    r++;
  size_t len = strlen (r);
  while (len > 0 && isspace ((unsigned char)r[len - 1]))
    len--;
  *rest = xstrndup (r, len);
}

/* Dockerfile word splitting: blanks separate words; "..." (with \" and \\
 * escapes) and '...' quote; a backslash outside quotes escapes the next
 * character.  *OUT is a NULL-terminated vector (NULL when S has no word). */
static int
split_words (const char *s, char ***out, struct sv_err **err)
{
  _cleanup_strv_ char **words = NULL;
  size_t len = strlen (s);
  _cleanup_free_ char *w = xmalloc (len + 1);
  while (*s)
    {
      while (isspace ((unsigned char)*s))
        s++;
      if (*s == '\0')
        break;
      size_t n = 0;
      char quote = 0;
      for (; *s && (quote || !isspace ((unsigned char)*s)); s++)
        {
          if (quote == 0 && (*s == '"' || *s == '\''))
            quote = *s;
          else if (quote && *s == quote)
            quote = 0;
          else if (*s == '\\' && quote != '\'' && s[1] != '\0')
            w[n++] = *++s;
          else
            w[n++] = *s;
        }
      if (quote)
        return sv_err_make (err, EINVAL, "unterminated %c quote", quote);
      w[n] = '\0';
      sv_strv_append (&words, w);
    }
  *out = steal_pointer (&words);
  return 0;
}

/* A JSON array of strings, or NULL when S is not one (shell form). */
static json_t *
json_form (const char *s)
{
  if (*s != '[')
    return NULL;
  json_t *j = json_loads (s, 0, NULL);
  if (j == NULL)
    return NULL;
  size_t i;
  json_t *v;
  bool ok = json_is_array (j);
  json_array_foreach (j, i, v)
  {
    if (!json_is_string (v))
      ok = false;
  }
  if (!ok)
    json_decref (j);
  return ok ? j : NULL;
}

static int
need_argument (const char *rest, struct sv_err **err)
{
  if (*rest == '\0')
    return sv_err_make (err, EINVAL, "missing argument");
  return 0;
}

/* CMD and ENTRYPOINT: exec form, or shell form through /bin/sh -c. */
static int
set_command (json_t *config, const char *key, const char *rest, struct sv_err **err)
{
  if (need_argument (rest, err) < 0)
    return -1;
  json_t *v = json_form (rest);
  if (v == NULL)
    v = json_pack ("[sss]", "/bin/sh", "-c", rest);
  json_object_set_new (config, key, v);
  return 0;
}

static int
change_cmd (json_t *config, const char *rest, struct sv_err **err)
{
  return set_command (config, "Cmd", rest, err);
}

static int
change_entrypoint (json_t *config, const char *rest, struct sv_err **err)
{
  return set_command (config, "Entrypoint", rest, err);
}

/* "k=v k2=v2" (quotes allowed), or the legacy "k value with spaces".  Calls
 * SET for each pair. */
static int
each_pair (json_t *config, const char *rest, void (*set) (json_t *, const char *, const char *),
           struct sv_err **err)
{
  _cleanup_strv_ char **words = NULL;
  if (need_argument (rest, err) < 0 || split_words (rest, &words, err) < 0)
    return -1;
  if (strchr (words[0], '=') == NULL)
    {
      size_t n = strcspn (rest, " \t");
      _cleanup_free_ char *key = xstrndup (rest, n);
      const char *value = rest + n + strspn (rest + n, " \t");
      if (*value == '\0')
        return sv_err_make (err, EINVAL, "expected NAME=VALUE or NAME VALUE, got `%s`", rest);
      set (config, key, value);
      return 0;
    }
  for (char **w = words; *w; w++)
    {
      char *eq = strchr (*w, '=');
      if (eq == NULL || eq == *w)
        return sv_err_make (err, EINVAL, "expected NAME=VALUE, got `%s`", *w);
    }
  for (char **w = words; *w; w++)
    {
      char *eq = strchr (*w, '=');
      *eq = '\0';
      set (config, *w, eq + 1);
    }
  return 0;
}

static void
set_env (json_t *config, const char *key, const char *value)
{
  json_t *env = json_object_get (config, "Env");
  if (!json_is_array (env))
    {
      env = json_array ();
      json_object_set_new (config, "Env", env);
    }
  _cleanup_free_ char *entry = xasprintf ("%s=%s", key, value);
  size_t klen = strlen (key), i;
  json_t *v;
  json_array_foreach (env, i, v)
  {
    const char *s = json_string_value (v);
    if (s && strncmp (s, key, klen) == 0 && s[klen] == '=')
      {
        json_array_set_new (env, i, json_string (entry));
        return;
      }
  }
  json_array_append_new (env, json_string (entry));
}

/* Add KEY to the object member NAME (created when missing) with VALUE. */
static void
object_member_set (json_t *config, const char *name, const char *key, json_t *value)
{
  json_t *o = json_object_get (config, name);
  if (!json_is_object (o))
    {
      o = json_object ();
      json_object_set_new (config, name, o);
    }
  json_object_set_new (o, key, value);
}

static void
set_label (json_t *config, const char *key, const char *value)
{
  object_member_set (config, "Labels", key, json_string (value));
}

static int
change_env (json_t *config, const char *rest, struct sv_err **err)
{
  return each_pair (config, rest, set_env, err);
}

static int
change_label (json_t *config, const char *rest, struct sv_err **err)
{
  return each_pair (config, rest, set_label, err);
}

/* "80", "80/tcp", "53/UDP", "8000-8010"; *OUT is "PORT[-PORT]/proto". */
static int
normalize_port (const char *word, char **out, struct sv_err **err)
{
  const char *slash = strchr (word, '/');
  size_t n = slash ? (size_t)(slash - word) : strlen (word);
  size_t digits = strspn (word, "0123456789");
  bool ok = digits > 0 && digits <= 5;
  if (ok && digits < n)
    ok = word[digits] == '-' && strspn (word + digits + 1, "0123456789") == n - digits - 1
         && n - digits - 1 > 0 && n - digits - 1 <= 5;
  _cleanup_free_ char *proto = xstrdup (slash ? slash + 1 : "tcp");
  for (char *p = proto; *p; p++)
    *p = (char)tolower ((unsigned char)*p);
  if (strcmp (proto, "tcp") != 0 && strcmp (proto, "udp") != 0 && strcmp (proto, "sctp") != 0)
    ok = false;
  if (!ok)
    return sv_err_make (err, EINVAL, "invalid port `%s` (expected PORT[/tcp|udp|sctp])", word);
  *out = xasprintf ("%.*s/%s", (int)n, word, proto);
  return 0;
}

static int
change_expose (json_t *config, const char *rest, struct sv_err **err)
{
  _cleanup_strv_ char **words = NULL;
  if (need_argument (rest, err) < 0 || split_words (rest, &words, err) < 0)
    return -1;
  for (char **w = words; *w; w++)
    {
      _cleanup_free_ char *port = NULL;
      if (normalize_port (*w, &port, err) < 0)
        return -1;
      object_member_set (config, "ExposedPorts", port, json_object ());
    }
  return 0;
}

static int
change_volume (json_t *config, const char *rest, struct sv_err **err)
{
  if (need_argument (rest, err) < 0)
    return -1;
  _cleanup_json_ json_t *array = json_form (rest);
  _cleanup_strv_ char **words = NULL;
  if (array == NULL && split_words (rest, &words, err) < 0)
    return -1;
  size_t n = array ? json_array_size (array) : sv_strv_length (words);
  for (size_t i = 0; i < n; i++)
    {
      const char *path = array ? json_string_value (json_array_get (array, i)) : words[i];
      if (*path == '\0')
        return sv_err_make (err, EINVAL, "empty volume path");
      object_member_set (config, "Volumes", path, json_object ());
    }
  return 0;
}

static int
change_workdir (json_t *config, const char *rest, struct sv_err **err)
{
  if (need_argument (rest, err) < 0)
    return -1;
  const char *cur = json_string_value (json_object_get (config, "WorkingDir"));
  _cleanup_free_ char *dir = NULL;
  if (rest[0] == '/')
    dir = xstrdup (rest);
  else if (cur && *cur)
    dir = xasprintf ("%s%s%s", cur, cur[strlen (cur) - 1] == '/' ? "" : "/", rest);
  else
    dir = xasprintf ("/%s", rest);
  json_object_set_new (config, "WorkingDir", json_string (dir));
  return 0;
}

static int
change_user (json_t *config, const char *rest, struct sv_err **err)
{
  if (need_argument (rest, err) < 0)
    return -1;
  json_object_set_new (config, "User", json_string (rest));
  return 0;
}

static int
change_stopsignal (json_t *config, const char *rest, struct sv_err **err)
{
  if (need_argument (rest, err) < 0)
    return -1;
  if (strpbrk (rest, " \t") != NULL)
    return sv_err_make (err, EINVAL, "expected one signal, got `%s`", rest);
  json_object_set_new (config, "StopSignal", json_string (rest));
  return 0;
}

static const struct
{
  const char *name;
  int (*apply) (json_t *config, const char *rest, struct sv_err **err);
} instructions[] = {
  { "CMD", change_cmd },         { "ENTRYPOINT", change_entrypoint },
  { "ENV", change_env },         { "EXPOSE", change_expose },
  { "LABEL", change_label },     { "STOPSIGNAL", change_stopsignal },
  { "USER", change_user },       { "VOLUME", change_volume },
  { "WORKDIR", change_workdir },
};

int
sv_import_apply_change (json_t *config, const char *change, struct sv_err **err)
{
  _cleanup_free_ char *name = NULL;
  _cleanup_free_ char *rest = NULL;
  split_instruction (change, &name, &rest);
  for (size_t i = 0; i < sizeof instructions / sizeof instructions[0]; i++)
    {
      if (strcasecmp (name, instructions[i].name) != 0)
        continue;
      _cleanup_json_ json_t *copy = json_deep_copy (config);
      if (instructions[i].apply (copy, rest, err) < 0)
        return sv_err_wrap (err, "--change `%s`", change);
      json_object_clear (config);
      json_object_update (config, copy);
      return 0;
    }
  return sv_err_make (err, EINVAL,
                      "--change `%s`: unsupported instruction `%s` (supported: CMD, ENTRYPOINT, "
                      "ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)",
                      change, name);
}

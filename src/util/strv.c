#include "strv.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

size_t
sv_strv_length (char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

void
sv_strv_append (char ***v, const char *s)
{
  size_t n = sv_strv_length (*v);
  *v = xreallocarray (*v, n + 2, sizeof (char *));
  (*v)[n] = xstrdup (s);
  (*v)[n + 1] = NULL;
}

char **
sv_strv_dup (char *const *v)
{
  size_t n = sv_strv_length (v);
  char **r = xmalloc0 ((n + 1) * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    r[i] = xstrdup (v[i]);
  return r;
}

static size_t
name_len (const char *entry)
{
  const char *eq = strchr (entry, '=');
  return eq ? (size_t)(eq - entry) : strlen (entry);
}

const char *
sv_strv_env_get (char *const *env, const char *name)
{
  size_t len = strlen (name);
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp (env[i], name, len) == 0 && env[i][len] == '=')
      return env[i] + len + 1;
  return NULL;
}

void
sv_strv_env_set (char ***env, const char *entry)
{
  size_t len = name_len (entry);
  for (size_t i = 0; *env && (*env)[i]; i++)
    if (name_len ((*env)[i]) == len && strncmp ((*env)[i], entry, len) == 0)
      {
        free ((*env)[i]);
        (*env)[i] = xstrdup (entry);
        return;
      }
  sv_strv_append (env, entry);
}

bool
sv_strv_contains (char *const *v, const char *s)
{
  for (; v && *v; v++)
    if (strcmp (*v, s) == 0)
      return true;
  return false;
}

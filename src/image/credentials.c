/* docker's config.json "auths": reading, writing, removing entries. */
#include "image/credentials.h"
#include "image/registry.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int
sv_credentials_path (char **out, struct sv_err **err)
{
  const char *dir = getenv ("DOCKER_CONFIG");
  if (dir && *dir)
    {
      *out = xasprintf ("%s/config.json", dir);
      return 0;
    }
  const char *home = getenv ("HOME");
  if (home == NULL || *home == '\0')
    return sv_err_make (err, EINVAL,
                        "cannot find the docker config: neither DOCKER_CONFIG "
                        "nor HOME is set");
  *out = xasprintf ("%s/.docker/config.json", home);
  return 0;
}

static bool
is_docker_hub (const char *host)
{
  static const char *const names[]
      = { "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com" };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp (host, names[i]) == 0)
      return true;
  return false;
}

char *
sv_credentials_key (const char *server)
{
  if (server == NULL || *server == '\0')
    return xstrdup (SV_DOCKER_HUB_AUTH_KEY);
  const char *s = server;
  if (strncmp (s, "https://", 8) == 0)
    s += 8;
  else if (strncmp (s, "http://", 7) == 0)
    s += 7;
  _cleanup_free_ char *host = xstrndup (s, strcspn (s, "/"));
  if (is_docker_hub (host))
    return xstrdup (SV_DOCKER_HUB_AUTH_KEY);
  return steal_pointer (&host);
}

/* The config document, or a new empty object when the file is missing. */
static int
load_config (const char *path, json_t **out, struct sv_err **err)
{
  _cleanup_err_ struct sv_err *e = NULL;
  if (sv_json_load_file_at (AT_FDCWD, path, out, &e) == 0)
    return 0;
  if (e->code != ENOENT)
    {
      *err = steal_pointer (&e);
      return -1;
    }
  *out = json_object ();
  return 0;
}

/* The entry of KEY in the auths object, trying the spellings docker has
 * written over the years ("host", "https://host", "http://host/v1/"). */
static json_t *
find_entry (json_t *auths, const char *key)
{
  json_t *e = json_object_get (auths, key);
  if (e || strchr (key, '/'))
    return e;
  const char *k;
  json_t *v;
  json_object_foreach (auths, k, v)
  {
    _cleanup_free_ char *norm = sv_credentials_key (k);
    if (strcmp (norm, key) == 0)
      return v;
  }
  return NULL;
}

int
sv_credentials_get (const char *server, char **username, char **password, struct sv_err **err)
{
  _cleanup_free_ char *path = NULL;
  _cleanup_json_ json_t *j = NULL;
  if (sv_credentials_path (&path, err) < 0 || load_config (path, &j, err) < 0)
    return -1;
  _cleanup_free_ char *key = sv_credentials_key (server);
  json_t *entry = find_entry (json_object_get (j, "auths"), key);
  const char *auth = json_string_value (json_object_get (entry, "auth"));
  if (auth == NULL || *auth == '\0')
    return 0;
  if (sv_auth_basic_decode (auth, username, password, err) < 0)
    return sv_err_wrap (err, "%s: auths.%s", path, key);
  return 1;
}

static int
save_config (const char *path, json_t *j, struct sv_err **err)
{
  _cleanup_free_ char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');
  if (slash && slash != dir)
    {
      *slash = '\0';
      if (sv_mkdir_p_at (AT_FDCWD, dir, 0700, err) < 0)
        return -1;
    }
  _cleanup_free_ char *text = json_dumps (j, JSON_INDENT (1) | JSON_PRESERVE_ORDER);
  if (text == NULL)
    return sv_err_make (err, ENOMEM, "serialise %s", path);
  _cleanup_free_ char *data = xasprintf ("%s\n", text);
  return sv_write_file_atomic_at (AT_FDCWD, path, data, strlen (data), 0600, err);
}

/* The auths object of J, made when missing. */
static json_t *
auths_of (json_t *j)
{
  json_t *auths = json_object_get (j, "auths");
  if (!json_is_object (auths))
    {
      auths = json_object ();
      json_object_set_new (j, "auths", auths);
    }
  return auths;
}

int
sv_credentials_set (const char *server, const char *username, const char *password,
                    struct sv_err **err)
{
  _cleanup_free_ char *path = NULL;
  _cleanup_json_ json_t *j = NULL;
  if (sv_credentials_path (&path, err) < 0 || load_config (path, &j, err) < 0)
    return -1;
  _cleanup_free_ char *key = sv_credentials_key (server);
  _cleanup_free_ char *auth = sv_auth_basic_encode (username, password);
  json_t *auths = auths_of (j);
  json_t *entry = json_object_get (auths, key);
  if (!json_is_object (entry))
    {
      entry = json_object ();
      json_object_set_new (auths, key, entry);
    }
  json_object_set_new (entry, "auth", json_string (auth));
  int ret = save_config (path, j, err);
  explicit_bzero (auth, strlen (auth));
  return ret;
}

int
sv_credentials_remove (const char *server, struct sv_err **err)
{
  _cleanup_free_ char *path = NULL;
  _cleanup_json_ json_t *j = NULL;
  if (sv_credentials_path (&path, err) < 0 || load_config (path, &j, err) < 0)
    return -1;
  _cleanup_free_ char *key = sv_credentials_key (server);
  json_t *auths = json_object_get (j, "auths");
  int removed = 0;
  const char *k;
  void *tmp;
  json_t *v;
  json_object_foreach_safe (auths, tmp, k, v)
  {
    _cleanup_free_ char *norm = sv_credentials_key (k);
    if (strcmp (k, key) == 0 || strcmp (norm, key) == 0)
      {
        json_object_del (auths, k);
        removed = 1;
      }
  }
  if (removed && save_config (path, j, err) < 0)
    return -1;
  return removed;
}

/* Helpers every servin command uses: the store, operands, output. */
#include "cli/servin.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
cli_store (struct sv_cli *cli, struct sv_store **out, struct sv_err **err)
{
  if (cli->store == NULL && sv_store_open (cli->root, &cli->store, err) < 0)
    return -1;
  *out = cli->store;
  return 0;
}

/* The config file: $SERVIN_CONFIG, else /etc/servin/config.json.  Only
 * "insecure-registries" (docker's daemon.json key) is read for now. */
static void
load_config_registries (struct sv_cli *cli)
{
  static bool loaded;
  if (loaded)
    return;
  loaded = true;
  const char *path = getenv ("SERVIN_CONFIG");
  if (path == NULL || *path == '\0')
    path = "/etc/servin/config.json";
  _cleanup_json_ json_t *j = NULL;
  struct sv_err *err = NULL;
  if (sv_json_load_file_at (AT_FDCWD, path, &j, &err) < 0)
    {
      if (err && err->code != ENOENT)
        fprintf (stderr, "servin: warning: %s\n", err->msg);
      sv_err_free (&err);
      return;
    }
  json_t *regs = json_object_get (j, "insecure-registries");
  size_t i;
  json_t *v;
  json_array_foreach (regs, i, v)
  {
    if (json_is_string (v))
      sv_strv_append (&cli->insecure_registries, json_string_value (v));
  }
}

bool
cli_registry_insecure (struct sv_cli *cli, const char *host)
{
  /* Loopback registries speak plain HTTP, as docker assumes. */
  static const char *const loopback[] = { "localhost", "127.0.0.1", "[::1]" };
  for (size_t i = 0; i < sizeof loopback / sizeof loopback[0]; i++)
    {
      size_t n = strlen (loopback[i]);
      if (strncmp (host, loopback[i], n) == 0 && (host[n] == '\0' || host[n] == ':'))
        return true;
    }
  load_config_registries (cli);
  for (char **r = cli->insecure_registries; r && *r; r++)
    if (strcmp (*r, host) == 0)
      return true;
  return false;
}

int
cli_operands (int argc, int first, int min, int max, const char *cmd, const char *usage,
              struct sv_err **err)
{
  int have = argc - first;
  if (have < min)
    return sv_err_make_plain (err, EINVAL, "%s: missing argument (usage: servin %s %s)", cmd, cmd,
                              usage);
  if (max >= 0 && have > max)
    return sv_err_make_plain (err, EINVAL, "%s: too many arguments (usage: servin %s %s)", cmd, cmd,
                              usage);
  return 0;
}

void
cli_print_json (json_t *j, bool pretty)
{
  char *s = json_dumps (j, (pretty ? JSON_INDENT (4) : JSON_COMPACT) | JSON_ENCODE_ANY);
  if (s)
    puts (s);
  free (s);
}

char *
cli_human_since (int64_t when)
{
  int64_t d = (int64_t)time (NULL) - when;
  if (d < 1)
    return xstrdup ("Less than a second ago");
  static const struct
  {
    int64_t secs;
    const char *unit;
  } units[] = {
    { 365 * 86400, "year" }, { 30 * 86400, "month" }, { 7 * 86400, "week" }, { 86400, "day" },
    { 3600, "hour" },        { 60, "minute" },        { 1, "second" },
  };
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (d >= units[i].secs)
      {
        int64_t n = d / units[i].secs;
        return xasprintf ("%" PRId64 " %s%s ago", n, units[i].unit, n == 1 ? "" : "s");
      }
  return xstrdup ("Less than a second ago");
}

char *
cli_human_size (int64_t bytes)
{
  static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
  double v = (double)bytes;
  size_t u = 0;
  while (v >= 1000 && u < 4)
    {
      v /= 1000;
      u++;
    }
  if (u == 0)
    return xasprintf ("%" PRId64 "B", bytes);
  return xasprintf ("%.3g%s", v, units[u]);
}

int64_t
cli_parse_rfc3339 (const char *s)
{
  if (s == NULL)
    return -1;
  struct tm tm = { 0 };
  const char *rest = strptime (s, "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == NULL)
    return -1;
  int64_t t = (int64_t)timegm (&tm);
  if (*rest == '.')
    for (rest++; *rest >= '0' && *rest <= '9'; rest++)
      ;
  if (*rest == '+' || *rest == '-')
    {
      int hh = 0, mm = 0;
      if (sscanf (rest + 1, "%2d:%2d", &hh, &mm) >= 1)
        t += (*rest == '+' ? -1 : 1) * (int64_t)(hh * 3600 + mm * 60);
    }
  return t;
}

int
cli_split_name (const char *name, char **repo, char **tag, char **digest)
{
  *tag = *digest = NULL;
  _cleanup_ref_ struct sv_ref *ref = NULL;
  if (sv_ref_parse (name, &ref, NULL) < 0)
    {
      *repo = xstrdup (name);
      return -1;
    }
  *tag = strstr (name, "@") || ref->tag == NULL ? NULL : xstrdup (ref->tag);
  *digest = ref->digest ? xstrdup (ref->digest) : NULL;
  free (ref->tag);
  free (ref->digest);
  ref->tag = ref->digest = NULL;
  *repo = sv_ref_familiar (ref);
  return 0;
}

char *
cli_familiar (const char *name)
{
  _cleanup_ref_ struct sv_ref *ref = NULL;
  if (sv_ref_parse (name, &ref, NULL) < 0)
    return xstrdup (name);
  if (strchr (name, '@'))
    {
      free (ref->tag);
      ref->tag = NULL;
    }
  return sv_ref_familiar (ref);
}

void
cli_report_operand (struct sv_err **err)
{
  _cleanup_free_ char *msg = sv_err_string (*err);
  fprintf (stderr, "servin: %s\n", msg);
  sv_err_free (err);
}

json_t *
cli_labels_json (char *const *labels)
{
  json_t *o = json_object ();
  for (char *const *l = labels; l && *l; l++)
    {
      const char *eq = strchr (*l, '=');
      _cleanup_free_ char *k = eq ? xstrndup (*l, (size_t)(eq - *l)) : xstrdup (*l);
      json_object_set_new (o, k, json_string (eq ? eq + 1 : ""));
    }
  return o;
}

bool
cli_confirm (const char *warning)
{
  if (!isatty (STDIN_FILENO))
    return true;
  fprintf (stderr, "WARNING! %s\nAre you sure you want to continue? [y/N] ", warning);
  char line[16];
  return fgets (line, sizeof line, stdin) && (line[0] == 'y' || line[0] == 'Y');
}

/* servin ps (and `servin ls`, `container ls`): docker's columns, filters
 * and formats. */
#include "engine/ctr-net.h"
#include "cli/run.h"
#include "engine/ctr-spec.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct ps_opts
{
  bool all, quiet, no_trunc, json;
  const char *template;
  char **filters; /* "key=value" */
  long last;      /* -n N / -l: the N most recent, any state */
};

static int64_t
unix_of (const char *t)
{
  return cli_parse_rfc3339 (t);
}

/* "Up 5 seconds", "Exited (0) 3 seconds ago", "Created". */
static char *
status_text (const struct sv_ctr *c)
{
  if (strcmp (c->state, "running") == 0 || strcmp (c->state, "paused") == 0)
    {
      _cleanup_free_ char *since = cli_human_since (unix_of (c->started_at));
      size_t n = strlen (since);
      if (n > 4 && strcmp (since + n - 4, " ago") == 0)
        since[n - 4] = '\0';
      return xasprintf ("Up %s%s", since, c->state[0] == 'p' ? " (Paused)" : "");
    }
  if (strcmp (c->state, "exited") == 0 || strcmp (c->state, "restarting") == 0)
    {
      _cleanup_free_ char *since = cli_human_since (unix_of (c->finished_at));
      return xasprintf ("%s (%d) %s", c->state[0] == 'e' ? "Exited" : "Restarting", c->exit_code,
                        since);
    }
  if (strcmp (c->state, "created") == 0)
    return xstrdup ("Created");
  return xasprintf ("%c%s", c->state[0] - 32, c->state + 1);
}

static char *
command_text (const struct sv_ctr *c, bool no_trunc)
{
  _cleanup_json_ json_t *args = sv_ctr_command (c->config, NULL);
  size_t i;
  json_t *v;
  _cleanup_free_ char *joined = xstrdup ("");
  json_array_foreach (args, i, v)
  {
    char *t = xasprintf ("%s%s%s", joined, i ? " " : "", json_string_value (v));
    free (joined);
    joined = t;
  }
  if (!no_trunc && strlen (joined) > 20)
    return xasprintf ("\"%.19s…\"", joined);
  return xasprintf ("\"%s\"", joined);
}

static bool
label_matches (const struct sv_ctr *c, const char *want)
{
  json_t *labels = json_object_get (json_object_get (c->config, "Config"), "Labels");
  const char *eq = strchr (want, '=');
  _cleanup_free_ char *key = eq ? xstrndup (want, (size_t)(eq - want)) : xstrdup (want);
  json_t *v = json_object_get (labels, key);
  return v && (eq == NULL || strcmp (json_string_value (v), eq + 1) == 0);
}

static bool
matches (const struct ps_opts *o, const struct sv_ctr *c)
{
  for (char **f = o->filters; f && *f; f++)
    {
      const char *v = strchr (*f, '=') + 1;
      if (strncmp (*f, "status=", 7) == 0 && strcmp (c->state, v) != 0)
        return false;
      if (strncmp (*f, "name=", 5) == 0 && strstr (c->name, v) == NULL)
        return false;
      if (strncmp (*f, "id=", 3) == 0 && strncmp (c->id, v, strlen (v)) != 0)
        return false;
      if (strncmp (*f, "label=", 6) == 0 && !label_matches (c, v))
        return false;
      if (strncmp (*f, "ancestor=", 9) == 0 && strcmp (c->image, v) != 0)
        return false;
    }
  return true;
}

static json_t *
row_json (const struct sv_ctr *c, bool no_trunc, const char *ports)
{
  _cleanup_free_ char *status = status_text (c);
  _cleanup_free_ char *cmd = command_text (c, no_trunc);
  _cleanup_free_ char *since = cli_human_since (unix_of (c->created));
  return json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", c->id, "Image", c->image,
                    "Command", cmd, "CreatedAt", c->created, "RunningFor", since, "State", c->state,
                    "Status", status, "Names", c->name, "Ports", ports);
}

static void
print (const struct ps_opts *o, struct sv_engine *e, const struct sv_ctr *c, struct sv_err **err)
{
  _cleanup_free_ char *id = o->no_trunc ? xstrdup (c->id) : xstrndup (c->id, 12);
  if (o->quiet)
    {
      printf ("%s\n", id);
      return;
    }
  /* Only running containers publish ports: no query for the others. */
  _cleanup_free_ char *ports
      = strcmp (c->state, "running") == 0 ? sv_ctr_net_ports_text (e, c, NULL, false) : NULL;
  _cleanup_json_ json_t *j = row_json (c, o->no_trunc, ports ? ports : "");
  json_object_set_new (j, "ID", json_string (id));
  if (o->json)
    cli_print_json (j, false);
  else if (o->template)
    cli_template_print (o->template, j, err);
  else
    printf ("%-12s   %-20s %-22s %-15s %-28s %-8s %s\n", id, c->image,
            json_string_value (json_object_get (j, "Command")),
            json_string_value (json_object_get (j, "RunningFor")),
            json_string_value (json_object_get (j, "Status")), ports ? ports : "", c->name);
}

static const struct option opts[] = {
  { "all", no_argument, NULL, 'a' },
  { "quiet", no_argument, NULL, 'q' },
  { "no-trunc", no_argument, NULL, 'N' },
  { "format", required_argument, NULL, 'F' },
  { "filter", required_argument, NULL, 'f' },
  { "last", required_argument, NULL, 'n' },
  { "latest", no_argument, NULL, 'l' },
  { "size", no_argument, NULL, 's' },
  { 0 },
};

static int
parse (int argc, char **argv, struct ps_opts *o, struct sv_err **err)
{
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "ps", opts, true, &next, err)) != -1)
    switch (ch)
      {
      case -2:
        return -1;
      case 'a':
        o->all = true;
        break;
      case 'q':
        o->quiet = true;
        break;
      case 'N':
        o->no_trunc = true;
        break;
      case 'F':
        if (strcmp (optarg, "json") == 0 || strcmp (optarg, "{{json .}}") == 0)
          o->json = true;
        else if (strcmp (optarg, "table") != 0)
          o->template = optarg;
        break;
      case 'f':
        if (strchr (optarg, '=') == NULL
            || (strncmp (optarg, "status=", 7) && strncmp (optarg, "name=", 5)
                && strncmp (optarg, "label=", 6) && strncmp (optarg, "id=", 3)
                && strncmp (optarg, "ancestor=", 9)))
          return sv_err_make_plain (err, EINVAL, "ps: invalid filter '%s'", optarg);
        sv_strv_append (&o->filters, optarg);
        break;
      case 'n':
        o->last = atol (optarg);
        break;
      case 'l':
        o->last = 1;
        break;
      }
  return cli_operands (argc, next, 0, 0, "ps", "[OPTIONS]", err);
}

int
cmd_ps (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  struct ps_opts o = { 0 };
  struct sv_engine *e;
  struct sv_ctr **v = NULL;
  size_t n = 0;
  int r = parse (argc, argv, &o, err);
  if (r == 0)
    r = cli_engine (cli, &e, err);
  if (r == 0)
    r = sv_ctr_list (e->db, &v, &n, err);
  if (r < 0)
    {
      sv_strv_free (o.filters);
      return SERVIN_EXIT_ERROR;
    }
  bool status_filter = false;
  for (char **f = o.filters; f && *f; f++)
    status_filter |= strncmp (*f, "status=", 7) == 0;
  if (!o.quiet && !o.json && !o.template)
    printf ("%-12s   %-20s %-22s %-15s %-28s %-8s %s\n", "CONTAINER ID", "IMAGE", "COMMAND",
            "CREATED", "STATUS", "PORTS", "NAMES");
  long shown = 0;
  for (size_t i = 0; i < n; i++)
    {
      bool running = sv_engine_refresh (e, v[i]);
      if (!o.all && !status_filter && o.last == 0 && !running)
        continue;
      if (!matches (&o, v[i]))
        continue;
      if (o.last && shown >= o.last)
        break;
      print (&o, e, v[i], err);
      shown++;
    }
  sv_ctr_list_free (v, n);
  sv_strv_free (o.filters);
  return *err ? SERVIN_EXIT_ERROR : 0;
}

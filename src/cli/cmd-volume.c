/* servin volume create / ls / inspect / rm / prune. */
#include "cli/run.h"
#include "engine/parse.h"
#include "engine/volume.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum
{
  OPT_NAME = 256,
  OPT_FORMAT,
};

static const struct option create_opts[] = {
  { "name", required_argument, NULL, OPT_NAME },
  { "label", required_argument, NULL, 'l' },
  { "driver", required_argument, NULL, 'd' },
  { "opt", required_argument, NULL, 'o' },
  { 0 },
};

int
cmd_volume_create (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  const char *name = NULL;
  _cleanup_strv_ char **labels = NULL;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "volume create", create_opts, true, &next, err)) != -1)
    if (ch == -2 || (ch == 'l' && sv_parse_label (optarg, &labels, err) < 0))
      return SERVIN_EXIT_ERROR;
    else if (ch == OPT_NAME)
      name = optarg;
    else if (ch == 'd' && strcmp (optarg, "local") != 0)
      return sv_err_make_plain (err, EINVAL, "volume create: driver %s is not supported", optarg),
             SERVIN_EXIT_ERROR;
    else if (ch == 'o')
      return sv_err_make_plain (err, EINVAL, "volume create: --opt is not supported"),
             SERVIN_EXIT_ERROR;
  if (cli_operands (argc, next, 0, 1, "volume create", "[OPTIONS] [VOLUME]", err) < 0)
    return SERVIN_EXIT_ERROR;
  if (next < argc && name && strcmp (name, argv[next]) != 0)
    return sv_err_make_plain (err, EINVAL,
                              "conflicting options: either specify --name or provide positional "
                              "arg, not both"),
           SERVIN_EXIT_ERROR;
  if (next < argc)
    name = argv[next];
  struct sv_engine *e;
  struct sv_volume *v = NULL;
  _cleanup_json_ json_t *l = cli_labels_json (labels);
  if (cli_engine (cli, &e, err) < 0 || sv_volume_create (e, name, l, false, &v, err) < 0)
    return SERVIN_EXIT_ERROR;
  printf ("%s\n", v->name);
  sv_volume_free (v);
  return 0;
}

/* docker's `volume ls --format` fields of V. */
static json_t *
ls_json (struct sv_engine *e, const struct sv_volume *v)
{
  _cleanup_free_ char *labels = xstrdup ("");
  const char *k;
  json_t *val;
  json_object_foreach (v->labels, k, val)
  {
    char *t = xasprintf ("%s%s%s=%s", labels, *labels ? "," : "", k, json_string_value (val));
    free (labels);
    labels = t;
  }
  _cleanup_free_ char *path = sv_volume_path (e, v->name);
  return json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Availability", "N/A",
                    "Driver", "local", "Group", "N/A", "Labels", labels, "Links", "N/A",
                    "Mountpoint", path, "Name", v->name, "Scope", "local", "Size", "N/A", "Status",
                    "N/A");
}

struct ls_opts
{
  bool quiet;
  const char *format; /* NULL: the table */
  int dangling;       /* -1: any, 0: used only, 1: unused only */
};

static int
ls_filter (const char *f, struct ls_opts *o, struct sv_err **err)
{
  if (strcmp (f, "dangling=true") == 0 || strcmp (f, "dangling=1") == 0)
    o->dangling = 1;
  else if (strcmp (f, "dangling=false") == 0 || strcmp (f, "dangling=0") == 0)
    o->dangling = 0;
  else
    return sv_err_make_plain (err, EINVAL, "volume ls: filter `%s` is not supported", f);
  return 0;
}

static int
ls_print (struct sv_engine *e, const struct ls_opts *o, const struct sv_volume *v,
          struct sv_err **err)
{
  if (o->quiet)
    return printf ("%s\n", v->name), 0;
  if (o->format == NULL)
    return printf ("%-10s%s\n", "local", v->name), 0;
  _cleanup_json_ json_t *j = ls_json (e, v);
  if (strcmp (o->format, "json") == 0)
    return cli_print_json (j, false), 0;
  return cli_template_print (o->format, j, err);
}

static const struct option ls_opts[] = {
  { "quiet", no_argument, NULL, 'q' },
  { "format", required_argument, NULL, OPT_FORMAT },
  { "filter", required_argument, NULL, 'f' },
  { 0 },
};

int
cmd_volume_ls (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  struct ls_opts o = { .dangling = -1 };
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "volume ls", ls_opts, true, &next, err)) != -1)
    if (ch == -2 || (ch == 'f' && ls_filter (optarg, &o, err) < 0))
      return SERVIN_EXIT_ERROR;
    else if (ch == 'q')
      o.quiet = true;
    else if (ch == OPT_FORMAT)
      o.format = strcmp (optarg, "table") == 0 ? NULL : optarg;
  struct sv_engine *e;
  struct sv_volume **v = NULL;
  size_t n = 0;
  _cleanup_strv_ char **used = NULL;
  if (cli_operands (argc, next, 0, 0, "volume ls", "[-q] [--format FORMAT]", err) < 0
      || cli_engine (cli, &e, err) < 0 || sv_volumes_in_use (e, &used, err) < 0
      || sv_volume_list (e, &v, &n, err) < 0)
    return SERVIN_EXIT_ERROR;
  if (!o.quiet && o.format == NULL)
    printf ("%-10s%s\n", "DRIVER", "VOLUME NAME");
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++)
    if (o.dangling < 0 || o.dangling == !sv_strv_contains (used, v[i]->name))
      r = ls_print (e, &o, v[i], err);
  sv_volume_list_free (v, n);
  return r < 0 ? SERVIN_EXIT_ERROR : 0;
}

static const struct option inspect_opts[] = {
  { "format", required_argument, NULL, OPT_FORMAT },
  { 0 },
};

int
cmd_volume_inspect (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  const char *format = NULL;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "volume inspect", inspect_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
    else if (ch == OPT_FORMAT)
      format = optarg;
  struct sv_engine *e;
  if (cli_operands (argc, next, 1, -1, "volume inspect", "[--format FORMAT] VOLUME [VOLUME...]",
                    err)
          < 0
      || cli_engine (cli, &e, err) < 0)
    return SERVIN_EXIT_ERROR;
  int status = 0;
  _cleanup_json_ json_t *all = json_array ();
  for (int i = next; i < argc; i++)
    {
      struct sv_volume *v = NULL;
      struct sv_err *e1 = NULL;
      if (sv_volume_lookup (e, argv[i], &v, &e1) < 0)
        {
          cli_report_operand (&e1);
          status = 1;
          continue;
        }
      json_t *j = sv_volume_json (e, v);
      sv_volume_free (v);
      if (format && cli_template_print (format, j, err) < 0)
        {
          json_decref (j);
          return SERVIN_EXIT_ERROR;
        }
      json_array_append_new (all, j);
    }
  if (format == NULL)
    cli_print_json (all, true);
  return status;
}

static const struct option rm_opts[] = {
  { "force", no_argument, NULL, 'f' },
  { 0 },
};

int
cmd_volume_rm (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  bool force = false;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "volume rm", rm_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
    else if (ch == 'f')
      force = true;
  struct sv_engine *e;
  if (cli_operands (argc, next, 1, -1, "volume rm", "[-f] VOLUME [VOLUME...]", err) < 0
      || cli_engine (cli, &e, err) < 0)
    return SERVIN_EXIT_ERROR;
  int status = 0;
  for (int i = next; i < argc; i++)
    {
      struct sv_err *e1 = NULL;
      if (sv_volume_remove (e, argv[i], &e1) == 0)
        printf ("%s\n", argv[i]);
      else if (force && e1->code == ENOENT)
        sv_err_free (&e1); /* docker: -f ignores missing volumes, not used ones */
      else
        {
          cli_report_operand (&e1);
          status = 1;
        }
    }
  return status;
}

static const struct option prune_opts[] = {
  { "force", no_argument, NULL, 'f' },
  { "all", no_argument, NULL, 'a' },
  { "filter", required_argument, NULL, 'F' },
  { 0 },
};

static bool
confirm (bool all)
{
  return cli_confirm (all ? "This will remove all local volumes not used by at least one "
                            "container."
                          : "This will remove anonymous local volumes not used by at least "
                            "one container.");
}

int
cmd_volume_prune (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  bool force = false, all = false;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "volume prune", prune_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
    else if (ch == 'f')
      force = true;
    else if (ch == 'a')
      all = true;
    else if (ch == 'F')
      return sv_err_make_plain (err, EINVAL, "volume prune: --filter is not supported"),
             SERVIN_EXIT_ERROR;
  struct sv_engine *e;
  if (cli_operands (argc, next, 0, 0, "volume prune", "[-a] [-f]", err) < 0
      || cli_engine (cli, &e, err) < 0)
    return SERVIN_EXIT_ERROR;
  if (!force && !confirm (all))
    return 0;
  _cleanup_strv_ char **removed = NULL;
  int64_t freed = 0;
  if (sv_volume_prune (e, all, &removed, &freed, err) < 0)
    return SERVIN_EXIT_ERROR;
  if (removed)
    printf ("Deleted Volumes:\n");
  for (char **p = removed; p && *p; p++)
    printf ("%s\n", *p);
  _cleanup_free_ char *h = cli_human_size (freed);
  printf ("%sTotal reclaimed space: %s\n", removed ? "\n" : "", h);
  return 0;
}

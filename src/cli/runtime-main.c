/* servin-runtime: entry point, global flags and command dispatch. */
#include "cli/rt.h"
#include "runtime/cloned-binary.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SERVIN_VERSION "0.1.0"
#define SPEC_VERSION "1.2.0"

static const struct
{
  const char *name;
  rt_command_fn fn;
  bool enters_container; /* must run from a sealed copy of the binary */
} commands[] = {
  { "create", rt_create, true },  { "run", rt_run, true },
  { "exec", rt_exec, true },      { "start", rt_start, false },
  { "state", rt_state, false },   { "kill", rt_kill, false },
  { "delete", rt_delete, false }, { "list", rt_list, false },
  { "pause", rt_pause, false },   { "resume", rt_resume, false },
  { "ps", rt_ps, false },         { "update", rt_update, false },
  { "spec", rt_spec, false },     { "features", rt_features, false },
  { "events", rt_events, false },
};

static void
usage (FILE *f)
{
  fprintf (f, "usage: servin-runtime [global flags] COMMAND [flags] [ID]\n\n"
              "global flags: --root DIR, --log FILE, --log-format text|json, --debug,\n"
              "              --systemd-cgroup, --version, --help\n\ncommands:");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf (f, " %s", commands[i].name);
  fprintf (f, "\n");
}

static void
version (void)
{
  printf ("servin-runtime version %s\nspec: %s\n", SERVIN_VERSION, SPEC_VERSION);
}

enum
{
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD,
  OPT_ROOTLESS,
  OPT_CRIU,
};

static const struct option global_opts[] = {
  { "root", required_argument, NULL, OPT_ROOT },
  { "log", required_argument, NULL, OPT_LOG },
  { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
  { "debug", no_argument, NULL, OPT_DEBUG },
  { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
  { "rootless", required_argument, NULL, OPT_ROOTLESS },
  { "criu", required_argument, NULL, OPT_CRIU },
  { "version", no_argument, NULL, 'v' },
  { "help", no_argument, NULL, 'h' },
  { 0 },
};

/* Returns the index of the command operand, 0 when main should exit 0
 * (help/version printed), or -1 on error. */
static int
parse_globals (int argc, char **argv, struct rt_globals *g, struct sv_err **err)
{
  int c, next;
  while ((c = rt_getopt (argc, argv, "servin-runtime", global_opts, &next, err)) != -1)
    switch (c)
      {
      case -2:
        return -1;
      case OPT_ROOT:
        g->root = optarg;
        break;
      case OPT_LOG:
        g->log = optarg;
        break;
      case OPT_LOG_FORMAT:
        if (strcmp (optarg, "text") && strcmp (optarg, "json"))
          return sv_err_make (err, EINVAL, "--log-format: `%s` is not text or json", optarg);
        g->log_format = optarg;
        break;
      case OPT_DEBUG:
        g->debug = true;
        break;
      case OPT_SYSTEMD:
        g->systemd_cgroup = true;
        break;
      case OPT_ROOTLESS:
      case OPT_CRIU:
        break;
      case 'v':
        version ();
        return 0;
      case 'h':
        usage (stdout);
        return 0;
      }
  return next;
}

/* Print ERR (and log it when --log is set), free it, return exit status 1. */
static int
report (struct sv_err *err)
{
  char *s = sv_err_string (err);
  sv_err_free (&err);
  if (sv_log_to_file ())
    sv_log_error ("%s", s);
  fprintf (stderr, "servin-runtime: %s\n", s);
  free (s);
  return 1;
}

int
main (int argc, char **argv)
{
  struct rt_globals g = { .root = "/run/servin-runtime", .log_format = "text" };
  struct sv_err *err = NULL;
  int first = parse_globals (argc, argv, &g, &err);
  if (first < 0)
    return report (err);
  if (first == 0)
    return 0;
  if (first >= argc)
    {
      usage (stderr);
      return 1;
    }
  if (sv_log_init (g.log, strcmp (g.log_format, "json") == 0 ? SV_LOG_JSON : SV_LOG_TEXT, g.debug)
      < 0)
    fprintf (stderr, "servin-runtime: cannot open log `%s`: %s\n", g.log, strerror (errno));
  const char *cmd = argv[first];
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    {
      if (strcmp (cmd, commands[i].name) != 0)
        continue;
      if (commands[i].enters_container && sv_cloned_binary_ensure (argv, &err) < 0)
        return report (err);
      optind = 0;
      int ret = commands[i].fn (&g, argc - first, argv + first, &err);
      if (err)
        report (err);
      return ret;
    }
  sv_err_make (&err, EINVAL, "unknown command `%s` (see servin-runtime --help)", cmd);
  return report (err);
}

/* servin stop / kill / restart / rm / wait / rename / container prune. */
#include "cli/run.h"
#include "engine/parse.h"
#include "network/net-db.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef int (*ctr_fn) (struct sv_cli *cli, struct sv_engine *e, struct sv_ctr *c, void *data,
                       struct sv_err **err);

/* Apply FN to each named container; docker prints an error per failure
 * and exits 1 when any failed. */
static int
each (struct sv_cli *cli, int argc, char **argv, int first, ctr_fn fn, void *data, bool print)
{
  int status = 0;
  for (int i = first; i < argc; i++)
    {
      struct sv_engine *e;
      struct sv_ctr *c = NULL;
      struct sv_err *err = NULL;
      if (cli_container (cli, argv[i], &e, &c, &err) == 0 && fn (cli, e, c, data, &err) == 0)
        {
          if (print)
            printf ("%s\n", argv[i]);
        }
      else
        {
          cli_report_operand (&err);
          status = 1;
        }
      sv_ctr_free (c);
    }
  return status;
}

static const struct option stop_opts[] = {
  { "time", required_argument, NULL, 't' },
  { "timeout", required_argument, NULL, 't' },
  { 0 },
};

static int
do_stop (struct sv_cli *cli, struct sv_engine *e, struct sv_ctr *c, void *data, struct sv_err **err)
{
  return sv_engine_stop (e, c, *(int *)data, err);
}

static int
do_restart (struct sv_cli *cli, struct sv_engine *e, struct sv_ctr *c, void *data,
            struct sv_err **err)
{
  int status;
  if (sv_engine_stop (e, c, *(int *)data, err) < 0)
    return -1;
  struct sv_ctr *fresh = NULL;
  if (sv_ctr_lookup (e->db, c->id, &fresh, err) < 0)
    return -1;
  int r = sv_engine_start (e, fresh, -1, 0, &status, err);
  sv_ctr_free (fresh);
  return r;
}

static int
stop_like (struct sv_cli *cli, int argc, char **argv, const char *cmd, ctr_fn fn,
           struct sv_err **err)
{
  int timeout = -1, ch, next;
  while ((ch = cli_getopt (argc, argv, cmd, stop_opts, true, &next, err)) != -1)
    if (ch == -2 || (ch == 't' && sv_parse_timeout (optarg, &timeout, err) < 0))
      return SERVIN_EXIT_ERROR;
  if (cli_operands (argc, next, 1, -1, cmd, "[-t SECONDS] CONTAINER [CONTAINER...]", err) < 0)
    return SERVIN_EXIT_ERROR;
  return each (cli, argc, argv, next, fn, &timeout, true);
}

int
cmd_stop (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  return stop_like (cli, argc, argv, "stop", do_stop, err);
}

int
cmd_restart (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  return stop_like (cli, argc, argv, "restart", do_restart, err);
}

static int
do_kill (struct sv_cli *cli, struct sv_engine *e, struct sv_ctr *c, void *data, struct sv_err **err)
{
  return sv_engine_kill (e, c, *(int *)data, err);
}

int
cmd_kill (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  static const struct option kill_opts[] = { { "signal", required_argument, NULL, 's' }, { 0 } };
  int sig = SIGKILL, ch, next;
  while ((ch = cli_getopt (argc, argv, "kill", kill_opts, true, &next, err)) != -1)
    if (ch == -2 || (ch == 's' && sv_parse_signal (optarg, &sig, err) < 0))
      return SERVIN_EXIT_ERROR;
  if (cli_operands (argc, next, 1, -1, "kill", "[-s SIGNAL] CONTAINER [CONTAINER...]", err) < 0)
    return SERVIN_EXIT_ERROR;
  return each (cli, argc, argv, next, do_kill, &sig, true);
}

struct rm_flags
{
  bool force, volumes;
};

static int
do_rm (struct sv_cli *cli, struct sv_engine *e, struct sv_ctr *c, void *data, struct sv_err **err)
{
  struct rm_flags *f = data;
  return sv_engine_remove (e, c, f->force, f->volumes, err);
}

static const struct option rm_opts[] = {
  { "force", no_argument, NULL, 'f' },
  { "volumes", no_argument, NULL, 'v' },
  { "all", no_argument, NULL, 'a' },
  { 0 },
};

/* rm --all (podman's): every container. */
static int
rm_all (struct sv_cli *cli, struct rm_flags *f, struct sv_err **err)
{
  struct sv_engine *e;
  struct sv_ctr **v = NULL;
  size_t n = 0;
  if (cli_engine (cli, &e, err) < 0 || sv_ctr_list (e->db, &v, &n, err) < 0)
    return SERVIN_EXIT_ERROR;
  char **ids = xmalloc0 ((n + 1) * sizeof *ids);
  for (size_t i = 0; i < n; i++)
    ids[i] = v[i]->id;
  int status = each (cli, (int)n, ids, 0, do_rm, f, true);
  free (ids);
  sv_ctr_list_free (v, n);
  return status;
}

int
cmd_rm (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  struct rm_flags f = { 0 };
  bool all = false;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "rm", rm_opts, true, &next, err)) != -1)
    switch (ch)
      {
      case -2:
        return SERVIN_EXIT_ERROR;
      case 'f':
        f.force = true;
        break;
      case 'v':
        f.volumes = true;
        break;
      case 'a':
        all = true;
        break;
      }
  if (all)
    return cli_operands (argc, next, 0, 0, "rm", "--all", err) < 0 ? SERVIN_EXIT_ERROR
                                                                   : rm_all (cli, &f, err);
  if (cli_operands (argc, next, 1, -1, "rm", "[-f] [-v] CONTAINER [CONTAINER...]", err) < 0)
    return SERVIN_EXIT_ERROR;
  return each (cli, argc, argv, next, do_rm, &f, true);
}

static int
do_wait (struct sv_cli *cli, struct sv_engine *e, struct sv_ctr *c, void *data, struct sv_err **err)
{
  int code;
  if (sv_engine_wait (e, c, &code, err) < 0)
    return -1;
  printf ("%d\n", code);
  fflush (stdout);
  return 0;
}

static const struct option no_opts[] = { { 0 } };

int
cmd_wait (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "wait", no_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
  if (cli_operands (argc, next, 1, -1, "wait", "CONTAINER [CONTAINER...]", err) < 0)
    return SERVIN_EXIT_ERROR;
  return each (cli, argc, argv, next, do_wait, NULL, false);
}

int
cmd_rename (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "rename", no_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
  struct sv_engine *e;
  struct sv_ctr *c = NULL;
  if (cli_operands (argc, next, 2, 2, "rename", "CONTAINER NEW_NAME", err) < 0
      || cli_container (cli, argv[next], &e, &c, err) < 0)
    return SERVIN_EXIT_ERROR;
  int r = sv_ctr_rename (e->db, c->id, argv[next + 1], err);
  /* The network's DNS answers the new name from now on. */
  if (r == 0)
    r = sv_endpoint_rename (e->db, c->id, c->name, argv[next + 1], err);
  sv_ctr_free (c);
  return r < 0 ? SERVIN_EXIT_ERROR : 0;
}

static const struct option prune_opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };

int
cmd_container_prune (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "container prune", prune_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
  struct sv_engine *e;
  struct sv_ctr **v = NULL;
  size_t n = 0;
  if (cli_operands (argc, next, 0, 0, "container prune", "[-f]", err) < 0
      || cli_engine (cli, &e, err) < 0 || sv_ctr_list (e->db, &v, &n, err) < 0)
    return SERVIN_EXIT_ERROR;
  printf ("Deleted Containers:\n");
  for (size_t i = 0; i < n; i++)
    if (!sv_engine_refresh (e, v[i]) && strcmp (v[i]->state, "restarting") != 0
        && sv_engine_remove (e, v[i], false, false, NULL) == 0)
      printf ("%s\n", v[i]->id);
  sv_ctr_list_free (v, n);
  return 0;
}

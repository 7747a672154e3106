/* servin pause / unpause / port. */
#include "engine/ctr-net.h"
#include "cli/run.h"
#include "engine/ctr-ops.h"
#include "util/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static const struct option no_opts[] = { { 0 } };

/* Pause or thaw each named container; as docker, an error is printed per
 * container that fails and the status is then 1. */
static int
pause_each (struct sv_cli *cli, int argc, char **argv, bool pause, struct sv_err **err)
{
  const char *cmd = pause ? "pause" : "unpause";
  int ch, next;
  while ((ch = cli_getopt (argc, argv, cmd, no_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
  if (cli_operands (argc, next, 1, -1, cmd, "CONTAINER [CONTAINER...]", err) < 0)
    return SERVIN_EXIT_ERROR;
  int status = 0;
  for (int i = next; i < argc; i++)
    {
      struct sv_engine *e;
      struct sv_ctr *c = NULL;
      struct sv_err *e2 = NULL;
      if (cli_container (cli, argv[i], &e, &c, &e2) == 0 && sv_engine_pause (e, c, pause, &e2) == 0)
        printf ("%s\n", argv[i]);
      else
        {
          cli_report_operand (&e2);
          status = 1;
        }
      sv_ctr_free (c);
    }
  return status;
}

int
cmd_pause (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  return pause_each (cli, argc, argv, true, err);
}

int
cmd_unpause (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  return pause_each (cli, argc, argv, false, err);
}

/* docker port: every published port, or where one private port is. */
int
cmd_port (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "port", no_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
  struct sv_engine *e;
  struct sv_ctr *c = NULL;
  if (cli_operands (argc, next, 1, 2, "port", "CONTAINER [PRIVATE_PORT[/PROTO]]", err) < 0
      || cli_container (cli, argv[next], &e, &c, err) < 0)
    return SERVIN_EXIT_ERROR;
  const char *private_port = next + 1 < argc ? argv[next + 1] : NULL;
  _cleanup_free_ char *text = sv_ctr_net_ports_text (e, c, private_port, true);
  int status = 0;
  if (text && *text)
    fputs (text, stdout);
  else if (private_port)
    {
      sv_err_make_plain (err, ENOENT, "No public port '%s' published for %s", private_port,
                         c->name);
      status = 1;
    }
  sv_ctr_free (c);
  return status;
}

/* servin run / create / start. */
#include "cli/run.h"
#include "engine/parse.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
cli_engine (struct sv_cli *cli, struct sv_engine **out, struct sv_err **err)
{
  if (cli->engine == NULL)
    {
      struct sv_store *s;
      if (cli_store (cli, &s, err) < 0)
        return -1;
      struct sv_engine *e = xmalloc0 (sizeof *e);
      if (sv_engine_open (e, s, cli->root, cli->runroot, err) < 0)
        {
          free (e);
          return -1;
        }
      cli->engine = e;
    }
  *out = cli->engine;
  return 0;
}

int
cli_container (struct sv_cli *cli, const char *name, struct sv_engine **e, struct sv_ctr **c,
               struct sv_err **err)
{
  if (cli_engine (cli, e, err) < 0)
    return -1;
  return sv_ctr_lookup ((*e)->db, name, c, err);
}

/* The image to run, pulled as --pull says. */
static int
resolve_image (struct sv_cli *cli, const struct run_opts *o, struct sv_image **img,
               struct sv_err **err)
{
  enum sv_pull_policy policy = SV_PULL_MISSING;
  if (o->pull && sv_parse_pull (o->pull, &policy, err) < 0)
    return -1;
  struct sv_store *s;
  if (cli_store (cli, &s, err) < 0)
    return -1;
  if (policy != SV_PULL_ALWAYS)
    {
      struct sv_err *e = NULL;
      if (sv_store_lookup_image (s, o->image, img, &e) == 0)
        return 0;
      if (e->code != ENOENT || policy == SV_PULL_NEVER)
        {
          sv_err_free (err);
          *err = e;
          return -1;
        }
      sv_err_free (&e);
      fprintf (stderr, "Unable to find image '%s' locally\n", o->image);
    }
  if (cli_pull_image (cli, o->image, o->platform, false, true, false, err) < 0)
    return -1;
  return sv_store_lookup_image (s, o->image, img, err);
}

static int
create (struct sv_cli *cli, struct run_opts *o, struct sv_engine **e, struct sv_ctr **c,
        struct sv_err **err)
{
  struct sv_image *img = NULL;
  if (cli_engine (cli, e, err) < 0 || resolve_image (cli, o, &img, err) < 0)
    return -1;
  struct sv_create_request req = {
    .config = o->config,
    .name = o->name,
    .image = o->image,
    .img = img,
  };
  int r = sv_engine_create (*e, &req, c, err);
  sv_image_free (img);
  return r;
}

int
cmd_create (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  struct run_opts o = { 0 };
  struct sv_engine *e;
  struct sv_ctr *c = NULL;
  int r = cli_run_parse (argc, argv, "create", &o, err);
  if (r == 0)
    r = create (cli, &o, &e, &c, err);
  cli_run_opts_clear (&o);
  if (r < 0)
    return SERVIN_EXIT_ERROR;
  printf ("%s\n", c->id);
  sv_ctr_free (c);
  return 0;
}

static bool
config_flag (const struct sv_ctr *c, const char *key)
{
  return json_is_true (json_object_get (json_object_get (c->config, "Config"), key));
}

/* Start C attached to this terminal and relay until it exits; the exit
 * status is the container's. */
static int
start_attached (struct sv_engine *e, struct sv_ctr *c, bool with_stdin, bool sig_proxy,
                struct sv_err **err)
{
  int sp[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
    return sv_err_errno (err, "socketpair"), SERVIN_EXIT_ERROR;
  int flags = SV_ATTACH_STDOUT | SV_ATTACH_STDERR | (with_stdin ? SV_ATTACH_STDIN : 0);
  int status;
  if (sv_engine_start (e, c, sp[1], flags, &status, err) < 0)
    {
      close (sp[0]);
      return status;
    }
  int code
      = cli_attach_stream (sp[0], with_stdin, config_flag (c, "Tty"), sig_proxy ? c->pid : 0, err);
  close (sp[0]);
  return code < 0 ? SERVIN_EXIT_ERROR : code;
}

int
cmd_run (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  struct run_opts o = { 0 };
  struct sv_engine *e;
  struct sv_ctr *c = NULL;
  int r = cli_run_parse (argc, argv, "run", &o, err);
  if (r == 0)
    r = create (cli, &o, &e, &c, err);
  bool detach = o.detach, sig_proxy = !o.no_sig_proxy;
  cli_run_opts_clear (&o);
  if (r < 0)
    return SERVIN_EXIT_ERROR;
  int status = 0;
  if (detach)
    {
      if (sv_engine_start (e, c, -1, 0, &status, err) == 0)
        printf ("%s\n", c->id);
    }
  else
    status = start_attached (e, c, config_flag (c, "OpenStdin"), sig_proxy, err);
  sv_ctr_free (c);
  return status;
}

static const struct option start_opts[] = {
  { "attach", no_argument, NULL, 'a' },
  { "interactive", no_argument, NULL, 'i' },
  { 0 },
};

int
cmd_start (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  bool attach = false, interactive = false;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "start", start_opts, true, &next, err)) != -1)
    switch (ch)
      {
      case -2:
        return SERVIN_EXIT_ERROR;
      case 'a':
        attach = true;
        break;
      case 'i':
        interactive = true;
        break;
      }
  if (cli_operands (argc, next, 1, (attach || interactive) ? 1 : -1, "start",
                    "[-a] [-i] CONTAINER [CONTAINER...]", err)
      < 0)
    return SERVIN_EXIT_ERROR;
  int status = 0;
  for (int i = next; i < argc; i++)
    {
      struct sv_engine *e;
      struct sv_ctr *c = NULL;
      if (cli_container (cli, argv[i], &e, &c, err) < 0)
        return SERVIN_EXIT_ERROR;
      if (attach || interactive)
        status = start_attached (e, c, interactive && config_flag (c, "OpenStdin"), true, err);
      else if (sv_engine_start (e, c, -1, 0, &status, err) == 0)
        printf ("%s\n", argv[i]);
      sv_ctr_free (c);
      if (*err)
        return status ? status : SERVIN_EXIT_ERROR;
    }
  return status;
}

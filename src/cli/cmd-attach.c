/* servin attach: this terminal's stdio on a running container's. */
#include "cli/run.h"
#include "util/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum
{
  OPT_NO_STDIN = 256,
  OPT_SIG_PROXY,
};

static const struct option attach_opts[] = {
  { "no-stdin", no_argument, NULL, OPT_NO_STDIN },
  { "sig-proxy", optional_argument, NULL, OPT_SIG_PROXY },
  { 0 },
};

static bool
config_flag (const struct sv_ctr *c, const char *key)
{
  return json_is_true (json_object_get (json_object_get (c->config, "Config"), key));
}

static int
check_running (struct sv_engine *e, struct sv_ctr *c, struct sv_err **err)
{
  if (!sv_engine_refresh (e, c))
    return sv_err_make_plain (err, EINVAL,
                              "You cannot attach to a stopped container, start it first");
  if (strcmp (c->state, "paused") == 0)
    return sv_err_make_plain (err, EINVAL,
                              "You cannot attach to a paused container, unpause it first");
  return 0;
}

/* Connect to C's monitor and relay until C exits; its exit status. */
static int
attach (struct sv_engine *e, struct sv_ctr *c, bool with_stdin, bool sig_proxy, struct sv_err **err)
{
  _cleanup_close_ int fd = sv_engine_connect (e, c->id, err);
  if (fd < 0)
    return SERVIN_EXIT_ERROR;
  int flags = SV_ATTACH_STDOUT | SV_ATTACH_STDERR | (with_stdin ? SV_ATTACH_STDIN : 0);
  char greeting[32];
  int n = snprintf (greeting, sizeof greeting, "attach %d\n", flags);
  if (write (fd, greeting, (size_t)n) != n)
    return sv_err_errno (err, "attach to container %s", c->name), SERVIN_EXIT_ERROR;
  bool tty = config_flag (c, "Tty");
  int code = cli_attach_stream (fd, with_stdin, tty, sig_proxy && !tty ? c->pid : 0, err);
  return code < 0 ? SERVIN_EXIT_ERROR : code;
}

int
cmd_attach (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  bool no_stdin = false, sig_proxy = true;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "attach", attach_opts, true, &next, err)) != -1)
    switch (ch)
      {
      case -2:
        return SERVIN_EXIT_ERROR;
      case OPT_NO_STDIN:
        no_stdin = true;
        break;
      case OPT_SIG_PROXY:
        if (optarg && strcmp (optarg, "true") != 0 && strcmp (optarg, "false") != 0)
          return sv_err_make_plain (err, EINVAL, "--sig-proxy: expected true or false, got `%s`",
                                    optarg),
                 SERVIN_EXIT_ERROR;
        sig_proxy = optarg == NULL || strcmp (optarg, "true") == 0;
        break;
      }
  struct sv_engine *e;
  struct sv_ctr *c = NULL;
  if (cli_operands (argc, next, 1, 1, "attach", "[--no-stdin] [--sig-proxy=false] CONTAINER", err)
          < 0
      || cli_container (cli, argv[next], &e, &c, err) < 0)
    return SERVIN_EXIT_ERROR;
  int status = check_running (e, c, err) < 0
                   ? SERVIN_EXIT_ERROR
                   : attach (e, c, config_flag (c, "OpenStdin") && !no_stdin, sig_proxy, err);
  sv_ctr_free (c);
  return status;
}

/* What `servin run` and `servin create` share: their flags, and the client
 * side of attaching to a container's monitor. */
#ifndef SV_CLI_RUN_H
#define SV_CLI_RUN_H

#include "cli/servin.h"
#include "engine/engine.h"

struct run_opts
{
  json_t *config;       /* {"Config":..., "HostConfig":...} */
  const char *image;    /* the IMAGE operand */
  const char *name;     /* --name */
  const char *pull;     /* --pull (NULL: missing) */
  const char *platform; /* --platform */
  bool detach;
  bool no_sig_proxy;
  char **env, **env_file, **labels;
  const char *ip;       /* --ip */
  const char **aliases; /* --network-alias */
  size_t n_aliases;
};

/* Parse the flags and operands of run/create (CMD is "run" or "create"). */
int cli_run_parse (int argc, char **argv, const char *cmd, struct run_opts *o, struct sv_err **err);
void cli_run_opts_clear (struct run_opts *o);

/* The engine of the CLI's data root (opened on first use). */
int cli_engine (struct sv_cli *cli, struct sv_engine **out, struct sv_err **err);

/* Relay between this terminal/stdio and the monitor connection FD until
 * the exit frame; returns the container's exit status.  STDIN: forward our
 * stdin; TTY: raw mode and window size; PID (> 0): signals to proxy. */
int cli_attach_stream (int fd, bool stdin_on, bool tty, pid_t pid, struct sv_err **err);

/* Look a container up by id, prefix or name. */
int cli_container (struct sv_cli *cli, const char *name, struct sv_engine **e, struct sv_ctr **c,
                   struct sv_err **err);

#endif

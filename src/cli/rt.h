/* The servin-runtime command line: runc's, so podman (conmon), containerd's
 * shim and CRI-O can drive it.  Each command is one file rt-NAME.c with a
 * function that parses its flags and calls the runtime library. */
#ifndef SV_RT_H
#define SV_RT_H

#include <getopt.h>
#include <stdbool.h>

#include "runtime/container.h"
#include "util/err.h"

struct rt_globals
{
  const char *root;
  const char *log;
  const char *log_format;
  bool debug;
  bool systemd_cgroup;
};

/* A command: returns the process exit status; on failure it fills *err and
 * returns a non-zero status (main prints the error). */
typedef int (*rt_command_fn) (struct rt_globals *g, int argc, char **argv, struct sv_err **err);

int rt_create (struct rt_globals *g, int argc, char **argv, struct sv_err **err);
int rt_run (struct rt_globals *g, int argc, char **argv, struct sv_err **err);
int rt_start (struct rt_globals *g, int argc, char **argv, struct sv_err **err);
int rt_state (struct rt_globals *g, int argc, char **argv, struct sv_err **err);
int rt_kill (struct rt_globals *g, int argc, char **argv, struct sv_err **err);
int rt_delete (struct rt_globals *g, int argc, char **argv, struct sv_err **err);
int rt_list (struct rt_globals *g, int argc, char **argv, struct sv_err **err);
int rt_pause (struct rt_globals *g, int argc, char **argv, struct sv_err **err);
int rt_resume (struct rt_globals *g, int argc, char **argv, struct sv_err **err);
int rt_ps (struct rt_globals *g, int argc, char **argv, struct sv_err **err);
int rt_update (struct rt_globals *g, int argc, char **argv, struct sv_err **err);
int rt_spec (struct rt_globals *g, int argc, char **argv, struct sv_err **err);
int rt_features (struct rt_globals *g, int argc, char **argv, struct sv_err **err);
int rt_exec (struct rt_globals *g, int argc, char **argv, struct sv_err **err);
int rt_events (struct rt_globals *g, int argc, char **argv, struct sv_err **err);

/* The flags create and run share; DETACH/KEEP are set only for run. */
int rt_parse_create (int argc, char **argv, const char *cmd, bool is_run, struct sv_create_opts *o,
                     bool *detach, struct sv_err **err);

/* Parse flags with getopt_long ("+" mode: stop at the first operand).
 * Unknown flags and missing values are errors naming the flag.  Returns the
 * option, -1 at the end, or -2 with *err set. */
int rt_getopt (int argc, char **argv, const char *cmd, const struct option *opts, int *optind_out,
               struct sv_err **err);
/* Require exactly N operands after the flags (the container id...). */
int rt_operands (int argc, char **argv, int first, int n, const char *cmd, const char *usage,
                 struct sv_err **err);
/* Open the runtime root given by --root. */
int rt_open (struct rt_globals *g, struct sv_runtime *rt, struct sv_err **err);
/* Parse a non-negative integer flag value. */
int rt_parse_int (const char *flag, const char *value, int *out, struct sv_err **err);
/* Print a JSON value followed by a newline to stdout. */
void rt_print_json (json_t *j, bool pretty);

#endif

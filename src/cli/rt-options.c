#include "cli/rt.h"
#include "cli/getopt.h"
#include "util/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
rt_getopt (int argc, char **argv, const char *cmd, const struct option *opts, int *optind_out,
           struct sv_err **err)
{
  return cli_getopt (argc, argv, cmd, opts, false, optind_out, err);
}

int
rt_operands (int argc, char **argv, int first, int n, const char *cmd, const char *usage,
             struct sv_err **err)
{
  int have = argc - first;
  if (have < n)
    return sv_err_make (err, EINVAL, "%s: missing %s (usage: servin-runtime %s %s)", cmd,
                        n - have == 1 ? "argument" : "arguments", cmd, usage);
  if (have > n)
    return sv_err_make (err, EINVAL, "%s: unexpected argument `%s` (usage: servin-runtime %s %s)",
                        cmd, argv[first + n], cmd, usage);
  return 0;
}

int
rt_open (struct rt_globals *g, struct sv_runtime *rt, struct sv_err **err)
{
  return sv_runtime_open (rt, g->root, g->systemd_cgroup, err);
}

int
rt_parse_int (const char *flag, const char *value, int *out, struct sv_err **err)
{
  char *end;
  errno = 0;
  long v = strtol (value, &end, 10);
  if (errno || *end || end == value || v < 0 || v > INT_MAX)
    return sv_err_make (err, EINVAL, "%s: invalid number `%s`", flag, value);
  *out = (int)v;
  return 0;
}

void
rt_print_json (json_t *j, bool pretty)
{
  char *s = json_dumps (j, pretty ? JSON_INDENT (2) : JSON_COMPACT);
  puts (s);
  free (s);
}

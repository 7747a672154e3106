/* Flag parsing shared by servin and servin-runtime: getopt_long with
 * errors that name the flag instead of getopt's own messages. */
#include "cli/getopt.h"

#include <errno.h>
#include <stdio.h>

int
cli_getopt (int argc, char **argv, const char *cmd, const struct option *opts, bool permute,
            int *optind_out, struct sv_err **err)
{
  /* Build the short option string from the table; "+" stops at the first
   * operand (what `run IMAGE CMD -x` needs), otherwise flags may follow
   * operands as docker allows.  ":" makes a missing value return ':'. */
  char shortopts[128];
  size_t n = 0;
  if (!permute)
    shortopts[n++] = '+';
  shortopts[n++] = ':';
  for (const struct option *o = opts; o->name; o++)
    if (o->val > 0 && o->val < 128 && n < sizeof shortopts - 4)
      {
        shortopts[n++] = (char)o->val;
        if (o->has_arg == required_argument)
          shortopts[n++] = ':';
        else if (o->has_arg == optional_argument)
          {
            shortopts[n++] = ':';
            shortopts[n++] = ':';
          }
      }
  shortopts[n] = '\0';
  opterr = 0;
  int c = getopt_long (argc, argv, shortopts, opts, NULL);
  *optind_out = optind;
  if (c == '?')
    {
      if (optopt)
        return sv_err_make_plain (err, EINVAL, "%s: unknown flag `-%c`", cmd, optopt), -2;
      return sv_err_make_plain (err, EINVAL, "%s: unknown flag `%s`", cmd, argv[optind - 1]), -2;
    }
  if (c == ':')
    return sv_err_make_plain (err, EINVAL, "%s: flag `%s` needs a value", cmd, argv[optind - 1]),
           -2;
  return c;
}

/* Flag parsing for the command-line faces. */
#ifndef SV_CLI_GETOPT_H
#define SV_CLI_GETOPT_H

#include <getopt.h>
#include <stdbool.h>

#include "util/err.h"

/* Parse the next flag of ARGV with getopt_long; the short option string
 * comes from OPTS (val < 128).  PERMUTE lets flags follow operands (most
 * commands); without it parsing stops at the first operand.  Unknown flags
 * and missing values are errors naming the flag and CMD.  Returns the
 * option, -1 at the end (*OPTIND_OUT is then the first operand), or -2
 * with *err set.  Reset optind = 0 before the first call. */
int cli_getopt (int argc, char **argv, const char *cmd, const struct option *opts, bool permute,
                int *optind_out, struct sv_err **err);

#endif

/* rlimits: names and applying them. */
#ifndef SV_RLIMITS_H
#define SV_RLIMITS_H

#include "runtime/spec.h"

/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 when unknown. */
int sv_rlimit_from_name (const char *name);
const char *sv_rlimit_name (int resource);
/* setrlimit each entry in the calling process; the error names the limit
 * and, on EPERM, says the hard limit cannot be raised above the current one. */
int sv_rlimits_apply (const struct sv_rlimit *v, size_t n, struct sv_err **err);

#endif

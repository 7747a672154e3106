/* OCI hooks: each runs with the container state JSON on its stdin. */
#ifndef SV_HOOKS_H
#define SV_HOOKS_H

#include "runtime/spec.h"

/* Run every hook of LIST in order.  A hook that exits non-zero, is killed
 * or outlives its timeout is an error naming it (with the tail of what it
 * printed); the remaining hooks are not run.  NAME ("prestart", ...) is
 * used in errors. */
int sv_hooks_run (const struct sv_hook_list *list, const char *name, const char *state_json,
                  struct sv_err **err);

#endif

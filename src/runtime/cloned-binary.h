/* Protection against CVE-2019-5736: a container process must never be able
 * to reach the runtime's host binary through /proc/self/exe and overwrite
 * it.  Before creating or entering a container, the runtime re-executes
 * itself from a sealed memfd copy, so /proc/PID/exe of every runtime
 * process that enters a container names an immutable anonymous file. */
#ifndef SV_CLONED_BINARY_H
#define SV_CLONED_BINARY_H

#include "util/err.h"

/* Returns 0 when already running from a sealed copy; otherwise re-executes
 * from one and does not return, or returns < 0 on failure. */
int sv_cloned_binary_ensure (char **argv, struct sv_err **err);

#endif

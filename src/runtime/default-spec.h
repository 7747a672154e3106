/* The config.json that `servin-runtime spec` writes: runc's example spec,
 * with "servin" as the hostname. */
#ifndef SV_DEFAULT_SPEC_H
#define SV_DEFAULT_SPEC_H

#include <jansson.h>
#include <stdbool.h>

/* A new document (owned by the caller).  ROOTLESS adapts it as
 * `runc spec --rootless` does: a user namespace mapping root to the
 * caller's euid/egid, no network namespace, /sys bind-mounted from the
 * host, no uid=/gid= mount options and no linux.resources. */
json_t *sv_default_spec (bool rootless);

#endif

/* Capabilities: names, the five sets of process.capabilities, and applying
 * them in the container process. */
#ifndef SV_CAPS_H
#define SV_CAPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct sv_caps
{
  uint64_t bounding, effective, inheritable, permitted, ambient; /* bit N = capability N */
};

/* "CAP_SYS_ADMIN" (also accepted: "SYS_ADMIN", any case) -> 21; -1 when unknown. */
int sv_cap_from_name (const char *name);
/* 21 -> "CAP_SYS_ADMIN"; NULL when unknown. */
const char *sv_cap_name (int cap);
/* The highest capability the running kernel knows (/proc/sys/kernel/cap_last_cap). */
int sv_cap_last_cap (void);

/* Parse process.capabilities (PATH names it).  An unknown name is an error
 * naming the field and index, e.g. "process.capabilities.bounding[3]: unknown capability
 * `CAP_FOO`". */
int sv_caps_parse (json_t *obj, const char *path, struct sv_caps **out, struct sv_err **err);
/* A mask from a list of names (for --cap flags of exec); same errors. */
int sv_caps_mask_from_names (char **names, const char *path, uint64_t *out, struct sv_err **err);

/* Drop from the bounding set every capability not in c->bounding.  Must run
 * while the process still has CAP_SETPCAP, i.e. before changing uid. */
int sv_caps_apply_bounding (const struct sv_caps *c, struct sv_err **err);
/* Set effective, permitted and inheritable, then raise ambient.  Runs after
 * setresuid (the caller keeps capabilities across it with PR_SET_KEEPCAPS).
 * Capabilities the runtime itself does not hold (e.g. CAP_SYS_RESOURCE on a
 * host whose bounding set lacks it) are left out rather than failing. */
int sv_caps_apply (const struct sv_caps *c, struct sv_err **err);

/* JSON object with the five sets as arrays of names (for `features`, state). */
json_t *sv_caps_to_json (const struct sv_caps *c);

#endif

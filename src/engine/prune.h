/* What `image prune`, `system prune`, `system df` and `rmi` need to know
 * about the engine's use of images and disk: which container uses an
 * image, how big a container's writable layer is, and pruning what no
 * container needs.  Nothing here prints: callers report what went. */
#ifndef SV_ENGINE_PRUNE_H
#define SV_ENGINE_PRUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

/* A container whose record uses image IMAGE_ID, a running one first:
 * returns 1 with *ID (owned by the caller) and *RUNNING, 0 when none. */
int sv_image_user (struct sv_engine *e, const char *image_id, char **id, bool *running,
                   struct sv_err **err);

/* Bytes of container ID's writable layer (its overlay upper directory, or
 * its copy in copy mode). */
int64_t sv_ctr_rw_size (struct sv_engine *e, const char *id);

/* Remove every container that is not running, paused or restarting.
 * *IDS gets their ids (NULL-terminated, may be NULL; owned by the
 * caller), *FREED the bytes of their writable layers. */
int sv_prune_containers (struct sv_engine *e, char ***ids, int64_t *freed, struct sv_err **err);

/* Delete the records of the images no container uses: untagged ones, or
 * every one when ALL.  *DELETED gets the deleted records (owned by the
 * caller: sv_image_list_free).  Their blobs and layers go at the next
 * sv_store_gc. */
int sv_prune_images (struct sv_engine *e, bool all, struct sv_image ***deleted, size_t *n,
                     struct sv_err **err);

/* Remove every user network no container record names (running or not),
 * as `network prune` and `system prune` do; the default network stays.
 * *NAMES gets their names (NULL-terminated, may be NULL; owned by the
 * caller).  A network that cannot be removed is skipped. */
int sv_prune_networks (struct sv_engine *e, char ***names, struct sv_err **err);

#endif

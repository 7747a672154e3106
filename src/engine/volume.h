/* Local volumes: directories DATA/volumes/NAME/_data, recorded in the
 * data root's database (table "volumes") so that ls/inspect know when and
 * how each was made.  A volume is "in use" while any container record —
 * running or not — mounts it; such a volume is never removed.  Anonymous
 * volumes (`-v /path`) are removed with their container by `rm -v` and by
 * a default `volume prune`; named ones only by name or `prune -a`, as
 * docker 23+. */
#ifndef SV_ENGINE_VOLUME_H
#define SV_ENGINE_VOLUME_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct sv_engine;

struct sv_volume
{
  char *name;
  char *created;  /* RFC 3339, seconds, UTC */
  json_t *labels; /* an object of strings; owned reference */
  bool anonymous;
};

void sv_volume_free (struct sv_volume *v);
void sv_volume_list_free (struct sv_volume **v, size_t n);

/* Create the table when missing. */
int sv_volume_db_init (sqlite3 *db, struct sv_err **err);

/* Create volume NAME (NULL: a random 64-hex name) with LABELS (an object
 * of strings, may be NULL; borrowed), and its directory.  An existing name
 * is fine and left as it is (docker's create is idempotent).  *OUT (may be
 * NULL) gets the volume's record. */
int sv_volume_create (struct sv_engine *e, const char *name, json_t *labels, bool anonymous,
                      struct sv_volume **out, struct sv_err **err);

/* The volume NAME; ENOENT with docker's "get NAME: no such volume". */
int sv_volume_lookup (struct sv_engine *e, const char *name, struct sv_volume **out,
                      struct sv_err **err);

/* Every volume, by name. */
int sv_volume_list (struct sv_engine *e, struct sv_volume ***out, size_t *n, struct sv_err **err);

/* DATA/volumes/NAME/_data; owned by the caller. */
char *sv_volume_path (struct sv_engine *e, const char *name);

/* docker's inspect object of V: Name, Driver, Mountpoint, CreatedAt,
 * Labels, Options, Scope.  A new reference. */
json_t *sv_volume_json (struct sv_engine *e, const struct sv_volume *v);

/* The ids of the containers whose records mount NAME (a NULL-terminated
 * vector, NULL when none; owned by the caller), in *IDS. */
int sv_volume_users (struct sv_engine *e, const char *name, char ***ids, struct sv_err **err);

/* The names of every volume some container record mounts, in *NAMES. */
int sv_volumes_in_use (struct sv_engine *e, char ***names, struct sv_err **err);

/* Remove volume NAME and its directory.  EBUSY while a container mounts
 * it ("remove NAME: volume is in use - [ID, ...]"); ENOENT when there is
 * neither a record nor a directory. */
int sv_volume_remove (struct sv_engine *e, const char *name, struct sv_err **err);

/* Remove the volumes no container mounts: anonymous ones, or all when
 * ALL.  *REMOVED gets their names (NULL-terminated, may be NULL; owned by
 * the caller), *FREED the bytes their directories held. */
int sv_volume_prune (struct sv_engine *e, bool all, char ***removed, int64_t *freed,
                     struct sv_err **err);

/* docker's copy-up, at a container's first start (C->started_at NULL):
 * each volume mounted without VolumeOptions.NoCopy whose directory is
 * empty gets the content the image has at the mount's target, read from
 * ROOTFS (the container's mounted root) with owners, modes, times and
 * symlinks kept.  Nothing happens when the image has no directory
 * there. */
struct sv_ctr;
int sv_volume_copy_up (struct sv_engine *e, const struct sv_ctr *c, const char *rootfs,
                       struct sv_err **err);

#endif

/* Where one data root's things live.  Everything Servin writes derives
 * from the data root and the run root, so two roots on one machine never
 * see each other:
 *
 *   DATA/                       servin.db, blobs, layers (the image store)
 *   DATA/containers/ID/         upper, work, hostname, hosts, resolv.conf,
 *                               ID-json.log
 *   DATA/volumes/NAME/_data     named volumes
 *   RUN/runtime/                the OCI runtime's state (--root)
 *   RUN/containers/ID/          bundle: config.json, rootfs (the mounted
 *                               overlay), attach.sock, monitor.pid
 *
 * The run root defaults to /run/servin for /var/lib/servin, and to
 * /run/servin-KEY for any other data root, KEY being the first 12 hex
 * digits of the sha256 of the data root's absolute path.  Cgroups go under
 * "servin" (resp. "servin-KEY"), so their names never collide either. */
#ifndef SV_ENGINE_PATHS_H
#define SV_ENGINE_PATHS_H

#include "util/err.h"

struct sv_paths
{
  char *data_root;     /* absolute */
  char *run_root;      /* absolute */
  char *cgroup_parent; /* "servin" or "servin-KEY" */
};

/* DATA_ROOT must be given; RUN_ROOT may be NULL (derived). */
int sv_paths_init (struct sv_paths *p, const char *data_root, const char *run_root,
                   struct sv_err **err);
void sv_paths_free (struct sv_paths *p);

#endif

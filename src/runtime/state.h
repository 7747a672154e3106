/* Per-container state under the runtime root (--root):
 *   <root>/<id>/state.json   what `state` reports plus what later commands need
 *   <root>/<id>/config.json  the configuration the container was created with
 *   <root>/<id>/exec.fifo    present from create until start
 * state.json is written atomically (temp file + rename). */
#ifndef SV_STATE_H
#define SV_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

enum sv_status
{
  SV_STATUS_CREATING,
  SV_STATUS_CREATED,
  SV_STATUS_RUNNING,
  SV_STATUS_PAUSED,
  SV_STATUS_STOPPED,
};

struct sv_state
{
  char *id;
  char *oci_version;
  pid_t pid;
  uint64_t start_time; /* of pid, to detect pid reuse */
  char *bundle;        /* absolute */
  char *rootfs;        /* absolute */
  char *created;       /* RFC 3339 with nanoseconds, UTC */
  char *owner;
  char *cgroup_path; /* NULL when the container has no cgroup */
  bool systemd_cgroup;
  json_t *annotations; /* object, owned reference; may be NULL */
};

const char *sv_status_name (enum sv_status s);
/* Check that ID is usable as a container id and a directory name. */
int sv_state_check_id (const char *id, struct sv_err **err);
/* Write <root>/<id>/state.json atomically. */
int sv_state_save (int rootfd, const struct sv_state *st, struct sv_err **err);
/* Read <root>/<id>/state.json; ENOENT gives "container `ID` does not exist". */
int sv_state_load (int rootfd, const char *id, struct sv_state **out, struct sv_err **err);
void sv_state_free (struct sv_state *st);
/* The live status: stopped when the process is gone or its pid was reused,
 * created while exec.fifo exists, paused when the cgroup is frozen. */
enum sv_status sv_state_status (int rootfd, const struct sv_state *st);
/* The OCI state object for `state`/`list --format json`. */
json_t *sv_state_to_oci_json (const struct sv_state *st, enum sv_status status);
/* The current time in the format of sv_state.created. */
char *sv_state_now (void);

#endif

/* Container records in the data root's database.  A record holds what the
 * user asked for (CONFIG: docker's {"Config":{...},"HostConfig":{...}}
 * shape, so inspect and a later API server speak it as is) and what
 * happened (state, pids, exit code, times).  Names are unique: the
 * database refuses a second one, so two CLI processes racing for one name
 * cannot both win. */
#ifndef SV_ENGINE_CTR_DB_H
#define SV_ENGINE_CTR_DB_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct sv_ctr
{
  char *id;       /* 64 hex digits */
  char *name;     /* without docker's leading '/' */
  char *image_id; /* "sha256:..." */
  char *image;    /* as the user named it */
  json_t *config; /* {"Config":..., "HostConfig":...}; owned reference */
  char *created;  /* RFC 3339 with nanoseconds */
  char *state;    /* created, running, paused, restarting, exited, dead */
  int pid;
  int64_t pid_start; /* start time of pid (/proc/PID/stat field 22) */
  int monitor_pid;
  int exit_code;
  bool oom_killed;
  char *started_at;  /* NULL until started */
  char *finished_at; /* NULL until it exits */
  int restart_count;
  char *error; /* why it could not start, or NULL */
};

void sv_ctr_free (struct sv_ctr *c);
void sv_ctr_list_free (struct sv_ctr **v, size_t n);

/* Create the tables when missing. */
int sv_ctr_db_init (sqlite3 *db, struct sv_err **err);

/* Insert C (state "created").  A taken name fails with EEXIST and docker's
 * message: Conflict. The container name "/NAME" is already in use by
 * container "ID". */
int sv_ctr_insert (sqlite3 *db, const struct sv_ctr *c, struct sv_err **err);

/* Find by full id, unique id prefix, or name.  ENOENT: "No such container: X". */
int sv_ctr_lookup (sqlite3 *db, const char *id_or_name, struct sv_ctr **out, struct sv_err **err);

/* Every container, newest first. */
int sv_ctr_list (sqlite3 *db, struct sv_ctr ***out, size_t *n, struct sv_err **err);

/* Write back C's run-time fields (state, pids, exit code, oom, times,
 * restart count, error). */
int sv_ctr_update (sqlite3 *db, const struct sv_ctr *c, struct sv_err **err);

/* Write back C's config (network connect/disconnect). */
int sv_ctr_set_config (sqlite3 *db, const struct sv_ctr *c, struct sv_err **err);

int sv_ctr_rename (sqlite3 *db, const char *id, const char *name, struct sv_err **err);
int sv_ctr_delete (sqlite3 *db, const char *id, struct sv_err **err);

/* How many containers use image IMAGE_ID. */
int sv_ctr_count_using_image (sqlite3 *db, const char *image_id, struct sv_err **err);

#endif

/* The runtime library's face: the OCI lifecycle of one container, used
 * in-process by the servin-runtime CLI and by the engine. */
#ifndef SV_CONTAINER_H
#define SV_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/spec.h"
#include "runtime/state.h"
#include "util/err.h"

struct sv_runtime
{
  char *root; /* state directory, e.g. /run/servin-runtime */
  int rootfd; /* O_DIRECTORY fd of root */
  bool systemd_cgroup;
};

/* Create ROOT (0700) when missing and open it. */
int sv_runtime_open (struct sv_runtime *rt, const char *root, bool systemd_cgroup,
                     struct sv_err **err);
void sv_runtime_close (struct sv_runtime *rt);

enum sv_create_mode
{
  SV_CREATE,       /* create: the process waits on exec.fifo for start */
  SV_RUN,          /* run: start at once, wait for the process and return its status */
  SV_RUN_DETACHED, /* run -d: start at once and return */
};

struct sv_create_opts
{
  const char *id;
  const char *bundle;         /* default "." */
  const char *pid_file;       /* may be NULL */
  const char *console_socket; /* may be NULL */
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds; /* fds 3 .. 3+N-1 are passed to the container */
  bool keep;        /* SV_RUN: keep the container's state after it exits */
  /* Called once the container process exists (its namespaces too) and
   * while it builds its mounts, before any hook runs and before it can
   * exec: the engine configures the container's network here.  A failure
   * fails the create.  May be NULL. */
  int (*on_created) (void *data, pid_t pid, struct sv_err **err);
  void *on_created_data;
};

/* Create (and for the run modes start) the container.  With SV_RUN,
 * *status receives a shell-style exit status (128+N for signal N). */
int sv_container_create (struct sv_runtime *rt, const struct sv_create_opts *o,
                         enum sv_create_mode mode, int *status, struct sv_err **err);
int sv_container_start (struct sv_runtime *rt, const char *id, struct sv_err **err);
int sv_container_kill (struct sv_runtime *rt, const char *id, int sig, bool all,
                       struct sv_err **err);
int sv_container_delete (struct sv_runtime *rt, const char *id, bool force, struct sv_err **err);
/* The OCI state document. */
int sv_container_state (struct sv_runtime *rt, const char *id, json_t **out, struct sv_err **err);
/* Every container's OCI state, as a JSON array (for list). */
int sv_container_list (struct sv_runtime *rt, json_t **out, struct sv_err **err);
int sv_container_pause (struct sv_runtime *rt, const char *id, bool pause, struct sv_err **err);
/* Apply a linux.resources object to a live container. */
int sv_container_update (struct sv_runtime *rt, const char *id, json_t *resources,
                         struct sv_err **err);
int sv_container_pids (struct sv_runtime *rt, const char *id, pid_t **pids, size_t *n,
                       struct sv_err **err);
/* The container's saved configuration (its config.json at create time). */
int sv_container_spec (struct sv_runtime *rt, const char *id, struct sv_spec **out,
                       struct sv_err **err);

#endif

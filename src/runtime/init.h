/* The container process's side of create (internal to the runtime). */
#ifndef SV_INIT_H
#define SV_INIT_H

#include <stdbool.h>

#include "runtime/cgroup.h"
#include "runtime/spec.h"

struct sv_init_args
{
  const struct sv_spec *spec;
  const char *bundle; /* absolute */
  const char *rootfs; /* absolute */
  int syncfd;         /* the child end of the sync socketpair */
  int fifofd;         /* O_PATH of exec.fifo, or -1 (run modes) */
  int consolefd;      /* connected --console-socket, or -1 */
  int cache_dirfd;    /* the runtime root, for cached seccomp filters; or -1 */
  /* Set when the child joins its cgroup itself (sv_cgroup_join_self) instead
   * of being moved by the parent; V2_DONE when clone3 already put it in the
   * v2 directory. */
  const struct sv_cgroup *cgroup;
  bool cgroup_v2_done;
  bool no_pivot;
  bool new_keyring; /* join a fresh session keyring (runc's default) */
  const char *id;
  int preserve_fds;
  bool new_userns;
};

/* Runs in the cloned child: waits for the parent, builds the container and
 * executes the process.  Never returns; failures go to the parent as sync
 * errors. */
void sv_init_run (const struct sv_init_args *a) __attribute__ ((noreturn));

#endif

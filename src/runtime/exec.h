/* exec: a new process in a running container's namespaces and cgroup, with
 * the container's seccomp profile. */
#ifndef SV_EXEC_H
#define SV_EXEC_H

#include "runtime/container.h"

struct sv_exec_opts
{
  const char *id;
  const struct sv_process *process; /* what to run (caller-owned) */
  const char *console_socket;       /* required when process->terminal */
  const char *pid_file;
  bool detach;
  int preserve_fds;
};

/* Run the process.  Without DETACH, waits and puts its shell-style exit
 * status in *status. */
int sv_container_exec (struct sv_runtime *rt, const struct sv_exec_opts *o, int *status,
                       struct sv_err **err);

#endif

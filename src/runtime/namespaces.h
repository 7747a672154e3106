/* Creating and joining namespaces for a container process. */
#ifndef SV_NAMESPACES_H
#define SV_NAMESPACES_H

#include <sys/types.h>

#include "runtime/spec.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Namespaces to create when cloning the container process: the spec's
 * namespaces without a path, minus cgroup and time (the child unshares
 * those itself once it sits in its cgroup / has written the offsets). */
int sv_ns_clone_flags (const struct sv_spec *spec);
/* True when the spec joins at least one existing namespace by path. */
int sv_ns_has_joins (const struct sv_spec *spec);

/* Namespace fds opened before any of them is joined. */
struct sv_ns_join
{
  int fd[8];
  int flag[8];
  size_t n;
};
/* Open every path of SPEC's namespaces (user first, then the rest). */
int sv_ns_open_joins (const struct sv_spec *spec, struct sv_ns_join *j, struct sv_err **err);
/* Open the /proc/PID/ns files for every namespace in FLAGS (for exec), skipping
 * those the caller already shares with PID. */
int sv_ns_open_pid (pid_t pid, int flags, struct sv_ns_join *j, struct sv_err **err);
/* setns() into each, in order; closes the fds. */
int sv_ns_join_all (struct sv_ns_join *j, struct sv_err **err);
void sv_ns_join_close (struct sv_ns_join *j);

/* Write uid_map/gid_map of PID from the spec's mappings. */
int sv_ns_write_idmaps (const struct sv_spec *spec, pid_t pid, struct sv_err **err);
/* In the child: unshare a new time namespace and set its offsets, when the
 * spec asks for one.  The offsets apply from the next execve. */
int sv_ns_setup_time (const struct sv_spec *spec, struct sv_err **err);

/* clone3() with FLAGS (and SIGCHLD unless CLONE_PARENT); returns like fork(). */
pid_t sv_clone (int flags);
/* Like sv_clone, with the child placed in the cgroup2 directory CGROUP_FD
 * from the start (CLONE_INTO_CGROUP); -1: where the caller is. */
pid_t sv_clone_into (int flags, int cgroup_fd);

#endif

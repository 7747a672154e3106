/* The last steps of a container process, in the container: finding the
 * executable, switching user and capabilities, and execve. */
#ifndef SV_PROCESS_H
#define SV_PROCESS_H

#include "runtime/seccomp.h"
#include "runtime/spec.h"

/* Keep fds 3 .. 3+PRESERVE-1 open across execve and mark every higher fd
 * close-on-exec, so nothing but --preserve-fds reaches the process. */
int sv_process_prepare_fds (int preserve, struct sv_err **err);
/* Find args[0] like execvp with the process's own PATH (or the default
 * one), inside the current root.  ENOENT/EACCES errors say "executable
 * file `X` not found in $PATH" / "permission denied", as runc does. */
int sv_process_lookup (const struct sv_process *p, char **out, struct sv_err **err);
/* rlimits, oom_score_adj, the AppArmor profile for exec, and no_new_privs;
 * things done while still privileged. */
int sv_process_setup_privileged (const struct sv_process *p, struct sv_err **err);
/* Drop the bounding set, switch to the process's uid/gid/groups keeping
 * capabilities, then set its capability sets, chdir to cwd and set the
 * umask.  SECCOMP (may be NULL) is loaded at the point runc loads it:
 * before dropping capabilities unless noNewPrivileges is set. */
int sv_process_finalize (const struct sv_process *p, const struct sv_seccomp_bpf *seccomp,
                         bool setgroups_allowed, struct sv_err **err);
/* Load SECCOMP when sv_process_finalize left it for last (noNewPrivileges),
 * then execve PATH.  Returns only on failure. */
int sv_process_exec (const struct sv_process *p, const char *path,
                     const struct sv_seccomp_bpf *seccomp, struct sv_err **err);

#endif

/* seccomp: linux.seccomp parsed up front, compiled to BPF with libseccomp
 * before the container waits to start, and loaded as the last step before
 * execve. */
#ifndef SV_SECCOMP_H
#define SV_SECCOMP_H

#include <jansson.h>

#include "util/err.h"

struct sv_seccomp;     /* parsed linux.seccomp */
struct sv_seccomp_bpf; /* a compiled filter plus the flags to load it with */

/* Validate linux.seccomp (PATH names it): defaultAction, defaultErrnoRet,
 * architectures, flags, syscalls[].names/action/errnoRet/args (index, value,
 * valueTwo, op).  Unknown actions, architectures, ops and flags are errors
 * naming the field; an unknown syscall *name* is skipped (as runc and crun
 * do, so profiles work across kernels/libseccomp versions).  listenerPath
 * (SCMP_ACT_NOTIFY) is refused with sv_json_unsupported. */
int sv_seccomp_parse (json_t *obj, const char *path, struct sv_seccomp **out, struct sv_err **err);
void sv_seccomp_free (struct sv_seccomp *s);

/* Build the BPF program.  Allocates; no syscalls that the filter could block. */
int sv_seccomp_compile (const struct sv_seccomp *s, struct sv_seccomp_bpf **out,
                        struct sv_err **err);
/* Install the compiled filter in the calling thread (seccomp(2) with the
 * profile's flags).  Requires no_new_privs or CAP_SYS_ADMIN. */
int sv_seccomp_load (const struct sv_seccomp_bpf *bpf, struct sv_err **err);
void sv_seccomp_bpf_free (struct sv_seccomp_bpf *bpf);

#endif

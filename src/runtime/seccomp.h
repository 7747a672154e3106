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

/* Like sv_seccomp_compile, through a cache of compiled filters in the
 * directory CACHE_DIRFD (-1: no cache): compiling docker's profile takes
 * ~7 ms, loading it from the cache ~0.1 ms.  An entry is found by a hash
 * of the profile, host architecture and libseccomp version, and is used
 * only when all of them match byte for byte, so a hash collision (even a
 * crafted one) is only a miss.  A cache that cannot be read or written is
 * ignored. */
int sv_seccomp_compile_cached (const struct sv_seccomp *s, int cache_dirfd,
                               struct sv_seccomp_bpf **out, struct sv_err **err);

/* Internal to seccomp*.c: the canonical profile text, and a filter built
 * from instructions. */
const char *sv_seccomp_source (const struct sv_seccomp *s);
struct sv_seccomp_bpf *sv_seccomp_bpf_new (const void *insns, unsigned short len,
                                           unsigned int flags);
void sv_seccomp_bpf_get (const struct sv_seccomp_bpf *bpf, const void **insns, unsigned short *len,
                         unsigned int *flags);
void sv_seccomp_bpf_free (struct sv_seccomp_bpf *bpf);

#endif

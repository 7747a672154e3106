/* The parent/child synchronisation channel: a SOCK_SEQPACKET socketpair
 * carrying small typed messages.  The child end is O_CLOEXEC, so the
 * parent reads EOF exactly when the container process has exec'd (or died).
 * An error in the child travels as SV_SYNC_ERROR with its errno and text,
 * and becomes an ordinary struct sv_err in the parent. */
#ifndef SV_SYNC_H
#define SV_SYNC_H

#include <sys/types.h>

#include "util/err.h"

enum sv_sync_type
{
  SV_SYNC_ERROR = 1,
  SV_SYNC_PID,        /* joiner -> parent: payload is the container's pid */
  SV_SYNC_GO,         /* parent -> child: ids mapped, cgroup made (payload: its path) */
  SV_SYNC_JOINED,     /* parent -> child: the child is in its cgroup */
  SV_SYNC_MOUNTED,    /* child -> parent: mounts done, run createRuntime hooks */
  SV_SYNC_HOOKS_DONE, /* parent -> child */
  SV_SYNC_READY,      /* child -> parent: ready to exec, waiting for start */
  SV_SYNC_START,      /* parent -> child (run without a fifo) */
};

int sv_sync_pair (int fds[2], struct sv_err **err);
/* Send a message with an optional payload (at most 4000 bytes). */
int sv_sync_send (int fd, enum sv_sync_type type, int code, const void *data, size_t len,
                  struct sv_err **err);
/* Send ERR to the other side (best effort; for the child's failure path). */
void sv_sync_send_err (int fd, const struct sv_err *err);
/* Wait for a message of type WANT.  An SV_SYNC_ERROR message becomes *err
 * with the child's errno and text; EOF becomes "container process exited
 * before DOING".  PAYLOAD (may be NULL) receives up to *LEN bytes. */
int sv_sync_expect (int fd, enum sv_sync_type want, void *payload, size_t *len, const char *doing,
                    struct sv_err **err);
/* Returns 1 on EOF (the child exec'd), 0 when a message arrived (which
 * must be an error: it is turned into *err and -1 returned). */
int sv_sync_wait_exec (int fd, struct sv_err **err);
#endif

/* Passing a file descriptor over a unix socket (SCM_RIGHTS), with a small
 * payload beside it (runc's console protocol sends the pty's name). */
#ifndef SV_FDPASS_H
#define SV_FDPASS_H

#include <stddef.h>

#include "err.h"

/* Send FD with LEN bytes of DATA (LEN >= 1: a message needs a byte). */
int sv_fd_send (int sock, int fd, const void *data, size_t len, struct sv_err **err);
/* Receive a descriptor (O_CLOEXEC) into *fd; the payload is discarded. */
int sv_fd_recv (int sock, int *fd, struct sv_err **err);

#endif

/* The attach protocol between a CLI and a container's monitor, over a unix
 * stream socket.  The client's first message is one line:
 *   "attach FLAGS\n"  FLAGS = SV_ATTACH_* as decimal
 *   "wait\n"          only the exit frame is wanted
 * then both sides exchange frames: [type u8][length u32 big-endian][data]
 * (types in engine.h).  Frames are at most SV_FRAME_MAX bytes of data. */
#ifndef SV_ENGINE_FRAME_H
#define SV_ENGINE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define SV_FRAME_MAX 65536

/* Write one frame (blocking, EINTR-safe); < 0 with errno on failure. */
int sv_frame_write (int fd, int type, const void *data, size_t len);

/* Read one frame into BUF (SV_FRAME_MAX bytes); returns 1 with *TYPE and
 * *LEN set, 0 at EOF, < 0 with errno on failure or a malformed frame. */
int sv_frame_read (int fd, int *type, char *buf, size_t *len);

#endif

#include "fdpass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int
sv_fd_send (int sock, int fd, const void *data, size_t len, struct sv_err **err)
{
  char cbuf[CMSG_SPACE (sizeof (int))];
  memset (cbuf, 0, sizeof cbuf);
  struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
  struct msghdr mh
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c = CMSG_FIRSTHDR (&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof (int));
  ssize_t r;
  do
    r = sendmsg (sock, &mh, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return sv_err_errno (err, "send a file descriptor");
  return 0;
}

int
sv_fd_recv (int sock, int *fd, struct sv_err **err)
{
  char payload[256];
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = payload, .iov_len = sizeof payload };
  struct msghdr mh
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  ssize_t r;
  do
    r = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return sv_err_errno (err, "receive a file descriptor");
  struct cmsghdr *c = r > 0 ? CMSG_FIRSTHDR (&mh) : NULL;
  if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
    return sv_err_make (err, EPROTO, "no file descriptor received");
  memcpy (fd, CMSG_DATA (c), sizeof (int));
  return 0;
}

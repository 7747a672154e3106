#include "engine/frame.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

int
sv_frame_write (int fd, int type, const void *data, size_t len)
{
  if (len > SV_FRAME_MAX)
    return errno = EMSGSIZE, -1;
  unsigned char hdr[5]
      = { (unsigned char)type, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
          (unsigned char)(len >> 8), (unsigned char)len };
  struct iovec iov[2] = { { hdr, sizeof hdr }, { (void *)data, len } };
  size_t total = sizeof hdr + len, done = 0;
  while (done < total)
    {
      ssize_t n = writev (fd, iov, 2);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      done += (size_t)n;
      for (int i = 0; i < 2 && n > 0; i++)
        {
          size_t take = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;
          iov[i].iov_base = (char *)iov[i].iov_base + take;
          iov[i].iov_len -= take;
          n -= (ssize_t)take;
        }
    }
  return 0;
}

static int
read_full (int fd, void *buf, size_t len)
{
  size_t got = 0;
  while (got < len)
    {
      ssize_t n = read (fd, (char *)buf + got, len - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      if (n == 0)
        return got == 0 ? 0 : (errno = EPROTO, -1);
      got += (size_t)n;
    }
  return 1;
}

int
sv_frame_read (int fd, int *type, char *buf, size_t *len)
{
  unsigned char hdr[5];
  int r = read_full (fd, hdr, sizeof hdr);
  if (r <= 0)
    return r;
  size_t n = ((size_t)hdr[1] << 24) | ((size_t)hdr[2] << 16) | ((size_t)hdr[3] << 8) | hdr[4];
  if (n > SV_FRAME_MAX)
    return errno = EPROTO, -1;
  if (n > 0 && read_full (fd, buf, n) <= 0)
    return errno = EPROTO, -1;
  *type = hdr[0];
  *len = n;
  return 1;
}

#include "runtime/sync.h"
#include "util/cleanup.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct msg
{
  int type;
  int code;
  char data[4000];
};

int
sv_sync_pair (int fds[2], struct sv_err **err)
{
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return sv_err_errno (err, "socketpair");
  return 0;
}

static int msg_to_err (const struct msg *m, ssize_t r, struct sv_err **err);

/* The other side went away: report the error it left behind, if any. */
static int
peer_error (int fd, struct sv_err **err)
{
  struct msg m;
  ssize_t r;
  while ((r = recv (fd, &m, sizeof m, MSG_DONTWAIT)) > 0)
    if ((size_t)r >= offsetof (struct msg, data) && m.type == SV_SYNC_ERROR)
      return msg_to_err (&m, r, err);
  return sv_err_make (err, EPIPE, "the container process exited during setup");
}

int
sv_sync_send (int fd, enum sv_sync_type type, int code, const void *data, size_t len,
              struct sv_err **err)
{
  struct msg m = { .type = type, .code = code };
  if (len > sizeof m.data)
    len = sizeof m.data;
  if (len)
    memcpy (m.data, data, len);
  ssize_t w;
  do
    w = send (fd, &m, offsetof (struct msg, data) + len, MSG_NOSIGNAL);
  while (w < 0 && errno == EINTR);
  if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
    return peer_error (fd, err);
  if (w < 0)
    return sv_err_errno (err, "sync send");
  return 0;
}

void
sv_sync_send_err (int fd, const struct sv_err *err)
{
  const char *msg = err && err->msg ? err->msg : "unknown error";
  (void)sv_sync_send (fd, SV_SYNC_ERROR, err ? err->code : 0, msg, strlen (msg) + 1, NULL);
}

static ssize_t
recv_msg (int fd, struct msg *m)
{
  ssize_t r;
  do
    r = recv (fd, m, sizeof *m, 0);
  while (r < 0 && errno == EINTR);
  return r;
}

static int
msg_to_err (const struct msg *m, ssize_t r, struct sv_err **err)
{
  size_t len = (size_t)r - offsetof (struct msg, data);
  return sv_err_make (err, m->code, "%.*s", (int)len, m->data);
}

static int
expect (int fd, enum sv_sync_type want, struct msg *m, ssize_t *r, const char *doing,
        struct sv_err **err)
{
  *r = recv_msg (fd, m);
  if (*r < 0)
    return sv_err_errno (err, "sync receive while %s", doing);
  if (*r == 0 || (size_t)*r < offsetof (struct msg, data))
    return sv_err_make (err, EPIPE, "container process exited before %s", doing);
  if (m->type == SV_SYNC_ERROR)
    return msg_to_err (m, *r, err);
  if (m->type != (int)want)
    return sv_err_make (err, EPROTO, "unexpected sync message %d while %s", m->type, doing);
  return 0;
}

int
sv_sync_expect (int fd, enum sv_sync_type want, void *payload, size_t *len, const char *doing,
                struct sv_err **err)
{
  struct msg m;
  ssize_t r;
  if (expect (fd, want, &m, &r, doing, err) < 0)
    return -1;
  if (payload && len)
    {
      size_t got = (size_t)r - offsetof (struct msg, data);
      if (got > *len)
        got = *len;
      memcpy (payload, m.data, got);
      *len = got;
    }
  return 0;
}

int
sv_sync_wait_exec (int fd, struct sv_err **err)
{
  struct msg m;
  ssize_t r = recv_msg (fd, &m);
  if (r < 0)
    return sv_err_errno (err, "sync receive");
  if (r == 0)
    return 1;
  if (m.type == SV_SYNC_ERROR)
    return msg_to_err (&m, r, err);
  return sv_err_make (err, EPROTO, "unexpected sync message %d", m.type);
}

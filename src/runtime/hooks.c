#include "runtime/hooks.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void __attribute__ ((noreturn)) hook_child (const struct sv_hook *h, int in, int out)
{
  dup2 (in, 0);
  dup2 (out, 1);
  dup2 (out, 2);
  char *empty[] = { NULL };
  char *argv0[] = { h->path, NULL };
  execve (h->path, h->args ? h->args : argv0, h->env ? h->env : empty);
  _exit (127);
}

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Collect the hook's output (keeping the tail) until it closes, or until
 * DEADLINE; returns 1 on timeout. */
static int
drain (int fd, int64_t deadline, char *tail, size_t cap)
{
  size_t len = 0;
  for (;;)
    {
      int timeout = -1;
      if (deadline)
        {
          int64_t left = deadline - now_ms ();
          if (left <= 0)
            return 1;
          timeout = (int)left;
        }
      struct pollfd p = { .fd = fd, .events = POLLIN };
      int r = poll (&p, 1, timeout);
      if (r < 0 && errno == EINTR)
        continue;
      if (r == 0)
        return 1;
      char buf[1024];
      ssize_t n = read (fd, buf, sizeof buf);
      if (n <= 0)
        break;
      for (ssize_t i = 0; i < n; i++)
        {
          if (len == cap - 1)
            {
              memmove (tail, tail + 1, cap - 2);
              len--;
            }
          tail[len++] = buf[i];
        }
    }
  tail[len] = '\0';
  return 0;
}

static int
run_one (const struct sv_hook *h, const char *name, const char *state, struct sv_err **err)
{
  int in[2], out[2];
  /* stdin is a socket so the state can be sent with MSG_NOSIGNAL: a hook
   * that exits without reading it must not kill us with SIGPIPE. */
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
    return sv_err_errno (err, "socketpair");
  if (pipe2 (out, O_CLOEXEC) < 0)
    {
      close (in[0]);
      close (in[1]);
      return sv_err_errno (err, "pipe");
    }
  pid_t pid = fork ();
  if (pid < 0)
    {
      int ret = sv_err_errno (err, "fork %s hook", name);
      close (in[0]);
      close (in[1]);
      close (out[0]);
      close (out[1]);
      return ret;
    }
  if (pid == 0)
    hook_child (h, in[1], out[1]);
  close (in[1]);
  close (out[1]);
  /* The state is small (< socket buffer); a hook that does not read it
   * must not block us. */
  (void)send (in[0], state, strlen (state), MSG_NOSIGNAL | MSG_DONTWAIT);
  close (in[0]);
  char tail[512];
  int64_t deadline = h->timeout > 0 ? now_ms () + (int64_t)h->timeout * 1000 : 0;
  int timed_out = drain (out[0], deadline, tail, sizeof tail);
  close (out[0]);
  if (timed_out)
    kill (pid, SIGKILL);
  int status;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (timed_out)
    return sv_err_make (err, ETIMEDOUT, "%s hook `%s` timed out after %d s", name, h->path,
                        h->timeout);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFSIGNALED (status))
    return sv_err_make (err, 0, "%s hook `%s` killed by signal %d: %s", name, h->path,
                        WTERMSIG (status), tail);
  return sv_err_make (err, 0, "%s hook `%s` exited with status %d%s%s", name, h->path,
                      WEXITSTATUS (status), *tail ? ": " : "", tail);
}

int
sv_hooks_run (const struct sv_hook_list *list, const char *name, const char *state_json,
              struct sv_err **err)
{
  for (size_t i = 0; i < list->n; i++)
    if (run_one (&list->v[i], name, state_json, err) < 0)
      return -1;
  return 0;
}

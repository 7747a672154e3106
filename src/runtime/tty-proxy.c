#include "runtime/tty-proxy.h"
#include "util/cleanup.h"
#include "util/fdpass.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void
copy_size (int from, int to)
{
  struct winsize ws;
  if (ioctl (from, TIOCGWINSZ, &ws) == 0)
    (void)ioctl (to, TIOCSWINSZ, &ws);
}

int
sv_tty_recv_master (int sockfd, int *master, struct sv_err **err)
{
  if (sv_fd_recv (sockfd, master, err) < 0)
    return sv_err_wrap (err, "receive the container's terminal");
  copy_size (0, *master);
  return 0;
}

/* Move what is readable on IN to OUT; returns 0 at EOF or error. */
static int
pump (int in, int out)
{
  char buf[8192];
  ssize_t n = read (in, buf, sizeof buf);
  if (n <= 0)
    return n < 0 && (errno == EINTR || errno == EAGAIN) ? 1 : 0;
  for (ssize_t off = 0; off < n;)
    {
      ssize_t w = write (out, buf + off, n - off);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return 0;
      off += w;
    }
  return 1;
}

static int
relay (int master, int pidfd, int sigfd)
{
  struct pollfd p[4] = {
    { .fd = 0, .events = POLLIN },
    { .fd = master, .events = POLLIN },
    { .fd = pidfd, .events = POLLIN },
    { .fd = sigfd, .events = POLLIN },
  };
  for (;;)
    {
      if (poll (p, 4, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      if (p[1].revents & (POLLIN | POLLHUP | POLLERR) && !pump (master, 1))
        return 0; /* the pty closed: every holder of the slave is gone */
      if (p[0].revents & (POLLIN | POLLHUP) && !pump (0, master))
        p[0].fd = -1; /* stdin ended: stop reading it, keep relaying output */
      if (p[3].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          (void)!read (sigfd, &si, sizeof si);
          copy_size (0, master);
        }
      if (p[2].revents & POLLIN)
        {
          while (pump (master, 1) > 0 && poll (&p[1], 1, 0) > 0)
            ;
          return 0;
        }
    }
}

int
sv_tty_proxy (int master, pid_t pid, int *wstatus, struct sv_err **err)
{
  _cleanup_close_ int pidfd = (int)syscall (SYS_pidfd_open, pid, 0);
  if (pidfd < 0)
    return sv_err_errno (err, "pidfd_open");
  sigset_t mask;
  sigemptyset (&mask);
  sigaddset (&mask, SIGWINCH);
  sigprocmask (SIG_BLOCK, &mask, NULL);
  _cleanup_close_ int sigfd = signalfd (-1, &mask, SFD_CLOEXEC);
  struct termios saved;
  bool raw = tcgetattr (0, &saved) == 0;
  if (raw)
    {
      struct termios t = saved;
      cfmakeraw (&t);
      (void)tcsetattr (0, TCSANOW, &t);
      copy_size (0, master);
    }
  relay (master, pidfd, sigfd);
  if (raw)
    (void)tcsetattr (0, TCSANOW, &saved);
  while (waitpid (pid, wstatus, 0) < 0)
    if (errno != EINTR)
      return sv_err_errno (err, "wait for the container");
  return 0;
}

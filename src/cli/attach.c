/* The client side of attaching: this process's stdio relayed to and from a
 * container's monitor (see engine/frame.h). */
#include "cli/run.h"
#include "engine/frame.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

static void
send_size (int fd)
{
  struct winsize ws;
  if (ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
    return;
  char buf[32];
  int n = snprintf (buf, sizeof buf, "%u %u", ws.ws_row, ws.ws_col);
  sv_frame_write (fd, SV_FRAME_RESIZE, buf, (size_t)n);
}

/* One frame from the monitor; returns 1 and *CODE on the exit frame. */
static int
from_monitor (int fd, int *code)
{
  static char buf[SV_FRAME_MAX + 1];
  int type;
  size_t len;
  int r = sv_frame_read (fd, &type, buf, &len);
  if (r <= 0)
    return -1;
  if (type == SV_FRAME_STDOUT)
    sv_write_all (STDOUT_FILENO, buf, len);
  else if (type == SV_FRAME_STDERR)
    sv_write_all (STDERR_FILENO, buf, len);
  else if (type == SV_FRAME_EXIT)
    {
      buf[len] = '\0';
      *code = atoi (buf);
      return 1;
    }
  return 0;
}

static void
proxy_signal (int sigfd, int fd, pid_t pid, bool tty)
{
  struct signalfd_siginfo si;
  while (read (sigfd, &si, sizeof si) == sizeof si)
    {
      if (si.ssi_signo == SIGWINCH)
        {
          if (tty)
            send_size (fd);
        }
      else if (pid > 0)
        kill (pid, (int)si.ssi_signo);
    }
}

static int
relay (int fd, bool stdin_on, bool tty, pid_t pid, int sigfd, int *code)
{
  static char buf[SV_FRAME_MAX];
  bool in_open = stdin_on;
  for (;;)
    {
      struct pollfd p[3] = {
        { .fd = fd, .events = POLLIN },
        { .fd = sigfd, .events = POLLIN },
        { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
      };
      if (poll (p, 3, -1) < 0 && errno != EINTR)
        return -1;
      if (p[1].revents)
        proxy_signal (sigfd, fd, pid, tty);
      if (p[2].revents)
        {
          ssize_t n = read (STDIN_FILENO, buf, sizeof buf);
          if (n > 0)
            sv_frame_write (fd, SV_FRAME_STDIN, buf, (size_t)n);
          else if (n == 0 || errno != EINTR)
            {
              in_open = false;
              sv_frame_write (fd, SV_FRAME_CLOSE_STDIN, NULL, 0);
            }
        }
      if (p[0].revents)
        {
          int r = from_monitor (fd, code);
          if (r != 0)
            return r;
        }
    }
}

int
cli_attach_stream (int fd, bool stdin_on, bool tty, pid_t pid, struct sv_err **err)
{
  sigset_t set, old;
  sigemptyset (&set);
  int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    if (!tty || sigs[i] == SIGWINCH || sigs[i] == SIGTERM || sigs[i] == SIGHUP)
      sigaddset (&set, sigs[i]);
  sigprocmask (SIG_BLOCK, &set, &old);
  _cleanup_close_ int sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  struct termios saved;
  bool raw = tty && stdin_on && isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved) == 0;
  if (raw)
    {
      struct termios t = saved;
      cfmakeraw (&t);
      tcsetattr (STDIN_FILENO, TCSANOW, &t);
    }
  if (tty)
    send_size (fd);
  int code = 0;
  int r = relay (fd, stdin_on, tty, pid, sigfd, &code);
  if (raw)
    tcsetattr (STDIN_FILENO, TCSANOW, &saved);
  sigprocmask (SIG_SETMASK, &old, NULL);
  if (r < 0)
    return sv_err_make_plain (err, EPIPE, "lost the connection to the container's monitor");
  return code;
}

#include "runtime/console.h"
#include "util/cleanup.h"
#include "util/fdpass.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int
sv_console_connect (const char *path, struct sv_err **err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof addr.sun_path)
    return sv_err_make (err, ENAMETOOLONG, "console socket path `%s` is too long", path);
  strcpy (addr.sun_path, path);
  _cleanup_close_ int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return sv_err_errno (err, "socket");
  if (connect (fd, (struct sockaddr *)&addr, sizeof addr) < 0)
    return sv_err_errno (err, "connect to console socket `%s`", path);
  return TAKE_FD (&fd);
}

int
sv_console_setup (const struct sv_process *p, int sockfd, int *master_out, struct sv_err **err)
{
  _cleanup_close_ int master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return sv_err_errno (err, "open /dev/ptmx");
  if (unlockpt (master) < 0)
    return sv_err_errno (err, "unlockpt");
  _cleanup_close_ int slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return sv_err_errno (err, "open the pty peer");
  if (p->has_console_size)
    {
      struct winsize ws = { .ws_row = p->console_height, .ws_col = p->console_width };
      (void)ioctl (slave, TIOCSWINSZ, &ws);
    }
  char name[64] = "/dev/ptmx";
  (void)ptsname_r (master, name, sizeof name);
  if (sockfd >= 0 && sv_fd_send (sockfd, master, name, strlen (name), err) < 0)
    return -1;
  if (setsid () < 0)
    return sv_err_errno (err, "setsid");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return sv_err_errno (err, "set the controlling terminal");
  for (int i = 0; i < 3; i++)
    if (dup2 (slave, i) < 0)
      return sv_err_errno (err, "dup2 the terminal");
  if (master_out)
    *master_out = TAKE_FD (&master);
  return 0;
}

#include "runtime/cloned-binary.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern char **environ;

static const int required_seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
static const char guard_env[] = "_SERVIN_CLONED_BINARY";

static int
is_cloned (int fd)
{
  int seals = fcntl (fd, F_GET_SEALS);
  return seals >= 0 && (seals & required_seals) == required_seals;
}

static int
make_copy (int exe, struct sv_err **err)
{
  struct stat st;
  if (fstat (exe, &st) < 0)
    return sv_err_errno (err, "stat /proc/self/exe");
  int fd = memfd_create ("servin-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL)
    fd = memfd_create ("servin-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    return sv_err_errno (err, "memfd_create");
  _cleanup_close_ int copy = fd;
  off_t off = 0;
  while (off < st.st_size)
    {
      ssize_t n = sendfile (copy, exe, &off, st.st_size - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return sv_err_errno (err, "copy the runtime binary");
    }
  /* Sealing against writes fails with EBUSY while the kernel still holds
   * references to pages sendfile just filled (seen under load): retry. */
  int r;
  for (int tries = 0;
       (r = fcntl (copy, F_ADD_SEALS, required_seals)) < 0 && errno == EBUSY && tries < 50; tries++)
    usleep (1000);
  if (r < 0)
    return sv_err_errno (err, "seal the runtime copy");
  return TAKE_FD (&copy);
}

int
sv_cloned_binary_ensure (char **argv, struct sv_err **err)
{
  _cleanup_close_ int exe = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0)
    return sv_err_errno (err, "open /proc/self/exe");
  if (is_cloned (exe))
    {
      unsetenv (guard_env);
      return 0;
    }
  if (getenv (guard_env))
    return sv_err_make (err, EPERM, "re-executed from a memfd, but it is not sealed");
  _cleanup_close_ int copy = make_copy (exe, err);
  if (copy < 0)
    return copy;
  setenv (guard_env, "1", 1);
  syscall (SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
  int saved = errno;
  unsetenv (guard_env);
  errno = saved;
  return sv_err_errno (err, "re-execute the runtime from a sealed copy");
}

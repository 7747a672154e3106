#include "proc.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
sv_proc_stat (pid_t pid, uint64_t *start_time, char *state, struct sv_err **err)
{
  char path[64], buf[1024];
  snprintf (path, sizeof path, "/proc/%d/stat", (int)pid);
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open `%s`", path);
  ssize_t n = read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return sv_err_errno (err, "read `%s`", path);
  buf[n] = '\0';
  /* comm may hold spaces and parentheses: fields start after the last ')'. */
  char *p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    return sv_err_make (err, EINVAL, "parse `%s`", path);
  p += 2;
  char st = *p;
  /* state is field 3; starttime is field 22, i.e. 19 fields after state. */
  for (int field = 3; field < 22 && p; field++)
    {
      p = strchr (p, ' ');
      if (p)
        p++;
    }
  if (p == NULL)
    return sv_err_make (err, EINVAL, "parse `%s`", path);
  if (start_time)
    *start_time = strtoull (p, NULL, 10);
  if (state)
    *state = st;
  return 0;
}

bool
sv_proc_is_alive (pid_t pid, uint64_t start_time)
{
  uint64_t t;
  char st;
  if (pid <= 0 || sv_proc_stat (pid, &t, &st, NULL) < 0)
    return false;
  return t == start_time && st != 'Z' && st != 'X';
}

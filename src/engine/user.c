#include "engine/user.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
parse_id (const char *s, unsigned long *out)
{
  char *end;
  if (*s == '\0' || *s == '-')
    return false;
  errno = 0;
  unsigned long v = strtoul (s, &end, 10);
  if (errno || *end || v > UINT_MAX - 1)
    return false;
  *out = v;
  return true;
}

/* Find in the colon-separated database FILE (inside ROOTFD) the line whose
 * first field is NAME (or, when BY_ID, whose third field is ID); copy
 * fields 3 and 4 into ID3/ID4.  Returns 1 when found, 0 when not. */
static int
db_find (int rootfd, const char *file, const char *name, unsigned long id, bool by_id,
         unsigned long *id3, unsigned long *id4)
{
  int fd = sv_open_in_root (rootfd, file, O_RDONLY, 0, NULL);
  if (fd < 0)
    return 0;
  _cleanup_fclose_ FILE *f = fdopen (fd, "re");
  if (f == NULL)
    return close (fd), 0;
  _cleanup_free_ char *line = NULL;
  size_t cap = 0;
  while (getline (&line, &cap, f) > 0)
    {
      char *save = NULL;
      char *f1 = strtok_r (line, ":\n", &save);
      char *f2 = strtok_r (NULL, ":\n", &save);
      char *f3 = strtok_r (NULL, ":\n", &save);
      char *f4 = strtok_r (NULL, ":\n", &save);
      unsigned long a = 0, b = 0;
      if (f1 == NULL || f2 == NULL || f3 == NULL || !parse_id (f3, &a))
        continue;
      if (f4)
        parse_id (f4, &b);
      if (by_id ? a == id : strcmp (f1, name) == 0)
        {
          *id3 = a;
          *id4 = b;
          return 1;
        }
    }
  return 0;
}

int
sv_resolve_user (int rootfd, const char *spec, uid_t *uid, gid_t *gid, struct sv_err **err)
{
  _cleanup_free_ char *user = xstrdup (spec && *spec ? spec : "0");
  char *group = strchr (user, ':');
  if (group)
    *group++ = '\0';
  unsigned long u = 0, g = 0, x;
  if (parse_id (user, &u))
    {
      if (!db_find (rootfd, "/etc/passwd", NULL, u, true, &x, &g))
        g = 0;
    }
  else if (!db_find (rootfd, "/etc/passwd", user, 0, false, &u, &g))
    return sv_err_make (err, ENOENT, "unable to find user %s: no matching entries in passwd file",
                        user);
  if (group && !parse_id (group, &g) && !db_find (rootfd, "/etc/group", group, 0, false, &g, &x))
    return sv_err_make (err, ENOENT, "unable to find group %s: no matching entries in group file",
                        group);
  *uid = (uid_t)u;
  *gid = (gid_t)g;
  return 0;
}

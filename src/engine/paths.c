#include "engine/paths.h"
#include "image/digest.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DATA_ROOT "/var/lib/servin"

int
sv_paths_init (struct sv_paths *p, const char *data_root, const char *run_root, struct sv_err **err)
{
  memset (p, 0, sizeof *p);
  if (sv_mkdir_p_at (AT_FDCWD, data_root, 0700, err) < 0)
    return sv_err_wrap (err, "data root");
  char abs[PATH_MAX];
  if (realpath (data_root, abs) == NULL)
    return sv_err_errno (err, "data root `%s`", data_root);
  p->data_root = xstrdup (abs);
  if (strcmp (abs, DEFAULT_DATA_ROOT) == 0)
    {
      p->cgroup_parent = xstrdup ("servin");
    }
  else
    {
      _cleanup_free_ char *d = NULL;
      if (sv_digest_buffer (SV_DIGEST_SHA256, abs, strlen (abs), &d, err) < 0)
        return -1;
      p->cgroup_parent = xasprintf ("servin-%.12s", d + 7);
    }
  if (run_root && *run_root)
    {
      if (sv_mkdir_p_at (AT_FDCWD, run_root, 0700, err) < 0 || realpath (run_root, abs) == NULL)
        return sv_err_errno (err, "run root `%s`", run_root);
      p->run_root = xstrdup (abs);
    }
  else
    p->run_root = xasprintf ("/run/%s", p->cgroup_parent);
  return 0;
}

void
sv_paths_free (struct sv_paths *p)
{
  free (p->data_root);
  free (p->run_root);
  free (p->cgroup_parent);
  memset (p, 0, sizeof *p);
}

#include "cli/rt.h"

static const struct option delete_opts[] = {
  { "force", no_argument, NULL, 'f' },
  { 0 },
};

int
rt_delete (struct rt_globals *g, int argc, char **argv, struct sv_err **err)
{
  bool force = false;
  int c, next;
  while ((c = rt_getopt (argc, argv, "delete", delete_opts, &next, err)) != -1)
    {
      if (c == -2)
        return 1;
      if (c == 'f')
        force = true;
    }
  if (rt_operands (argc, argv, next, 1, "delete", "[--force] ID", err) < 0)
    return 1;
  struct sv_runtime rt;
  if (rt_open (g, &rt, err) < 0)
    return 1;
  int ret = sv_container_delete (&rt, argv[next], force, err);
  sv_runtime_close (&rt);
  return ret < 0 ? 1 : 0;
}

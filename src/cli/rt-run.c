#include "cli/rt.h"

int
rt_run (struct rt_globals *g, int argc, char **argv, struct sv_err **err)
{
  struct sv_create_opts o = { 0 };
  bool detach = false;
  if (rt_parse_create (argc, argv, "run", true, &o, &detach, err) < 0)
    return 1;
  struct sv_runtime rt;
  if (rt_open (g, &rt, err) < 0)
    return 1;
  int status = 0;
  int ret = sv_container_create (&rt, &o, detach ? SV_RUN_DETACHED : SV_RUN, &status, err);
  sv_runtime_close (&rt);
  if (ret < 0)
    return 1;
  return status;
}

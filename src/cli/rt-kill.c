#include "cli/rt.h"
#include "runtime/signals.h"

#include <errno.h>
#include <signal.h>

static const struct option kill_opts[] = {
  { "all", no_argument, NULL, 'a' },
  { 0 },
};

int
rt_kill (struct rt_globals *g, int argc, char **argv, struct sv_err **err)
{
  bool all = false;
  int c, next;
  while ((c = rt_getopt (argc, argv, "kill", kill_opts, &next, err)) != -1)
    {
      if (c == -2)
        return 1;
      if (c == 'a')
        all = true;
    }
  int sig = SIGTERM;
  if (argc - next == 2)
    {
      sig = sv_signal_parse (argv[next + 1]);
      if (sig < 0)
        return sv_err_make (err, EINVAL, "kill: invalid signal `%s`", argv[next + 1]), 1;
    }
  else if (rt_operands (argc, argv, next, 1, "kill", "[--all] ID [SIGNAL]", err) < 0)
    return 1;
  struct sv_runtime rt;
  if (rt_open (g, &rt, err) < 0)
    return 1;
  int ret = sv_container_kill (&rt, argv[next], sig, all, err);
  sv_runtime_close (&rt);
  return ret < 0 ? 1 : 0;
}

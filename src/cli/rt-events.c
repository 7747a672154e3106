/* events --stats ID: one JSON stats document from the container's cgroup,
 * in runc's shape (containerd's shim reads it for metrics). */
#include "cli/rt.h"
#include "runtime/cgroup.h"
#include "runtime/state.h"

#include <errno.h>

static const struct option events_opts[] = {
  { "stats", no_argument, NULL, 's' },
  { "interval", required_argument, NULL, 'i' },
  { 0 },
};

static int
stats_json (struct sv_runtime *rt, const char *id, json_t **out, struct sv_err **err)
{
  struct sv_state *st = NULL;
  if (sv_state_load (rt->rootfd, id, &st, err) < 0)
    return -1;
  struct sv_cgroup *cg = NULL;
  struct sv_cgroup_stats s = { 0 };
  int ret = st->cgroup_path ? sv_cgroup_open (st->cgroup_path, &cg, err)
                            : sv_err_make (err, ENOTSUP, "container `%s` has no cgroup", id);
  if (ret == 0)
    ret = sv_cgroup_stats (cg, &s, err);
  if (ret == 0)
    *out = json_pack ("{s:s,s:s,s:{s:{s:{s:I}},s:{s:{s:I,s:I,s:I}},s:{s:I,s:I}}}", "type", "stats",
                      "id", id, "data", "cpu", "usage", "total", (json_int_t)s.cpu_usage_ns,
                      "memory", "usage", "usage", (json_int_t)s.memory_usage, "limit",
                      (json_int_t)s.memory_limit, "max", (json_int_t)s.memory_max_usage, "pids",
                      "current", (json_int_t)s.pids_current, "limit", (json_int_t)s.pids_limit);
  if (cg)
    sv_cgroup_free (cg);
  sv_state_free (st);
  return ret;
}

int
rt_events (struct rt_globals *g, int argc, char **argv, struct sv_err **err)
{
  bool stats = false;
  int c, next;
  while ((c = rt_getopt (argc, argv, "events", events_opts, &next, err)) != -1)
    {
      if (c == -2)
        return 1;
      if (c == 's')
        stats = true;
    }
  if (rt_operands (argc, argv, next, 1, "events", "--stats ID", err) < 0)
    return 1;
  if (!stats)
    return sv_err_make (err, ENOTSUP, "events: only --stats is supported"), 1;
  struct sv_runtime rt;
  if (rt_open (g, &rt, err) < 0)
    return 1;
  json_t *j = NULL;
  int ret = stats_json (&rt, argv[next], &j, err);
  sv_runtime_close (&rt);
  if (ret < 0)
    return 1;
  rt_print_json (j, false);
  json_decref (j);
  return 0;
}

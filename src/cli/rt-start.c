#include "cli/rt.h"

static const struct option start_opts[] = { { 0 } };

/* Shared by the commands that take only an id: parse no flags, one operand. */
static int
only_id (int argc, char **argv, const char *cmd, const char **id, struct sv_err **err)
{
  int c, next;
  while ((c = rt_getopt (argc, argv, cmd, start_opts, &next, err)) != -1)
    if (c == -2)
      return -1;
  if (rt_operands (argc, argv, next, 1, cmd, "ID", err) < 0)
    return -1;
  *id = argv[next];
  return 0;
}

int
rt_start (struct rt_globals *g, int argc, char **argv, struct sv_err **err)
{
  const char *id;
  struct sv_runtime rt;
  if (only_id (argc, argv, "start", &id, err) < 0 || rt_open (g, &rt, err) < 0)
    return 1;
  int ret = sv_container_start (&rt, id, err);
  sv_runtime_close (&rt);
  return ret < 0 ? 1 : 0;
}

int
rt_state (struct rt_globals *g, int argc, char **argv, struct sv_err **err)
{
  const char *id;
  struct sv_runtime rt;
  if (only_id (argc, argv, "state", &id, err) < 0 || rt_open (g, &rt, err) < 0)
    return 1;
  json_t *j = NULL;
  int ret = sv_container_state (&rt, id, &j, err);
  sv_runtime_close (&rt);
  if (ret < 0)
    return 1;
  rt_print_json (j, true);
  json_decref (j);
  return 0;
}

static int
pause_resume (struct rt_globals *g, int argc, char **argv, bool pause, struct sv_err **err)
{
  const char *id;
  struct sv_runtime rt;
  if (only_id (argc, argv, pause ? "pause" : "resume", &id, err) < 0 || rt_open (g, &rt, err) < 0)
    return 1;
  int ret = sv_container_pause (&rt, id, pause, err);
  sv_runtime_close (&rt);
  return ret < 0 ? 1 : 0;
}

int
rt_pause (struct rt_globals *g, int argc, char **argv, struct sv_err **err)
{
  return pause_resume (g, argc, argv, true, err);
}

int
rt_resume (struct rt_globals *g, int argc, char **argv, struct sv_err **err)
{
  return pause_resume (g, argc, argv, false, err);
}

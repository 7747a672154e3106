#include "cli/rt.h"

#include <errno.h>
#include <string.h>

enum
{
  OPT_BUNDLE = 256,
  OPT_PID_FILE,
  OPT_CONSOLE_SOCKET,
  OPT_NO_PIVOT,
  OPT_NO_NEW_KEYRING,
  OPT_PRESERVE_FDS,
  OPT_KEEP,
  OPT_NO_SUBREAPER,
};

/* The flags create and run share. */
#define CREATE_OPTS                                                                                \
  { "bundle", required_argument, NULL, 'b' },                                                      \
      { "pid-file", required_argument, NULL, OPT_PID_FILE },                                       \
      { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },                           \
      { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },                                             \
      { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },                                 \
  {                                                                                                \
    "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS                                      \
  }

static const struct option create_opts[] = { CREATE_OPTS, { 0 } };

static const struct option run_opts[] = {
  CREATE_OPTS,
  { "detach", no_argument, NULL, 'd' },
  { "keep", no_argument, NULL, OPT_KEEP },
  { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
  { 0 },
};

int
rt_parse_create (int argc, char **argv, const char *cmd, bool is_run, struct sv_create_opts *o,
                 bool *detach, struct sv_err **err)
{
  int c, next;
  while ((c = rt_getopt (argc, argv, cmd, is_run ? run_opts : create_opts, &next, err)) != -1)
    switch (c)
      {
      case -2:
        return -1;
      case 'b':
        o->bundle = optarg;
        break;
      case OPT_PID_FILE:
        o->pid_file = optarg;
        break;
      case OPT_CONSOLE_SOCKET:
        o->console_socket = optarg;
        break;
      case OPT_NO_PIVOT:
        o->no_pivot = true;
        break;
      case OPT_NO_NEW_KEYRING:
        o->no_new_keyring = true;
        break;
      case OPT_PRESERVE_FDS:
        if (rt_parse_int ("--preserve-fds", optarg, &o->preserve_fds, err) < 0)
          return -1;
        break;
      case 'd':
        *detach = true;
        break;
      case OPT_KEEP:
        o->keep = true;
        break;
      case OPT_NO_SUBREAPER:
        break;
      }
  if (rt_operands (argc, argv, next, 1, cmd, "[flags] ID", err) < 0)
    return -1;
  o->id = argv[next];
  return 0;
}

int
rt_create (struct rt_globals *g, int argc, char **argv, struct sv_err **err)
{
  struct sv_create_opts o = { 0 };
  bool detach = false;
  if (rt_parse_create (argc, argv, "create", false, &o, &detach, err) < 0)
    return 1;
  struct sv_runtime rt;
  if (rt_open (g, &rt, err) < 0)
    return 1;
  int ret = sv_container_create (&rt, &o, SV_CREATE, NULL, err);
  sv_runtime_close (&rt);
  return ret < 0 ? 1 : 0;
}

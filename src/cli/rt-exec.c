/* exec: run a process in a running container.  With --process the whole
 * process object comes from FILE; otherwise the container's own process is
 * the base and the flags and arguments replace parts of it, as runc does. */
#include "cli/rt.h"
#include "runtime/caps.h"
#include "runtime/exec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

enum
{
  OPT_CONSOLE = 256,
  OPT_PID_FILE,
  OPT_CWD,
  OPT_NNP,
  OPT_PRESERVE,
  OPT_APPARMOR,
  OPT_IGNORED,
};

static const struct option exec_opts[] = {
  { "process", required_argument, NULL, 'p' },
  { "tty", no_argument, NULL, 't' },
  { "console-socket", required_argument, NULL, OPT_CONSOLE },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "detach", no_argument, NULL, 'd' },
  { "cwd", required_argument, NULL, OPT_CWD },
  { "env", required_argument, NULL, 'e' },
  { "user", required_argument, NULL, 'u' },
  { "additional-gids", required_argument, NULL, 'g' },
  { "cap", required_argument, NULL, 'c' },
  { "no-new-privs", no_argument, NULL, OPT_NNP },
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
  { "apparmor", required_argument, NULL, OPT_APPARMOR },
  { "process-label", required_argument, NULL, OPT_IGNORED },
  { "ignore-paused", no_argument, NULL, OPT_IGNORED },
  { "cgroup", required_argument, NULL, OPT_IGNORED },
  { 0 },
};

struct exec_flags
{
  const char *process_file, *cwd, *user, *apparmor;
  bool tty, nnp;
  char **env, **caps, **gids;
  struct sv_exec_opts o;
};

static void
flags_free (struct exec_flags *f)
{
  sv_strv_free (f->env);
  sv_strv_free (f->caps);
  sv_strv_free (f->gids);
}

static int
parse_flags (int argc, char **argv, struct exec_flags *f, int *next, struct sv_err **err)
{
  int c;
  while ((c = rt_getopt (argc, argv, "exec", exec_opts, next, err)) != -1)
    switch (c)
      {
      case -2:
        return -1;
      case 'p':
        f->process_file = optarg;
        break;
      case 't':
        f->tty = true;
        break;
      case OPT_CONSOLE:
        f->o.console_socket = optarg;
        break;
      case OPT_PID_FILE:
        f->o.pid_file = optarg;
        break;
      case 'd':
        f->o.detach = true;
        break;
      case OPT_CWD:
        f->cwd = optarg;
        break;
      case 'e':
        sv_strv_append (&f->env, optarg);
        break;
      case 'u':
        f->user = optarg;
        break;
      case 'g':
        sv_strv_append (&f->gids, optarg);
        break;
      case 'c':
        sv_strv_append (&f->caps, optarg);
        break;
      case OPT_NNP:
        f->nnp = true;
        break;
      case OPT_APPARMOR:
        f->apparmor = optarg;
        break;
      case OPT_PRESERVE:
        if (rt_parse_int ("--preserve-fds", optarg, &f->o.preserve_fds, err) < 0)
          return -1;
        break;
      }
  return 0;
}

static int
parse_uint (const char *what, const char *s, uint32_t *out, struct sv_err **err)
{
  char *end;
  errno = 0;
  unsigned long v = strtoul (s, &end, 10);
  if (errno || *end || end == s || v > UINT32_MAX - 1)
    return sv_err_make (err, EINVAL, "exec: invalid %s `%s`", what, s);
  *out = (uint32_t)v;
  return 0;
}

static int
apply_user (struct sv_process *p, const char *user, char **gids, struct sv_err **err)
{
  if (user)
    {
      _cleanup_free_ char *u = xstrdup (user);
      char *colon = strchr (u, ':');
      if (colon)
        *colon++ = '\0';
      if (parse_uint ("uid", u, &p->user.uid, err) < 0
          || (colon && parse_uint ("gid", colon, &p->user.gid, err) < 0))
        return -1;
    }
  size_t n = sv_strv_length (gids);
  for (size_t i = 0; i < n; i++)
    {
      uint32_t g = 0;
      if (parse_uint ("additional gid", gids[i], &g, err) < 0)
        return -1;
      p->user.additional_gids
          = xreallocarray (p->user.additional_gids, p->user.n_additional_gids + 1, sizeof (gid_t));
      p->user.additional_gids[p->user.n_additional_gids++] = g;
    }
  return 0;
}

static int
apply_caps (struct sv_process *p, char **caps, struct sv_err **err)
{
  if (caps == NULL)
    return 0;
  uint64_t mask;
  if (sv_caps_mask_from_names (caps, "--cap", &mask, err) < 0)
    return -1;
  if (p->caps == NULL)
    p->caps = xmalloc0 (sizeof *p->caps);
  p->caps->bounding |= mask;
  p->caps->effective |= mask;
  p->caps->permitted |= mask;
  p->caps->inheritable |= mask;
  p->caps->ambient |= mask;
  return 0;
}

/* The container's process with the command line's changes. */
static int
override (struct sv_process *p, struct exec_flags *f, char **args, struct sv_err **err)
{
  if (args[0] == NULL)
    return sv_err_make (err, EINVAL, "exec: a command is required (or --process FILE)");
  sv_strv_free (p->args);
  p->args = sv_strv_dup (args);
  for (size_t i = 0; f->env && f->env[i]; i++)
    sv_strv_env_set (&p->env, f->env[i]);
  if (f->cwd)
    {
      free (p->cwd);
      p->cwd = xstrdup (f->cwd);
    }
  p->terminal = f->tty;
  if (f->nnp)
    p->no_new_privileges = true;
  if (f->apparmor)
    {
      free (p->apparmor_profile);
      p->apparmor_profile = xstrdup (f->apparmor);
    }
  if (apply_user (p, f->user, f->gids, err) < 0)
    return -1;
  return apply_caps (p, f->caps, err);
}

static int
load_process_file (const char *file, struct sv_process **out, struct sv_err **err)
{
  _cleanup_json_ json_t *j = NULL;
  if (sv_json_load_file_at (AT_FDCWD, file, &j, err) < 0)
    return -1;
  return sv_process_parse (j, "process", out, err);
}

static int
do_exec (struct rt_globals *g, struct exec_flags *f, char **args, int *status, struct sv_err **err)
{
  struct sv_runtime rt;
  if (rt_open (g, &rt, err) < 0)
    return -1;
  struct sv_spec *spec = NULL;
  struct sv_process *own = NULL;
  int ret;
  if (f->process_file)
    ret = load_process_file (f->process_file, &own, err);
  else if ((ret = sv_container_spec (&rt, f->o.id, &spec, err)) == 0)
    ret = override (spec->process, f, args, err);
  if (ret == 0)
    {
      f->o.process = own ? own : spec->process;
      ret = sv_container_exec (&rt, &f->o, status, err);
    }
  sv_process_free (own);
  sv_spec_free (spec);
  sv_runtime_close (&rt);
  return ret;
}

int
rt_exec (struct rt_globals *g, int argc, char **argv, struct sv_err **err)
{
  struct exec_flags f = { 0 };
  int next, status = 0;
  int ret = parse_flags (argc, argv, &f, &next, err);
  if (ret == 0 && argc - next < 1)
    ret = sv_err_make (err, EINVAL,
                       "exec: missing container id (usage: servin-runtime exec "
                       "[flags] ID [COMMAND [ARG...]])");
  if (ret == 0)
    {
      f.o.id = argv[next];
      ret = do_exec (g, &f, argv + next + 1, &status, err);
    }
  flags_free (&f);
  if (ret < 0)
    return 255;
  return status;
}

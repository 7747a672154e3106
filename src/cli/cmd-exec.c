/* servin exec: a new process in a running container, with its
 * environment, user and working directory unless the flags say otherwise. */
#include "cli/run.h"
#include "engine/parse.h"
#include "engine/user.h"
#include "runtime/exec.h"
#include "runtime/tty-proxy.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

struct exec_flags
{
  bool interactive, tty, detach, privileged;
  const char *user, *workdir;
  char **env;
};

static const struct option opts[] = {
  { "interactive", no_argument, NULL, 'i' },   { "tty", no_argument, NULL, 't' },
  { "detach", no_argument, NULL, 'd' },        { "env", required_argument, NULL, 'e' },
  { "workdir", required_argument, NULL, 'w' }, { "user", required_argument, NULL, 'u' },
  { "privileged", no_argument, NULL, 'P' },    { 0 },
};

static int
parse (int argc, char **argv, struct exec_flags *f, int *next, struct sv_err **err)
{
  int ch;
  while ((ch = cli_getopt (argc, argv, "exec", opts, false, next, err)) != -1)
    switch (ch)
      {
      case -2:
        return -1;
      case 'i':
        f->interactive = true;
        break;
      case 't':
        f->tty = true;
        break;
      case 'd':
        f->detach = true;
        break;
      case 'e':
        if (sv_parse_env (optarg, &f->env, err) < 0)
          return -1;
        break;
      case 'w':
        f->workdir = optarg;
        break;
      case 'u':
        f->user = optarg;
        break;
      case 'P':
        f->privileged = true;
        break;
      }
  return cli_operands (argc, *next, 2, -1, "exec", "[OPTIONS] CONTAINER COMMAND [ARG...]", err);
}

static int
apply (struct sv_engine *e, const struct sv_ctr *c, struct sv_process *p, struct exec_flags *f,
       char **args, struct sv_err **err)
{
  sv_strv_free (p->args);
  p->args = sv_strv_dup (args);
  for (char **v = f->env; v && *v; v++)
    sv_strv_env_set (&p->env, *v);
  if (f->workdir)
    {
      free (p->cwd);
      p->cwd = xstrdup (f->workdir);
    }
  p->terminal = f->tty;
  if (f->user == NULL)
    return 0;
  _cleanup_free_ char *run_dir = sv_engine_run_dir (e, c->id);
  _cleanup_free_ char *rootfs = xasprintf ("%s/rootfs", run_dir);
  _cleanup_close_ int rootfd = open (rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  uid_t uid;
  gid_t gid;
  if (rootfd < 0 || sv_resolve_user (rootfd, f->user, &uid, &gid, err) < 0)
    return rootfd < 0 ? sv_err_errno (err, "open `%s`", rootfs) : -1;
  p->user.uid = uid;
  p->user.gid = gid;
  free (p->user.additional_gids);
  p->user.additional_gids = NULL;
  p->user.n_additional_gids = 0;
  return 0;
}

/* A console socket in a private directory, for the pty of a -t exec. */
static int
console_listen (char *dir, char *path, size_t size, struct sv_err **err)
{
  if (mkdtemp (dir) == NULL)
    return sv_err_errno (err, "mkdtemp");
  snprintf (path, size, "%s/console.sock", dir);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof a.sun_path)
    return sv_err_make_plain (err, ENAMETOOLONG, "console socket path too long");
  memcpy (a.sun_path, path, strlen (path) + 1);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *)&a, sizeof a) < 0 || listen (fd, 1) < 0)
    return sv_err_errno (err, "console socket");
  return fd;
}

static int
exec_tty (struct sv_runtime *rt, struct sv_exec_opts *o, struct sv_err **err)
{
  char dir[] = "/tmp/servin-exec.XXXXXX", path[128], pidfile[160];
  _cleanup_close_ int lfd = console_listen (dir, path, sizeof path, err);
  if (lfd < 0)
    return -1;
  snprintf (pidfile, sizeof pidfile, "%s/pid", dir);
  o->console_socket = path;
  o->pid_file = pidfile;
  o->detach = true;
  int status = 0, master = -1, ws = 0;
  int r = sv_container_exec (rt, o, &status, err);
  _cleanup_free_ char *pidtext = NULL;
  if (r == 0)
    {
      _cleanup_close_ int conn = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
      r = conn < 0 ? sv_err_errno (err, "accept the console")
                   : sv_tty_recv_master (conn, &master, err);
    }
  if (r == 0)
    r = sv_read_file_at (AT_FDCWD, pidfile, &pidtext, NULL, err);
  if (r == 0)
    r = sv_tty_proxy (master, (pid_t)atoi (pidtext), &ws, err);
  if (master >= 0)
    close (master);
  unlink (pidfile);
  unlink (path);
  rmdir (dir);
  if (r < 0)
    return -1;
  return WIFEXITED (ws) ? WEXITSTATUS (ws) : 128 + WTERMSIG (ws);
}

static int
exec_status (const struct sv_err *e)
{
  if (e && e->code == ENOENT && strstr (e->msg, "exec"))
    return 127;
  if (e && (e->code == EACCES || e->code == ENOEXEC) && strstr (e->msg, "exec"))
    return 126;
  return SERVIN_EXIT_ERROR;
}

int
cmd_exec (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  struct exec_flags f = { 0 };
  int next;
  struct sv_engine *e;
  struct sv_ctr *c = NULL;
  struct sv_runtime *rt;
  struct sv_spec *spec = NULL;
  int status = SERVIN_EXIT_ERROR;
  if (parse (argc, argv, &f, &next, err) < 0 || cli_container (cli, argv[next], &e, &c, err) < 0)
    goto out;
  if (!sv_engine_refresh (e, c))
    {
      sv_err_make_plain (err, EINVAL, "Container %s is not running", c->id);
      goto out;
    }
  if (sv_engine_runtime (e, &rt, err) < 0 || sv_container_spec (rt, c->id, &spec, err) < 0
      || apply (e, c, spec->process, &f, argv + next + 1, err) < 0)
    goto out;
  struct sv_exec_opts o = { .id = c->id, .process = spec->process, .detach = f.detach };
  if (!f.interactive)
    {
      int devnull = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      dup2 (devnull, STDIN_FILENO);
      close (devnull);
    }
  if (f.tty && !f.detach)
    status = exec_tty (rt, &o, err);
  else if (f.tty)
    status = sv_err_make_plain (err, EINVAL, "exec: -d with -t is not supported yet");
  else if (sv_container_exec (rt, &o, &status, err) < 0)
    status = -1;
  if (status < 0)
    status = exec_status (*err);
out:
  sv_strv_free (f.env);
  sv_spec_free (spec);
  sv_ctr_free (c);
  return status;
}

#include "runtime/exec.h"
#include "runtime/cgroup.h"
#include "runtime/console.h"
#include "runtime/namespaces.h"
#include "runtime/process.h"
#include "runtime/seccomp.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct exec_ctx
{
  const struct sv_exec_opts *o;
  const struct sv_spec *spec; /* the container's */
  int syncfd;                 /* child end */
  int consolefd;
  int cache_dirfd; /* the runtime root, for cached seccomp filters */
  bool in_userns;
};

static int
all_ns_flags (const struct sv_spec *spec)
{
  int flags = 0;
  for (size_t i = 0; i < spec->n_namespaces; i++)
    flags |= spec->namespaces[i].flag;
  return flags;
}

static int
exec_steps (const struct exec_ctx *c, struct sv_err **err)
{
  const struct sv_process *p = c->o->process;
  if (p->terminal && sv_console_setup (p, c->consolefd, NULL, err) < 0)
    return -1;
  if (c->consolefd >= 0)
    close (c->consolefd);
  if (sv_process_setup_privileged (p, err) < 0)
    return -1;
  _cleanup_free_ char *path = NULL;
  if (sv_process_lookup (p, &path, err) < 0)
    return -1;
  struct sv_seccomp_bpf *bpf = NULL;
  if (c->spec->seccomp
      && sv_seccomp_compile_cached (c->spec->seccomp, c->cache_dirfd, &bpf, err) < 0)
    return -1;
  if (sv_process_prepare_fds (c->o->preserve_fds, err) < 0)
    return -1;
  if (sv_process_finalize (p, bpf, !c->in_userns, err) < 0)
    return -1;
  return sv_process_exec (p, path, bpf, err);
}

static void __attribute__ ((noreturn)) exec_child (const struct exec_ctx *c, pid_t pid)
{
  struct sv_err *err = NULL;
  struct sv_ns_join j;
  if (sv_sync_expect (c->syncfd, SV_SYNC_GO, NULL, NULL, "exec", &err) < 0)
    _exit (1);
  if (sv_ns_open_pid (pid, all_ns_flags (c->spec), &j, &err) == 0 && sv_ns_join_all (&j, &err) == 0)
    {
      /* A joined pid namespace applies to children: clone the process
       * that execs, as a child of the runtime. */
      pid_t child = sv_clone (CLONE_PARENT);
      if (child == 0)
        {
          exec_steps (c, &err);
          sv_sync_send_err (c->syncfd, err);
          _exit (err && err->code == ENOENT ? 127 : 126);
        }
      if (child > 0)
        {
          (void)sv_sync_send (c->syncfd, SV_SYNC_PID, 0, &child, sizeof child, NULL);
          _exit (0);
        }
      sv_err_errno (&err, "clone");
    }
  sv_sync_send_err (c->syncfd, err);
  _exit (1);
}

static int
check_running (struct sv_runtime *rt, struct sv_state *st, struct sv_err **err)
{
  enum sv_status s = sv_state_status (rt->rootfd, st);
  if (s == SV_STATUS_RUNNING || s == SV_STATUS_CREATED)
    return 0;
  return sv_err_make (err, EINVAL, "cannot exec in container `%s`: it is %s", st->id,
                      sv_status_name (s));
}

/* The helper joins the container's cgroup itself: cloned into its v2
 * directory, then its own thread into the v1 ones (no RCU wait, see
 * sv_cgroup_join_self); it is still root in the host's user namespace. */
static pid_t
clone_helper (const struct sv_cgroup *cg, struct exec_ctx *c, pid_t target, int parent_end)
{
  _cleanup_close_ int v2 = cg ? sv_cgroup_v2_fd (cg) : -1;
  bool v2_done = true;
  pid_t helper = sv_clone_into (0, v2);
  if (helper < 0 && v2 >= 0)
    {
      v2_done = false;
      helper = sv_clone_into (0, -1);
    }
  if (helper == 0)
    {
      struct sv_err *err = NULL;
      close (parent_end);
      if (cg && sv_cgroup_join_self (cg, v2_done, &err) < 0)
        {
          sv_sync_send_err (c->syncfd, err);
          _exit (1);
        }
      exec_child (c, target);
    }
  return helper;
}

/* Clone the helper into the cgroup, and learn the exec'd pid. */
static pid_t
spawn_exec (struct exec_ctx *c, const struct sv_state *st, int parent_end, struct sv_err **err)
{
  struct sv_cgroup *cg = NULL;
  if (st->cgroup_path && sv_cgroup_open (st->cgroup_path, &cg, err) < 0)
    return -1;
  pid_t helper = clone_helper (cg, c, st->pid, parent_end);
  sv_cgroup_free (cg);
  if (helper < 0)
    return sv_err_errno (err, "clone the exec helper");
  close (c->syncfd);
  pid_t pid = -1;
  size_t len = sizeof pid;
  int ret = sv_sync_send (parent_end, SV_SYNC_GO, 0, NULL, 0, err);
  if (ret == 0)
    ret = sv_sync_expect (parent_end, SV_SYNC_PID, &pid, &len, "joining the container", err);
  if (ret < 0)
    kill (helper, SIGKILL);
  while (waitpid (helper, NULL, 0) < 0 && errno == EINTR)
    ;
  return ret < 0 ? -1 : pid;
}

static int
finish (const struct sv_exec_opts *o, pid_t pid, int syncfd, int *status, struct sv_err **err)
{
  if (sv_sync_wait_exec (syncfd, err) < 0)
    {
      while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
        ;
      return -1;
    }
  if (o->pid_file)
    {
      char buf[32];
      int len = snprintf (buf, sizeof buf, "%d", (int)pid);
      if (sv_write_file_atomic_at (AT_FDCWD, o->pid_file, buf, len, 0644, err) < 0)
        return -1;
    }
  if (o->detach)
    return 0;
  int ws;
  while (waitpid (pid, &ws, 0) < 0)
    if (errno != EINTR)
      return sv_err_errno (err, "wait for the exec'd process");
  *status = WIFEXITED (ws) ? WEXITSTATUS (ws) : 128 + WTERMSIG (ws);
  return 0;
}

int
sv_container_exec (struct sv_runtime *rt, const struct sv_exec_opts *o, int *status,
                   struct sv_err **err)
{
  struct sv_state *st = NULL;
  struct sv_spec *spec = NULL;
  _cleanup_close_ int consolefd = -1;
  int fds[2] = { -1, -1 };
  int ret = sv_state_load (rt->rootfd, o->id, &st, err);
  if (ret == 0)
    ret = check_running (rt, st, err);
  if (ret == 0)
    ret = sv_container_spec (rt, o->id, &spec, err);
  if (ret == 0 && o->process->terminal && o->console_socket == NULL)
    ret = sv_err_make (err, EINVAL, "exec: a terminal needs --console-socket");
  if (ret == 0 && o->process->terminal)
    ret = consolefd = sv_console_connect (o->console_socket, err);
  if (ret >= 0)
    ret = sv_sync_pair (fds, err);
  if (ret == 0)
    {
      struct exec_ctx c = {
        .o = o,
        .spec = spec,
        .syncfd = fds[1],
        .consolefd = consolefd,
        .cache_dirfd = rt->rootfd,
        .in_userns = sv_spec_namespace (spec, CLONE_NEWUSER) != NULL,
      };
      pid_t pid = spawn_exec (&c, st, fds[0], err);
      ret = pid < 0 ? -1 : finish (o, pid, fds[0], status, err);
    }
  if (fds[0] >= 0)
    close (fds[0]);
  sv_spec_free (spec);
  sv_state_free (st);
  return ret < 0 ? -1 : 0;
}

/* create, run and start: the parent's side of making a container. */
#include "runtime/container.h"
#include "runtime/cgroup.h"
#include "runtime/console.h"
#include "runtime/hooks.h"
#include "runtime/init.h"
#include "runtime/namespaces.h"
#include "runtime/sync.h"
#include "runtime/tty-proxy.h"
#include <sched.h>
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int
sv_runtime_open (struct sv_runtime *rt, const char *root, bool systemd_cgroup, struct sv_err **err)
{
  if (sv_mkdir_p_at (AT_FDCWD, root, 0700, err) < 0)
    return sv_err_wrap (err, "runtime root");
  int fd = open (root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open runtime root `%s`", root);
  rt->root = xstrdup (root);
  rt->rootfd = fd;
  rt->systemd_cgroup = systemd_cgroup;
  return 0;
}

void
sv_runtime_close (struct sv_runtime *rt)
{
  free (rt->root);
  rt->root = NULL;
  if (rt->rootfd >= 0)
    close (rt->rootfd);
  rt->rootfd = -1;
}

/* Everything create holds; released by create_cleanup on failure. */
struct creating
{
  struct sv_runtime *rt;
  const struct sv_create_opts *o;
  enum sv_create_mode mode;
  struct sv_spec *spec;
  char *bundle, *rootfs;
  bool dir_made;
  pid_t pid;
  int syncfd;
  struct sv_cgroup *cg;
  struct sv_state st;
  int proxy_sock; /* receives the pty master when `run` relays the terminal */
  int master;
};

static void
create_cleanup (struct creating *c, bool failed)
{
  if (failed && c->pid > 0)
    {
      kill (c->pid, SIGKILL);
      while (waitpid (c->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    }
  if (failed && c->cg)
    (void)sv_cgroup_destroy (c->cg, NULL);
  if (failed && c->dir_made)
    (void)sv_rm_rf_at (c->rt->rootfd, c->o->id, NULL);
  if (c->cg)
    sv_cgroup_free (c->cg);
  if (c->syncfd >= 0)
    close (c->syncfd);
  if (c->proxy_sock >= 0)
    close (c->proxy_sock);
  if (c->master >= 0)
    close (c->master);
  sv_spec_free (c->spec);
  free (c->bundle);
  free (c->rootfs);
  free (c->st.created);
  free (c->st.owner);
}

static int
resolve_paths (struct creating *c, struct sv_err **err)
{
  const char *bundle = c->o->bundle ? c->o->bundle : ".";
  c->bundle = realpath (bundle, NULL);
  if (c->bundle == NULL)
    return sv_err_errno (err, "bundle `%s`", bundle);
  _cleanup_close_ int bfd = open (c->bundle, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (bfd < 0)
    return sv_err_errno (err, "open bundle `%s`", c->bundle);
  if (sv_spec_load (bfd, "config.json", &c->spec, err) < 0)
    return -1;
  if (c->spec->process == NULL)
    return sv_err_make (err, EINVAL, "process: required");
  _cleanup_free_ char *root = c->spec->root_path[0] == '/'
                                  ? xstrdup (c->spec->root_path)
                                  : xasprintf ("%s/%s", c->bundle, c->spec->root_path);
  c->rootfs = realpath (root, NULL);
  if (c->rootfs == NULL)
    return sv_err_errno (err, "root.path `%s`", root);
  return 0;
}

static int
make_state_dir (struct creating *c, struct sv_err **err)
{
  if (mkdirat (c->rt->rootfd, c->o->id, 0700) < 0)
    {
      if (errno == EEXIST)
        return sv_err_make (err, EEXIST, "container `%s` already exists", c->o->id);
      return sv_err_errno (err, "create state directory for `%s`", c->o->id);
    }
  c->dir_made = true;
  _cleanup_free_ char *cfg = xasprintf ("%s/config.json", c->o->id);
  _cleanup_free_ char *s = json_dumps (c->spec->json, JSON_COMPACT);
  return sv_write_file_at (c->rt->rootfd, cfg, s, strlen (s), 0600, err);
}

/* The host id that id 0 in the container maps to (0 without mappings). */
static uint32_t
host_id (const struct sv_idmap *m, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (m[i].container_id == 0)
      return m[i].host_id;
  return 0;
}

static int
open_fifo (struct creating *c, struct sv_err **err)
{
  _cleanup_free_ char *path = xasprintf ("%s/exec.fifo", c->o->id);
  if (mkfifoat (c->rt->rootfd, path, 0600) < 0)
    return sv_err_errno (err, "mkfifo exec.fifo");
  /* The container's root may be an unprivileged uid on the host (user
   * namespace): it must be able to open the fifo for writing. */
  uid_t uid = host_id (c->spec->uid_mappings, c->spec->n_uid_mappings);
  gid_t gid = host_id (c->spec->gid_mappings, c->spec->n_gid_mappings);
  if (fchownat (c->rt->rootfd, path, uid, gid, 0) < 0)
    return sv_err_errno (err, "chown exec.fifo");
  int fd = openat (c->rt->rootfd, path, O_PATH | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open exec.fifo");
  return fd;
}

/* Fork a helper that joins the namespaces given by path and clones the
 * container process with CLONE_PARENT, so it is still our child. */
static pid_t
spawn_joined (struct creating *c, struct sv_init_args *ia, int parent_end, struct sv_err **err)
{
  struct sv_ns_join j;
  if (sv_ns_open_joins (c->spec, &j, err) < 0)
    return -1;
  pid_t helper = fork ();
  if (helper < 0)
    {
      sv_ns_join_close (&j);
      return sv_err_errno (err, "fork");
    }
  if (helper == 0)
    {
      struct sv_err *e = NULL;
      close (parent_end);
      if (sv_ns_join_all (&j, &e) < 0)
        {
          sv_sync_send_err (ia->syncfd, e);
          _exit (1);
        }
      pid_t pid = sv_clone (sv_ns_clone_flags (c->spec) | CLONE_PARENT);
      if (pid == 0)
        sv_init_run (ia);
      if (pid < 0)
        {
          sv_err_errno (&e, "clone the container process");
          sv_sync_send_err (ia->syncfd, e);
          _exit (1);
        }
      (void)sv_sync_send (ia->syncfd, SV_SYNC_PID, 0, &pid, sizeof pid, NULL);
      _exit (0);
    }
  sv_ns_join_close (&j);
  pid_t pid = -1;
  size_t len = sizeof pid;
  int ret = sv_sync_expect (parent_end, SV_SYNC_PID, &pid, &len, "joining namespaces", err);
  while (waitpid (helper, NULL, 0) < 0 && errno == EINTR)
    ;
  return ret < 0 ? -1 : pid;
}

static int
create_cgroup (struct creating *c, struct sv_err **err)
{
  return sv_cgroup_create (c->o->id, c->spec->cgroups_path, c->rt->systemd_cgroup,
                           c->spec->resources, 0, &c->cg, err);
}

/* Whether the child can join its cgroup itself: not from a user namespace
 * (its ids would not own the host's cgroup files) and not through a helper
 * that joins namespaces. */
static bool
self_join (const struct creating *c)
{
  const struct sv_namespace *user = sv_spec_namespace (c->spec, CLONE_NEWUSER);
  return !(user && user->path == NULL) && !sv_ns_has_joins (c->spec);
}

/* The cgroup first, then the child cloned into its v2 directory; it joins
 * the v1 ones itself (see sv_cgroup_join_self: no RCU wait). */
static pid_t
spawn_self_joining (struct creating *c, struct sv_init_args *ia, int parent_end,
                    struct sv_err **err)
{
  if (create_cgroup (c, err) < 0)
    return -1;
  _cleanup_close_ int v2 = sv_cgroup_v2_fd (c->cg);
  ia->cgroup = c->cg;
  ia->cgroup_v2_done = true;
  int flags = sv_ns_clone_flags (c->spec);
  pid_t pid = sv_clone_into (flags, v2);
  if (pid < 0 && v2 >= 0)
    {
      /* A kernel or cgroup that refuses CLONE_INTO_CGROUP: join it later. */
      ia->cgroup_v2_done = false;
      pid = sv_clone (flags);
    }
  if (pid == 0)
    {
      close (parent_end);
      sv_init_run (ia);
    }
  if (pid < 0)
    sv_err_errno (err, "clone the container process");
  return pid;
}

static int
spawn (struct creating *c, int fifofd, int consolefd, struct sv_err **err)
{
  int fds[2];
  if (sv_sync_pair (fds, err) < 0)
    return -1;
  const struct sv_namespace *user = sv_spec_namespace (c->spec, CLONE_NEWUSER);
  struct sv_init_args ia = {
    .spec = c->spec,
    .bundle = c->bundle,
    .rootfs = c->rootfs,
    .syncfd = fds[1],
    .fifofd = fifofd,
    .consolefd = consolefd,
    .cache_dirfd = c->rt->rootfd,
    .no_pivot = c->o->no_pivot,
    .new_keyring = !c->o->no_new_keyring,
    .id = c->o->id,
    .preserve_fds = c->o->preserve_fds,
    .new_userns = user && user->path == NULL,
  };
  c->syncfd = fds[0];
  pid_t pid;
  if (sv_ns_has_joins (c->spec))
    pid = spawn_joined (c, &ia, fds[0], err);
  else if (self_join (c))
    pid = spawn_self_joining (c, &ia, fds[0], err);
  else
    {
      pid = sv_clone (sv_ns_clone_flags (c->spec));
      if (pid == 0)
        {
          close (fds[0]);
          sv_init_run (&ia);
        }
      if (pid < 0)
        sv_err_errno (err, "clone the container process");
    }
  close (fds[1]);
  if (pid < 0)
    return -1;
  c->pid = pid;
  return 0;
}

static char *
owner_name (void)
{
  struct passwd *pw = getpwuid (geteuid ());
  return xstrdup (pw ? pw->pw_name : "");
}

static char *
state_json (struct creating *c, enum sv_status status)
{
  _cleanup_json_ json_t *j = sv_state_to_oci_json (&c->st, status);
  return json_dumps (j, JSON_COMPACT);
}

static void
fill_state (struct creating *c)
{
  c->st.id = (char *)c->o->id;
  c->st.oci_version = c->spec->oci_version;
  c->st.pid = c->pid;
  c->st.bundle = c->bundle;
  c->st.rootfs = c->rootfs;
  c->st.created = sv_state_now ();
  c->st.owner = owner_name ();
  c->st.systemd_cgroup = c->rt->systemd_cgroup;
  c->st.cgroup_path = c->cg ? (char *)sv_cgroup_path (c->cg) : NULL;
  json_t *ann = json_object_get (c->spec->json, "annotations");
  c->st.annotations = json_is_object (ann) ? ann : NULL;
}

/* Parent side of the handshake, up to the container being ready to exec. */
static int
handshake (struct creating *c, struct sv_err **err)
{
  const struct sv_namespace *user = sv_spec_namespace (c->spec, CLONE_NEWUSER);
  if (user && user->path == NULL && sv_ns_write_idmaps (c->spec, c->pid, err) < 0)
    return -1;
  bool joins_itself = c->cg != NULL; /* made before the clone */
  if (!joins_itself && create_cgroup (c, err) < 0)
    return -1;
  /* Moving a task into a v1 cgroup waits for an RCU grace period (ms):
   * the child builds its mounts meanwhile and waits for JOINED before
   * anything that needs the cgroup. */
  const char *cgp = sv_cgroup_path (c->cg);
  if (sv_sync_send (c->syncfd, SV_SYNC_GO, 0, cgp, strlen (cgp), err) < 0)
    return -1;
  if (!joins_itself
      && (sv_cgroup_enter (c->cg, c->pid, err) < 0
          || sv_sync_send (c->syncfd, SV_SYNC_JOINED, 0, NULL, 0, err) < 0))
    return -1;
  if (c->o->on_created && c->o->on_created (c->o->on_created_data, c->pid, err) < 0)
    return -1;
  if (sv_sync_expect (c->syncfd, SV_SYNC_MOUNTED, NULL, NULL, "mounting", err) < 0)
    return -1;
  fill_state (c);
  _cleanup_free_ char *state = state_json (c, SV_STATUS_CREATING);
  if (sv_hooks_run (&c->spec->hooks.prestart, "prestart", state, err) < 0
      || sv_hooks_run (&c->spec->hooks.create_runtime, "createRuntime", state, err) < 0)
    return -1;
  if (sv_sync_send (c->syncfd, SV_SYNC_HOOKS_DONE, 0, state, strlen (state), err) < 0)
    return -1;
  if (sv_sync_expect (c->syncfd, SV_SYNC_READY, NULL, NULL, "starting", err) < 0)
    return -1;
  if (sv_proc_stat (c->pid, &c->st.start_time, NULL, err) < 0)
    return -1;
  if (c->proxy_sock >= 0 && sv_tty_recv_master (c->proxy_sock, &c->master, err) < 0)
    return -1;
  return 0;
}

static int
write_pid_file (const char *path, pid_t pid, struct sv_err **err)
{
  if (path == NULL)
    return 0;
  char buf[32];
  int len = snprintf (buf, sizeof buf, "%d", (int)pid);
  return sv_write_file_atomic_at (AT_FDCWD, path, buf, len, 0644, err);
}

static void
run_poststart (const struct sv_spec *spec, const char *state)
{
  struct sv_err *err = NULL;
  if (sv_hooks_run (&spec->hooks.poststart, "poststart", state, &err) < 0)
    {
      char *s = sv_err_string (err);
      sv_log_warning ("%s", s);
      free (s);
      sv_err_free (&err);
    }
}

static int
check_terminal (struct creating *c, int *consolefd, struct sv_err **err)
{
  *consolefd = -1;
  if (!c->spec->process->terminal)
    {
      if (c->o->console_socket)
        return sv_err_make (err, EINVAL, "--console-socket given but process.terminal is false");
      return 0;
    }
  if (c->o->console_socket == NULL && c->mode == SV_RUN)
    {
      /* Relay the terminal ourselves: the child sends the master here. */
      int sp[2];
      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
        return sv_err_errno (err, "socketpair");
      c->proxy_sock = sp[0];
      *consolefd = sp[1];
      return 0;
    }
  if (c->o->console_socket == NULL)
    return sv_err_make (err, EINVAL,
                        "process.terminal is true: --console-socket is required to receive the "
                        "terminal of a detached container");
  *consolefd = sv_console_connect (c->o->console_socket, err);
  return *consolefd < 0 ? -1 : 0;
}

static int
wait_exit (pid_t pid, int *status)
{
  int ws;
  while (waitpid (pid, &ws, 0) < 0)
    if (errno != EINTR)
      return -1;
  *status = WIFEXITED (ws) ? WEXITSTATUS (ws) : 128 + WTERMSIG (ws);
  return 0;
}

static pid_t forward_pid;

static void
forward_signal (int sig)
{
  if (forward_pid > 0)
    kill (forward_pid, sig);
}

static void
forward_signals (pid_t pid)
{
  static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
  forward_pid = pid;
  struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaction (sigs[i], &sa, NULL);
}

/* Start a container in the run modes and, for SV_RUN, wait for it. */
static int
run_started (struct creating *c, int *status, struct sv_err **err)
{
  if (sv_sync_send (c->syncfd, SV_SYNC_START, 0, NULL, 0, err) < 0)
    return -1;
  if (sv_sync_wait_exec (c->syncfd, err) < 0)
    return -1;
  _cleanup_free_ char *state = state_json (c, SV_STATUS_RUNNING);
  run_poststart (c->spec, state);
  if (c->mode == SV_RUN_DETACHED)
    return 0;
  if (c->master >= 0)
    {
      int ws;
      if (sv_tty_proxy (c->master, c->pid, &ws, err) < 0)
        return -1;
      *status = WIFEXITED (ws) ? WEXITSTATUS (ws) : 128 + WTERMSIG (ws);
      return 0;
    }
  forward_signals (c->pid);
  if (wait_exit (c->pid, status) < 0)
    return sv_err_errno (err, "wait for the container");
  return 0;
}

int
sv_container_create (struct sv_runtime *rt, const struct sv_create_opts *o,
                     enum sv_create_mode mode, int *status, struct sv_err **err)
{
  struct creating c = {
    .rt = rt,
    .o = o,
    .mode = mode,
    .syncfd = -1,
    .proxy_sock = -1,
    .master = -1,
  };
  _cleanup_close_ int fifofd = -1;
  _cleanup_close_ int consolefd = -1;
  int ret = sv_state_check_id (o->id, err);
  if (ret == 0)
    ret = resolve_paths (&c, err);
  if (ret == 0)
    ret = check_terminal (&c, &consolefd, err);
  if (ret == 0)
    ret = make_state_dir (&c, err);
  if (ret == 0 && mode == SV_CREATE)
    ret = fifofd = open_fifo (&c, err);
  if (ret >= 0)
    ret = spawn (&c, fifofd, consolefd, err);
  if (ret == 0)
    ret = handshake (&c, err);
  if (ret == 0)
    ret = sv_state_save (rt->rootfd, &c.st, err);
  if (ret == 0)
    ret = write_pid_file (o->pid_file, c.pid, err);
  if (ret == 0 && mode != SV_CREATE)
    ret = run_started (&c, status, err);
  bool failed = ret < 0;
  create_cleanup (&c, failed);
  if (!failed && mode == SV_RUN && !o->keep)
    return sv_container_delete (rt, o->id, true, err);
  return failed ? -1 : 0;
}

/* Open exec.fifo for reading and wait until the container process has
 * opened it and written its byte (or died). */
static int
release_fifo (struct sv_runtime *rt, const struct sv_state *st, struct sv_err **err)
{
  _cleanup_free_ char *path = xasprintf ("%s/exec.fifo", st->id);
  _cleanup_close_ int fd = openat (rt->rootfd, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open exec.fifo");
  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      int r = poll (&p, 1, 100);
      if (r < 0 && errno != EINTR)
        return sv_err_errno (err, "poll exec.fifo");
      char b;
      if (r > 0 && read (fd, &b, 1) == 1)
        break;
      if (!sv_proc_is_alive (st->pid, st->start_time))
        return sv_err_make (err, ESRCH, "container `%s` exited before it was started", st->id);
    }
  if (unlinkat (rt->rootfd, path, 0) < 0)
    return sv_err_errno (err, "remove exec.fifo");
  return 0;
}

int
sv_container_start (struct sv_runtime *rt, const char *id, struct sv_err **err)
{
  struct sv_state *st = NULL;
  if (sv_state_load (rt->rootfd, id, &st, err) < 0)
    return -1;
  enum sv_status s = sv_state_status (rt->rootfd, st);
  int ret = 0;
  if (s != SV_STATUS_CREATED)
    ret = sv_err_make (err, EINVAL, "cannot start container `%s`: it is %s, not created", id,
                       sv_status_name (s));
  if (ret == 0)
    ret = release_fifo (rt, st, err);
  struct sv_spec *spec = NULL;
  if (ret == 0 && sv_container_spec (rt, id, &spec, NULL) == 0)
    {
      json_t *j = sv_state_to_oci_json (st, SV_STATUS_RUNNING);
      char *state = json_dumps (j, JSON_COMPACT);
      run_poststart (spec, state);
      free (state);
      json_decref (j);
      sv_spec_free (spec);
    }
  sv_state_free (st);
  return ret;
}

#include "runtime/init.h"
#include "runtime/devices.h"
#include "runtime/hooks.h"
#include "runtime/mounts.h"
#include "runtime/namespaces.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"
#include "runtime/seccomp.h"
#include "runtime/sync.h"
#include "runtime/console.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Set once `start` released us: failures then also go to stderr, since
 * the process that created us may be gone. */
static bool past_start;

/* What the parent tells the child along the way. */
struct init_ctx
{
  char cgroup_path[1024];
  char state[4000]; /* state JSON for createContainer/startContainer hooks */
};

static int
write_sysctl (const char *kv, struct sv_err **err)
{
  const char *eq = strchr (kv, '=');
  if (eq == NULL)
    return sv_err_make (err, EINVAL, "invalid sysctl `%s`", kv);
  _cleanup_free_ char *path = xasprintf ("/proc/sys/%.*s", (int)(eq - kv), kv);
  for (char *p = path + 10; *p; p++)
    if (*p == '.')
      *p = '/';
  return sv_write_knob_at (AT_FDCWD, path, eq + 1, err);
}

static int
setup_identity (const struct sv_spec *spec, struct sv_err **err)
{
  if (spec->hostname && sethostname (spec->hostname, strlen (spec->hostname)) < 0)
    return sv_err_errno (err, "sethostname");
  if (spec->domainname && setdomainname (spec->domainname, strlen (spec->domainname)) < 0)
    return sv_err_errno (err, "setdomainname");
  for (size_t i = 0; spec->sysctl && spec->sysctl[i]; i++)
    if (write_sysctl (spec->sysctl[i], err) < 0)
      return sv_err_wrap (err, "linux.sysctl");
  return 0;
}

/* Namespaces made after the parent placed us: user ids, cgroup, time. */
static int
enter_late_namespaces (const struct sv_init_args *a, struct sv_err **err)
{
  if (a->new_userns && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    return sv_err_errno (err, "become root in the user namespace");
  const struct sv_namespace *cg = sv_spec_namespace (a->spec, CLONE_NEWCGROUP);
  if (cg && cg->path == NULL && unshare (CLONE_NEWCGROUP) < 0)
    return sv_err_errno (err, "unshare cgroup namespace");
  return sv_ns_setup_time (a->spec, err);
}

static int
build_rootfs (const struct sv_init_args *a, const struct init_ctx *c, struct sv_err **err)
{
  if (chdir (a->bundle) < 0)
    return sv_err_errno (err, "chdir to bundle `%s`", a->bundle);
  _cleanup_close_ int rootfd = sv_rootfs_prepare (a->spec, a->rootfs, err);
  if (rootfd < 0)
    return rootfd;
  const struct sv_namespace *cg = sv_spec_namespace (a->spec, CLONE_NEWCGROUP);
  struct sv_mount_ctx mc = {
    .spec = a->spec,
    .rootfd = rootfd,
    .cgroup_path = *c->cgroup_path ? c->cgroup_path : NULL,
    .new_cgroupns = cg != NULL,
    .in_userns = sv_spec_namespace (a->spec, CLONE_NEWUSER) != NULL,
  };
  if (sv_mounts_setup (&mc, err) < 0)
    return -1;
  if (sv_devices_setup (a->spec, rootfd, mc.in_userns, err) < 0)
    return -1;
  int cwd = sv_mkdir_p_in_root (rootfd, a->spec->process->cwd, 0755, err);
  if (cwd < 0)
    return sv_err_wrap (err, "process.cwd");
  close (cwd);
  return 0;
}

/* Wait for `start`: opening the fifo for writing blocks until it is opened
 * for reading. */
static int
wait_start (const struct sv_init_args *a, struct sv_err **err)
{
  if (a->fifofd < 0)
    return sv_sync_expect (a->syncfd, SV_SYNC_START, NULL, NULL, "start", err);
  char path[64];
  snprintf (path, sizeof path, "/proc/self/fd/%d", a->fifofd);
  _cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open exec.fifo");
  if (write (fd, "0", 1) != 1)
    return sv_err_errno (err, "write exec.fifo");
  close (a->fifofd);
  return 0;
}

static int
run_hooks_in_container (const struct sv_hook_list *l, const char *name, const char *state,
                        struct sv_err **err)
{
  if (l->n == 0)
    return 0;
  return sv_hooks_run (l, name, state, err);
}

/* A session keyring of the container's own, so keys never leak between
 * containers or from the host.  Kernels without keyrings are fine. */
static int
join_keyring (const struct sv_init_args *a, struct sv_err **err)
{
  if (!a->new_keyring)
    return 0;
  if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, a->id) < 0 && errno != ENOSYS)
    return sv_err_errno (err, "join a new session keyring");
  return 0;
}

static int
wait_joined (const struct sv_init_args *a, struct sv_err **err)
{
  return sv_sync_expect (a->syncfd, SV_SYNC_JOINED, NULL, NULL, "joining the cgroup", err);
}

static int
init_steps (const struct sv_init_args *a, struct sv_err **err)
{
  const struct sv_spec *spec = a->spec;
  struct init_ctx c = { 0 };
  size_t len = sizeof c.cgroup_path - 1;
  if (sv_sync_expect (a->syncfd, SV_SYNC_GO, c.cgroup_path, &len, "setup", err) < 0)
    return -1;
  /* A new cgroup namespace is rooted where we are: be in the cgroup first.
   * Otherwise the mounts are made while the parent moves us. */
  bool new_cgroupns = sv_spec_namespace (spec, CLONE_NEWCGROUP) != NULL;
  bool self_join = a->cgroup != NULL;
  if (self_join && sv_cgroup_join_self (a->cgroup, a->cgroup_v2_done, err) < 0)
    return -1;
  if (!self_join && new_cgroupns && wait_joined (a, err) < 0)
    return -1;
  if (enter_late_namespaces (a, err) < 0 || build_rootfs (a, &c, err) < 0)
    return -1;
  if (!self_join && !new_cgroupns && wait_joined (a, err) < 0)
    return -1;
  if (sv_sync_send (a->syncfd, SV_SYNC_MOUNTED, 0, NULL, 0, err) < 0)
    return -1;
  len = sizeof c.state - 1;
  if (sv_sync_expect (a->syncfd, SV_SYNC_HOOKS_DONE, c.state, &len, "hooks", err) < 0)
    return -1;
  if (run_hooks_in_container (&spec->hooks.create_container, "createContainer", c.state, err) < 0)
    return -1;
  /* sysctls go in before readonlyPaths makes /proc/sys read-only. */
  if (sv_rootfs_enter (a->rootfs, a->no_pivot, err) < 0 || setup_identity (spec, err) < 0
      || sv_rootfs_finalize (spec, err) < 0)
    return -1;
  if (spec->process->terminal && sv_console_setup (spec->process, a->consolefd, NULL, err) < 0)
    return -1;
  if (a->consolefd >= 0)
    close (a->consolefd);
  if (join_keyring (a, err) < 0 || sv_process_setup_privileged (spec->process, err) < 0)
    return -1;
  _cleanup_free_ char *path = NULL;
  if (sv_process_lookup (spec->process, &path, err) < 0)
    return -1;
  struct sv_seccomp_bpf *bpf = NULL;
  if (spec->seccomp && sv_seccomp_compile_cached (spec->seccomp, a->cache_dirfd, &bpf, err) < 0)
    return -1;
  /* From here on the container outlives the `create` process. */
  (void)prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
  if (sv_sync_send (a->syncfd, SV_SYNC_READY, 0, NULL, 0, err) < 0)
    return -1;
  if (wait_start (a, err) < 0)
    return -1;
  past_start = true;
  if (run_hooks_in_container (&spec->hooks.start_container, "startContainer", c.state, err) < 0)
    return -1;
  if (sv_process_prepare_fds (a->preserve_fds, err) < 0)
    return -1;
  if (sv_process_finalize (spec->process, bpf, !a->new_userns, err) < 0)
    return -1;
  return sv_process_exec (spec->process, path, bpf, err);
}

void
sv_init_run (const struct sv_init_args *a)
{
  struct sv_err *err = NULL;
  /* Die with the runtime until the container is started. */
  (void)prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  umask (0);
  init_steps (a, &err);
  /* Only reached on failure.  After `start` nobody may be listening on
   * the sync socket: say it on stderr too, as runc's init does. */
  sv_sync_send_err (a->syncfd, err);
  if (past_start && a->fifofd >= 0)
    {
      char *s = sv_err_string (err);
      dprintf (2, "servin-runtime: %s\n", s);
      free (s);
    }
  if (past_start && err && err->code == ENOENT)
    _exit (127);
  _exit (past_start && err && err->code == EACCES ? 126 : 1);
}

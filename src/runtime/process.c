#include "runtime/process.h"
#include "runtime/caps.h"
#include "runtime/rlimits.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/close_range.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char default_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

static int
check_exec (const char *path)
{
  struct stat st;
  if (stat (path, &st) < 0)
    return -errno;
  if (S_ISDIR (st.st_mode))
    return -EACCES;
  if (access (path, X_OK) < 0)
    return -errno;
  return 0;
}

int
sv_process_lookup (const struct sv_process *p, char **out, struct sv_err **err)
{
  const char *name = p->args[0];
  if (strchr (name, '/'))
    {
      int r = check_exec (name);
      if (r < 0)
        return sv_err_make (err, -r, "exec `%s`", name);
      *out = xstrdup (name);
      return 0;
    }
  const char *path = sv_strv_env_get (p->env, "PATH");
  _cleanup_free_ char *copy = xstrdup (path ? path : default_path);
  int last = ENOENT;
  char *save = NULL;
  for (char *dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      _cleanup_free_ char *cand = xasprintf ("%s/%s", *dir ? dir : ".", name);
      int r = check_exec (cand);
      if (r == 0)
        {
          *out = steal_pointer (&cand);
          return 0;
        }
      if (r == -EACCES)
        last = EACCES;
    }
  if (last == EACCES)
    return sv_err_make (err, EACCES, "exec `%s`", name);
  return sv_err_make (err, ENOENT, "executable file `%s` not found in $PATH", name);
}

int
sv_process_prepare_fds (int preserve, struct sv_err **err)
{
  for (int fd = 3; fd < 3 + preserve; fd++)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags >= 0)
        (void)fcntl (fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
  if (syscall (SYS_close_range, 3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    return sv_err_errno (err, "mark file descriptors close-on-exec");
  return 0;
}

static int
write_self (const char *file, const char *value, struct sv_err **err)
{
  _cleanup_close_ int fd = open (file, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open `%s`", file);
  if (write (fd, value, strlen (value)) < 0)
    return sv_err_errno (err, "write `%s` to `%s`", value, file);
  return 0;
}

int
sv_process_setup_privileged (const struct sv_process *p, struct sv_err **err)
{
  if (sv_rlimits_apply (p->rlimits, p->n_rlimits, err) < 0)
    return -1;
  if (p->has_oom_score_adj)
    {
      char buf[16];
      snprintf (buf, sizeof buf, "%d", p->oom_score_adj);
      if (write_self ("/proc/self/oom_score_adj", buf, err) < 0)
        return -1;
    }
  if (p->apparmor_profile && *p->apparmor_profile)
    {
      _cleanup_free_ char *v = xasprintf ("exec %s", p->apparmor_profile);
      if (write_self ("/proc/self/attr/apparmor/exec", v, NULL) < 0
          && write_self ("/proc/self/attr/exec", v, err) < 0)
        return sv_err_wrap (err, "apply AppArmor profile `%s`", p->apparmor_profile);
    }
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return sv_err_errno (err, "set no_new_privs");
  return 0;
}

static int
switch_user (const struct sv_process *p, bool setgroups_allowed, struct sv_err **err)
{
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return sv_err_errno (err, "keep capabilities");
  if (setgroups_allowed && setgroups (p->user.n_additional_gids, p->user.additional_gids) < 0)
    return sv_err_errno (err, "setgroups");
  if (setresgid (p->user.gid, p->user.gid, p->user.gid) < 0)
    return sv_err_errno (err, "setgid %u", p->user.gid);
  if (setresuid (p->user.uid, p->user.uid, p->user.uid) < 0)
    return sv_err_errno (err, "setuid %u", p->user.uid);
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return sv_err_errno (err, "clear keep capabilities");
  return 0;
}

int
sv_process_finalize (const struct sv_process *p, const struct sv_seccomp_bpf *seccomp,
                     bool setgroups_allowed, struct sv_err **err)
{
  static const struct sv_caps no_caps = { 0 };
  const struct sv_caps *caps = p->caps ? p->caps : &no_caps;
  if (seccomp && !p->no_new_privileges && sv_seccomp_load (seccomp, err) < 0)
    return -1;
  if (sv_caps_apply_bounding (caps, err) < 0)
    return -1;
  if (switch_user (p, setgroups_allowed, err) < 0)
    return -1;
  if (sv_caps_apply (caps, err) < 0)
    return -1;
  if (chdir (p->cwd) < 0)
    return sv_err_errno (err, "chdir to cwd `%s`", p->cwd);
  umask (p->user.has_umask ? p->user.umask : 022);
  return 0;
}

int
sv_process_exec (const struct sv_process *p, const char *path, const struct sv_seccomp_bpf *seccomp,
                 struct sv_err **err)
{
  if (seccomp && p->no_new_privileges && sv_seccomp_load (seccomp, err) < 0)
    return -1;
  /* The caller's signal state must not leak into the container: a monitor
   * that waits on a signalfd blocks SIGTERM, and an init that inherited
   * that mask could never be stopped. */
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  /* Ignored signals stay ignored across execve: reset them (SIGPIPE is
   * ignored by many callers). */
  for (int sig = 1; sig < SIGRTMIN; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal (sig, SIG_DFL);
  char *empty[] = { NULL };
  execve (path, p->args, p->env ? p->env : empty);
  return sv_err_errno (err, "exec `%s`", p->args[0]);
}

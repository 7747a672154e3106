/* kill, delete, state, list, pause/resume, update, ps: commands on a
 * container that exists. */
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "runtime/hooks.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void
state_freep (struct sv_state **st)
{
  sv_state_free (*st);
}
#define _cleanup_state_ _cleanup_ (state_freep)

static void
cgroup_freep (struct sv_cgroup **cg)
{
  if (*cg)
    sv_cgroup_free (*cg);
}
#define _cleanup_cgroup_ _cleanup_ (cgroup_freep)

int
sv_container_spec (struct sv_runtime *rt, const char *id, struct sv_spec **out, struct sv_err **err)
{
  _cleanup_close_ int dfd = openat (rt->rootfd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (dfd < 0)
    return sv_err_errno (err, "container `%s`", id);
  return sv_spec_load (dfd, "config.json", out, err);
}

static int
open_cgroup (const struct sv_state *st, struct sv_cgroup **cg, struct sv_err **err)
{
  if (st->cgroup_path == NULL)
    return sv_err_make (err, ENOTSUP, "container `%s` has no cgroup", st->id);
  return sv_cgroup_open (st->cgroup_path, cg, err);
}

/* Signal the container's init through a pidfd, so a reused pid can never
 * receive it. */
static int
signal_init (const struct sv_state *st, int sig, struct sv_err **err)
{
  _cleanup_close_ int pidfd = (int)syscall (SYS_pidfd_open, st->pid, 0);
  if (pidfd < 0)
    return sv_err_errno (err, "pidfd_open %d", (int)st->pid);
  if (!sv_proc_is_alive (st->pid, st->start_time))
    return sv_err_make (err, ESRCH, "container `%s` is not running", st->id);
  if (syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
    return sv_err_errno (err, "signal container `%s`", st->id);
  return 0;
}

static int
kill_state (const struct sv_state *st, int sig, bool all, struct sv_err **err)
{
  if (!all || st->cgroup_path == NULL)
    return signal_init (st, sig, err);
  _cleanup_cgroup_ struct sv_cgroup *cg = NULL;
  if (open_cgroup (st, &cg, err) < 0)
    return -1;
  return sv_cgroup_kill_all (cg, sig, err);
}

int
sv_container_kill (struct sv_runtime *rt, const char *id, int sig, bool all, struct sv_err **err)
{
  _cleanup_state_ struct sv_state *st = NULL;
  if (sv_state_load (rt->rootfd, id, &st, err) < 0)
    return -1;
  enum sv_status s = sv_state_status (rt->rootfd, st);
  if (s == SV_STATUS_STOPPED && !all)
    return sv_err_make (err, ESRCH, "container `%s` is not running", id);
  return kill_state (st, sig, all, err);
}

/* Wait up to about 10 s for the init process to be gone. */
static int
wait_gone (const struct sv_state *st, struct sv_err **err)
{
  for (int i = 0; i < 2000; i++)
    {
      if (!sv_proc_is_alive (st->pid, st->start_time))
        return 0;
      struct timespec ts = { 0, i < 100 ? 100000 : 5000000 };
      nanosleep (&ts, NULL);
    }
  return sv_err_make (err, ETIMEDOUT, "container `%s` did not exit after SIGKILL", st->id);
}

static int
stop_all (const struct sv_state *st, enum sv_status s, struct sv_err **err)
{
  _cleanup_cgroup_ struct sv_cgroup *cg = NULL;
  if (st->cgroup_path && sv_cgroup_open (st->cgroup_path, &cg, NULL) == 0)
    {
      (void)sv_cgroup_kill_all (cg, SIGKILL, NULL);
      if (s == SV_STATUS_PAUSED)
        (void)sv_cgroup_freeze (cg, false, NULL);
    }
  if (sv_proc_is_alive (st->pid, st->start_time))
    (void)signal_init (st, SIGKILL, NULL);
  return wait_gone (st, err);
}

static void
run_poststop (struct sv_runtime *rt, const struct sv_state *st)
{
  struct sv_spec *spec = NULL;
  if (sv_container_spec (rt, st->id, &spec, NULL) < 0)
    return;
  if (spec->hooks.poststop.n > 0)
    {
      struct sv_err *err = NULL;
      json_t *j = sv_state_to_oci_json (st, SV_STATUS_STOPPED);
      char *state = json_dumps (j, JSON_COMPACT);
      if (sv_hooks_run (&spec->hooks.poststop, "poststop", state, &err) < 0)
        {
          char *s = sv_err_string (err);
          sv_log_warning ("%s", s);
          free (s);
          sv_err_free (&err);
        }
      free (state);
      json_decref (j);
    }
  sv_spec_free (spec);
}

static int
destroy_cgroup (const struct sv_state *st, struct sv_err **err)
{
  if (st->cgroup_path == NULL)
    return 0;
  _cleanup_cgroup_ struct sv_cgroup *cg = NULL;
  if (sv_cgroup_open (st->cgroup_path, &cg, NULL) < 0)
    return 0; /* already gone */
  (void)sv_cgroup_kill_all (cg, SIGKILL, NULL);
  return sv_cgroup_destroy (cg, err);
}

int
sv_container_delete (struct sv_runtime *rt, const char *id, bool force, struct sv_err **err)
{
  _cleanup_state_ struct sv_state *st = NULL;
  if (sv_state_load (rt->rootfd, id, &st, err) < 0)
    {
      /* A directory without state.json is a create that died half-way. */
      if (sv_state_check_id (id, NULL) == 0 && faccessat (rt->rootfd, id, F_OK, 0) == 0)
        {
          sv_err_free (err);
          return sv_rm_rf_at (rt->rootfd, id, err);
        }
      return -1;
    }
  enum sv_status s = sv_state_status (rt->rootfd, st);
  if ((s == SV_STATUS_RUNNING || s == SV_STATUS_PAUSED) && !force)
    return sv_err_make (err, EBUSY, "cannot delete container `%s` that is %s (use --force)", id,
                        sv_status_name (s));
  if (s != SV_STATUS_STOPPED && stop_all (st, s, err) < 0)
    return -1;
  run_poststop (rt, st);
  if (destroy_cgroup (st, err) < 0)
    return -1;
  return sv_rm_rf_at (rt->rootfd, id, err);
}

int
sv_container_state (struct sv_runtime *rt, const char *id, json_t **out, struct sv_err **err)
{
  _cleanup_state_ struct sv_state *st = NULL;
  if (sv_state_load (rt->rootfd, id, &st, err) < 0)
    return -1;
  *out = sv_state_to_oci_json (st, sv_state_status (rt->rootfd, st));
  return 0;
}

int
sv_container_list (struct sv_runtime *rt, json_t **out, struct sv_err **err)
{
  int dfd = dup (rt->rootfd);
  if (dfd < 0)
    return sv_err_errno (err, "dup");
  _cleanup_closedir_ DIR *d = fdopendir (dfd);
  if (d == NULL)
    {
      close (dfd);
      return sv_err_errno (err, "read `%s`", rt->root);
    }
  rewinddir (d);
  json_t *arr = json_array ();
  struct dirent *de;
  while ((de = readdir (d)))
    {
      struct sv_state *st = NULL;
      if (de->d_name[0] == '.' || sv_state_load (rt->rootfd, de->d_name, &st, NULL) < 0)
        continue;
      json_array_append_new (arr, sv_state_to_oci_json (st, sv_state_status (rt->rootfd, st)));
      sv_state_free (st);
    }
  *out = arr;
  return 0;
}

/* Load a container that must be running (or paused) and open its cgroup. */
static int
load_live (struct sv_runtime *rt, const char *id, struct sv_state **st, enum sv_status *s,
           struct sv_cgroup **cg, struct sv_err **err)
{
  if (sv_state_load (rt->rootfd, id, st, err) < 0)
    return -1;
  *s = sv_state_status (rt->rootfd, *st);
  if (*s == SV_STATUS_STOPPED)
    return sv_err_make (err, ESRCH, "container `%s` is not running", id);
  return open_cgroup (*st, cg, err);
}

int
sv_container_pause (struct sv_runtime *rt, const char *id, bool pause, struct sv_err **err)
{
  _cleanup_state_ struct sv_state *st = NULL;
  _cleanup_cgroup_ struct sv_cgroup *cg = NULL;
  enum sv_status s;
  if (load_live (rt, id, &st, &s, &cg, err) < 0)
    return -1;
  if (pause && s != SV_STATUS_RUNNING)
    return sv_err_make (err, EINVAL, "cannot pause container `%s`: it is %s", id,
                        sv_status_name (s));
  if (!pause && s != SV_STATUS_PAUSED)
    return sv_err_make (err, EINVAL, "cannot resume container `%s`: it is not paused", id);
  return sv_cgroup_freeze (cg, pause, err);
}

int
sv_container_update (struct sv_runtime *rt, const char *id, json_t *resources, struct sv_err **err)
{
  _cleanup_state_ struct sv_state *st = NULL;
  _cleanup_cgroup_ struct sv_cgroup *cg = NULL;
  enum sv_status s;
  if (load_live (rt, id, &st, &s, &cg, err) < 0)
    return -1;
  struct sv_resources *res = NULL;
  if (sv_resources_parse (resources, "resources", &res, err) < 0)
    return -1;
  int ret = sv_cgroup_update (cg, res, err);
  sv_resources_free (res);
  return ret;
}

int
sv_container_pids (struct sv_runtime *rt, const char *id, pid_t **pids, size_t *n,
                   struct sv_err **err)
{
  _cleanup_state_ struct sv_state *st = NULL;
  _cleanup_cgroup_ struct sv_cgroup *cg = NULL;
  enum sv_status s;
  if (load_live (rt, id, &st, &s, &cg, err) < 0)
    return -1;
  return sv_cgroup_pids (cg, pids, n, err);
}

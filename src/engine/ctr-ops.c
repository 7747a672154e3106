/* Pause and thaw, a container's root filesystem, its resource usage. */
#include "engine/ctr-ops.h"
#include "runtime/cgroup.h"
#include "runtime/state.h"
#include "storage/rootfs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int
set_state (struct sv_engine *e, struct sv_ctr *c, const char *state, struct sv_err **err)
{
  free (c->state);
  c->state = xstrdup (state);
  return sv_ctr_update (e->db, c, err);
}

int
sv_engine_pause (struct sv_engine *e, struct sv_ctr *c, bool pause, struct sv_err **err)
{
  if (!sv_engine_refresh (e, c))
    return sv_err_make_plain (err, EINVAL, "Container %s is not running", c->id);
  bool paused = strcmp (c->state, "paused") == 0;
  if (pause && paused)
    return sv_err_make_plain (err, EINVAL, "Container %s is already paused", c->id);
  if (!pause && !paused)
    return sv_err_make_plain (err, EINVAL, "Container %s is not paused", c->id);
  if (strcmp (c->state, "restarting") == 0)
    return sv_err_make_plain (
        err, EINVAL, "Container %s is restarting, wait until the container is running", c->id);
  struct sv_runtime *rt;
  if (sv_engine_runtime (e, &rt, err) < 0 || sv_container_pause (rt, c->id, pause, err) < 0)
    return -1;
  return set_state (e, c, pause ? "paused" : "running", err);
}

void
sv_engine_thaw (struct sv_engine *e, struct sv_ctr *c)
{
  struct sv_runtime *rt;
  if (strcmp (c->state, "paused") != 0 || sv_engine_runtime (e, &rt, NULL) < 0)
    return;
  (void)sv_container_pause (rt, c->id, false, NULL);
  (void)set_state (e, c, "running", NULL);
}

/* ---- the root filesystem ---- */

/* Enter a mount namespace of our own (once): mounts made here then vanish
 * with this process, whatever happens to it. */
static int
private_mounts (struct sv_err **err)
{
  static bool done;
  if (done)
    return 0;
  if (unshare (CLONE_NEWNS) < 0)
    return sv_err_errno (err, "unshare the mount namespace");
  if (mount (NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    return sv_err_errno (err, "make the mounts of this process private");
  done = true;
  return 0;
}

/* Whether the directory FD is the root of a mount (its parent is on
 * another device). */
static bool
is_mountpoint (int fd)
{
  struct stat st, parent;
  return fstat (fd, &st) == 0 && fstatat (fd, "..", &parent, 0) == 0
         && (st.st_dev != parent.st_dev || st.st_ino == parent.st_ino);
}

static int
mount_stopped (struct sv_engine *e, struct sv_ctr *c, const char *path, struct sv_err **err)
{
  struct sv_image *img = NULL;
  _cleanup_free_ char *ctr_dir = sv_engine_ctr_dir (e, c->id);
  if (private_mounts (err) < 0 || sv_store_lookup_image (e->store, c->image_id, &img, err) < 0)
    return -1;
  int r = sv_rootfs_mount (e->store, img, ctr_dir, path, sv_rootfs_mode_from_env (), NULL, err);
  sv_image_free (img);
  return r;
}

int
sv_ctr_root_open (struct sv_engine *e, struct sv_ctr *c, struct sv_ctr_root *r, struct sv_err **err)
{
  _cleanup_free_ char *run_dir = sv_engine_run_dir (e, c->id);
  _cleanup_free_ char *path = xasprintf ("%s/rootfs", run_dir);
  _cleanup_close_ int fd = -1;
  bool mounted = false;
  if (sv_engine_refresh (e, c))
    {
      fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fd >= 0 && !is_mountpoint (fd))
        {
          /* It stopped meanwhile and its monitor unmounted it. */
          close (fd);
          fd = -1;
        }
    }
  if (fd < 0)
    {
      if (mount_stopped (e, c, path, err) < 0)
        return sv_err_wrap (err, "mount the root of container %s", c->name);
      mounted = true;
      fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0)
        {
          int ret = sv_err_errno (err, "open `%s`", path);
          sv_rootfs_umount (path, NULL);
          return ret;
        }
    }
  r->fd = TAKE_FD (&fd);
  r->path = steal_pointer (&path);
  r->mounted = mounted;
  return 0;
}

void
sv_ctr_root_close (struct sv_ctr_root *r)
{
  if (r->fd >= 0)
    close (r->fd);
  r->fd = -1;
  if (r->mounted && r->path)
    (void)sv_rootfs_umount (r->path, NULL);
  r->mounted = false;
  free (r->path);
  r->path = NULL;
}

/* ---- resource usage ---- */

static void
state_freep (struct sv_state **st)
{
  if (*st)
    sv_state_free (*st);
}

static void
cgroup_freep (struct sv_cgroup **cg)
{
  if (*cg)
    sv_cgroup_free (*cg);
}

int
sv_engine_usage (struct sv_engine *e, const struct sv_ctr *c, struct sv_ctr_usage *u,
                 struct sv_err **err)
{
  struct sv_runtime *rt;
  _cleanup_ (state_freep) struct sv_state *st = NULL;
  _cleanup_ (cgroup_freep) struct sv_cgroup *cg = NULL;
  if (sv_engine_runtime (e, &rt, err) < 0 || sv_state_load (rt->rootfd, c->id, &st, err) < 0)
    return -1;
  if (st->cgroup_path == NULL)
    return sv_err_make_plain (err, ENOTSUP, "container %s has no cgroup", c->name);
  struct sv_cgroup_stats s;
  if (sv_cgroup_open (st->cgroup_path, &cg, err) < 0 || sv_cgroup_stats (cg, &s, err) < 0)
    return -1;
  uint64_t host = (uint64_t)sysconf (_SC_PHYS_PAGES) * (uint64_t)sysconf (_SC_PAGESIZE);
  *u = (struct sv_ctr_usage){
    .cpu_ns = s.cpu_usage_ns,
    .mem_usage = s.memory_usage,
    .mem_limit = s.memory_limit == 0 || s.memory_limit > host ? host : s.memory_limit,
    .pids = s.pids_current,
  };
  return 0;
}

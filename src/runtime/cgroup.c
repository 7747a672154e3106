/* The cgroup manager: detects the host layout, finds for each controller
 * the hierarchy that provides it (a v1 mount first, else the v2 one; a
 * hybrid host mixes both) and dispatches to that hierarchy's backend. */
#include "runtime/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>

const char *sv_cgroup_root = "/sys/fs/cgroup";

/* ---- controllers ---- */

static const struct
{
  const char *v1, *v2, *what;
} ctrl_names[SV_CTRL_N] = {
  [SV_CTRL_CPU] = { "cpu", "cpu", "cpu limit" },
  [SV_CTRL_CPUACCT] = { "cpuacct", NULL, "cpu accounting" },
  [SV_CTRL_CPUSET] = { "cpuset", "cpuset", "cpuset" },
  [SV_CTRL_MEMORY] = { "memory", "memory", "memory limit" },
  [SV_CTRL_PIDS] = { "pids", "pids", "pids limit" },
  [SV_CTRL_BLKIO] = { "blkio", "io", "blockIO limit" },
  [SV_CTRL_HUGETLB] = { "hugetlb", "hugetlb", "hugepage limit" },
  [SV_CTRL_DEVICES] = { "devices", NULL, "device rule" },
  [SV_CTRL_FREEZER] = { "freezer", NULL, "freezing" },
};

const char *
sv_ctrl_v1_name (enum sv_ctrl ctrl)
{
  return ctrl_names[ctrl].v1;
}

const char *
sv_ctrl_v2_name (enum sv_ctrl ctrl)
{
  return ctrl_names[ctrl].v2;
}

const char *
sv_ctrl_what (enum sv_ctrl ctrl)
{
  return ctrl_names[ctrl].what;
}

/* ---- small file helpers ---- */

int
sv_cg_write (int dfd, const char *file, const char *value, struct sv_err **err)
{
  return sv_write_knob_at (dfd, file, value, err);
}

int
sv_cg_writef (int dfd, const char *file, struct sv_err **err, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  _cleanup_free_ char *value = xvasprintf (fmt, ap);
  va_end (ap);
  return sv_write_knob_at (dfd, file, value, err);
}

int
sv_cg_read (int dfd, const char *file, char **out, struct sv_err **err)
{
  char *buf = NULL;
  size_t len = 0;
  if (sv_read_file_at (dfd, file, &buf, &len, err) < 0)
    return -1;
  while (len > 0 && buf[len - 1] == '\n')
    buf[--len] = '\0';
  *out = buf;
  return 0;
}

int
sv_cg_write_cpuset (int dfd, const struct sv_resources *r, struct sv_err **err)
{
  if (r->cpu.cpus && sv_cg_write (dfd, "cpuset.cpus", r->cpu.cpus, err) < 0)
    return -1;
  if (r->cpu.mems && sv_cg_write (dfd, "cpuset.mems", r->cpu.mems, err) < 0)
    return -1;
  return 0;
}

bool
sv_cg_read_u64 (int dfd, const char *file, uint64_t *out)
{
  _cleanup_free_ char *s = NULL;
  if (sv_cg_read (dfd, file, &s, NULL) < 0)
    return false;
  if (strcmp (s, "max") == 0)
    {
      *out = UINT64_MAX;
      return true;
    }
  char *end;
  errno = 0;
  unsigned long long v = strtoull (s, &end, 10);
  if (errno || end == s)
    return false;
  *out = v;
  return true;
}

bool
sv_cg_read_keyed (int dfd, const char *file, const char *key, uint64_t *out)
{
  _cleanup_free_ char *s = NULL;
  if (sv_cg_read (dfd, file, &s, NULL) < 0)
    return false;
  size_t kl = strlen (key);
  for (char *line = s; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
    if (strncmp (line, key, kl) == 0 && line[kl] == ' ')
      {
        *out = strtoull (line + kl + 1, NULL, 10);
        return true;
      }
  return false;
}

bool
sv_cg_file_exists (int dfd, const char *file)
{
  return faccessat (dfd, file, F_OK, 0) == 0;
}

/* ---- mode ---- */

static int cached_mode = -1;

void
sv_cgroup_reset_mode_cache (void)
{
  cached_mode = -1;
}

static bool
is_fs (const char *path, long magic)
{
  struct statfs st;
  return statfs (path, &st) == 0 && (long)st.f_type == magic;
}

int
sv_cgroup_detect_mode (enum sv_cgroup_mode *out, struct sv_err **err)
{
  if (cached_mode >= 0)
    {
      *out = cached_mode;
      return 0;
    }
  struct statfs st;
  if (statfs (sv_cgroup_root, &st) < 0)
    return sv_err_errno (err, "statfs `%s`", sv_cgroup_root);
  enum sv_cgroup_mode mode;
  if (st.f_type == CGROUP2_SUPER_MAGIC)
    mode = SV_CGROUP_V2;
  else if (st.f_type == TMPFS_MAGIC)
    {
      _cleanup_free_ char *unified = xasprintf ("%s/unified", sv_cgroup_root);
      mode = is_fs (unified, CGROUP2_SUPER_MAGIC) ? SV_CGROUP_HYBRID : SV_CGROUP_V1;
    }
  else
    return sv_err_make (err, ENOTSUP, "`%s` is neither cgroup2 nor a tmpfs of v1 hierarchies",
                        sv_cgroup_root);
  cached_mode = mode;
  *out = mode;
  return 0;
}

/* ---- the cgroup object ---- */

void
sv_cgroup_free (struct sv_cgroup *cg)
{
  if (cg == NULL)
    return;
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      free (cg->dirs[i].mount);
      free (cg->dirs[i].controllers);
      free (cg->dirs[i].own);
      free (cg->dirs[i].path);
      free (cg->dirs[i].created);
    }
  free (cg->dirs);
  free (cg->stored);
  free (cg);
}

static void
cgroup_freep (struct sv_cgroup **cg)
{
  sv_cgroup_free (*cg);
}

const char *
sv_cgroup_path (const struct sv_cgroup *cg)
{
  return cg->stored;
}

/* A cgroup object with its hierarchies found but no paths set. */
static int
cgroup_new (struct sv_cgroup **out, struct sv_err **err)
{
  _cleanup_ (cgroup_freep) struct sv_cgroup *cg = xmalloc0 (sizeof *cg);
  if (sv_cgroup_detect_mode (&cg->mode, err) < 0
      || sv_cgroup_find_hierarchies (cg, sv_cgroup_root, err) < 0)
    return -1;
  *out = steal_pointer (&cg);
  return 0;
}

/* The hierarchy that provides CTRL, or NULL. */
static struct sv_cg_dir *
provider (struct sv_cgroup *cg, enum sv_ctrl ctrl)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (cg->dirs[i].backend->provides (&cg->dirs[i], ctrl))
      return &cg->dirs[i];
  return NULL;
}

static struct sv_cg_dir *
v2_dir (struct sv_cgroup *cg)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (cg->dirs[i].backend == &sv_cgroup_v2_backend)
      return &cg->dirs[i];
  return NULL;
}

int
sv_cgroup_open (const char *path, struct sv_cgroup **out, struct sv_err **err)
{
  _cleanup_ (cgroup_freep) struct sv_cgroup *cg = NULL;
  if (path == NULL || *path == '\0')
    return sv_err_make (err, EINVAL, "empty cgroup path");
  if (cgroup_new (&cg, err) < 0 || sv_cgroup_parse_stored (cg, path, err) < 0)
    return sv_err_wrap (err, "open cgroup `%s`", path);
  cg->stored = xstrdup (path);
  *out = steal_pointer (&cg);
  return 0;
}

/* ---- creation ---- */

/* mkdir -p D's path, remembering in D->created the first directory made. */
static int
dir_mkdir (struct sv_cg_dir *d, struct sv_err **err)
{
  _cleanup_free_ char *full = sv_cg_dir_file (d, NULL);
  size_t base = strlen (d->mount);
  for (char *s = full + base + 1;; s++)
    {
      if (*s != '/' && *s != '\0')
        continue;
      char saved = *s;
      *s = '\0';
      if (mkdir (full, 0755) == 0)
        {
          if (d->created == NULL)
            d->created = xstrdup (full);
        }
      else if (errno != EEXIST)
        return sv_err_errno (err, "mkdir `%s`", full);
      *s = saved;
      if (saved == '\0')
        return 0;
    }
}

/* Remove what dir_mkdir made, leaf first. */
static void
dir_rollback (struct sv_cg_dir *d)
{
  if (d->created == NULL)
    return;
  _cleanup_free_ char *full = sv_cg_dir_file (d, NULL);
  size_t stop = strlen (d->created);
  while (strlen (full) >= stop)
    {
      (void)rmdir (full);
      char *slash = strrchr (full, '/');
      if (slash == NULL)
        break;
      *slash = '\0';
    }
  free (d->created);
  d->created = NULL;
}

static const enum sv_ctrl limit_ctrls[] = {
  SV_CTRL_CPUSET, SV_CTRL_CPU, SV_CTRL_MEMORY, SV_CTRL_PIDS, SV_CTRL_BLKIO, SV_CTRL_HUGETLB,
};
#define N_LIMIT_CTRLS (sizeof limit_ctrls / sizeof limit_ctrls[0])

/* The controller of a unified key: "memory" for "memory.high"; NULL for
 * files of cgroup2 itself ("cgroup.max.depth"). */
static char *
unified_controller (const char *key)
{
  if (strncmp (key, "cgroup.", 7) == 0)
    return NULL;
  return xstrndup (key, strcspn (key, "."));
}

/* Every unified key must land in a v2 hierarchy that has its controller. */
static int
check_unified (struct sv_cgroup *cg, const struct sv_resources *res, struct sv_err **err)
{
  struct sv_cg_dir *v2 = v2_dir (cg);
  for (size_t i = 0; i < res->n_unified; i++)
    {
      const char *key = res->unified[i].key;
      if (v2 == NULL)
        return sv_err_make (err, ENOTSUP, "%s.unified.%s: requires cgroup v2", res->path, key);
      _cleanup_free_ char *ctrl = unified_controller (key);
      for (int c = 0; ctrl && c < SV_CTRL_N; c++)
        {
          const char *v1 = sv_ctrl_v1_name (c), *v2n = sv_ctrl_v2_name (c);
          bool names_it = (v2n && strcmp (v2n, ctrl) == 0) || (v1 && strcmp (v1, ctrl) == 0);
          if (names_it && provider (cg, c) != v2)
            return sv_err_make (err, ENOTSUP,
                                "%s.unified.%s: the %s controller is not on cgroup v2 here",
                                res->path, key, ctrl);
        }
    }
  return 0;
}

/* Fail before touching anything when RES needs a controller the host lacks. */
static int
check_controllers (struct sv_cgroup *cg, const struct sv_resources *res, struct sv_err **err)
{
  for (size_t i = 0; i < N_LIMIT_CTRLS; i++)
    {
      enum sv_ctrl c = limit_ctrls[i];
      if (sv_resources_need (res, c) && provider (cg, c) == NULL)
        return sv_err_make (err, ENOTSUP, "%s requested but the %s controller is not available",
                            sv_ctrl_what (c), sv_ctrl_v1_name (c));
    }
  return res ? check_unified (cg, res, err) : 0;
}

/* Bitmask of the controllers D must provide for RES. */
static unsigned
needs_of (struct sv_cgroup *cg, struct sv_cg_dir *d, const struct sv_resources *res)
{
  unsigned need = 0;
  for (size_t i = 0; i < N_LIMIT_CTRLS; i++)
    if (sv_resources_need (res, limit_ctrls[i]) && provider (cg, limit_ctrls[i]) == d)
      need |= 1u << limit_ctrls[i];
  for (size_t i = 0; res && d->backend == &sv_cgroup_v2_backend && i < res->n_unified; i++)
    for (int c = 0; c < SV_CTRL_N; c++)
      {
        _cleanup_free_ char *ctrl = unified_controller (res->unified[i].key);
        if (ctrl && sv_ctrl_v2_name (c) && strcmp (sv_ctrl_v2_name (c), ctrl) == 0)
          need |= 1u << c;
      }
  return need;
}

static int
apply_one (struct sv_cg_dir *d, enum sv_ctrl ctrl, const struct sv_resources *res,
           struct sv_err **err)
{
  _cleanup_close_ int dfd = sv_cg_dir_open (d, err);
  if (dfd < 0)
    return -1;
  return d->backend->apply (dfd, ctrl, res, err);
}

static int
apply_unified (struct sv_cgroup *cg, const struct sv_resources *res, struct sv_err **err)
{
  if (res->n_unified == 0)
    return 0;
  if (check_unified (cg, res, err) < 0)
    return -1;
  _cleanup_close_ int dfd = sv_cg_dir_open (v2_dir (cg), err);
  if (dfd < 0)
    return -1;
  for (size_t i = 0; i < res->n_unified; i++)
    if (sv_cg_write (dfd, res->unified[i].key, res->unified[i].value, err) < 0)
      return sv_err_wrap (err, "%s.unified.%s", res->path, res->unified[i].key);
  return 0;
}

/* Apply RES; device rules too when DEVICES (at creation, or when RES has
 * a devices list). */
static int
apply_resources (struct sv_cgroup *cg, const struct sv_resources *res, bool devices,
                 struct sv_err **err)
{
  static const struct sv_resources empty = { .path = (char *)"linux.resources" };
  if (res == NULL)
    res = &empty;
  if (check_controllers (cg, res, err) < 0)
    return -1;
  for (size_t i = 0; i < N_LIMIT_CTRLS; i++)
    if (sv_resources_need (res, limit_ctrls[i])
        && apply_one (provider (cg, limit_ctrls[i]), limit_ctrls[i], res, err) < 0)
      return -1;
  struct sv_cg_dir *dev = provider (cg, SV_CTRL_DEVICES);
  if (devices && dev == NULL && res->devices_set)
    return sv_err_make (err, ENOTSUP, "%s.devices: no devices controller on this host", res->path);
  if (devices && dev && apply_one (dev, SV_CTRL_DEVICES, res, err) < 0)
    return sv_err_wrap (err, "%s.devices", res->path);
  return apply_unified (cg, res, err);
}

static int
create_dirs (struct sv_cgroup *cg, const struct sv_resources *res, struct sv_err **err)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (dir_mkdir (&cg->dirs[i], err) < 0)
      return -1;
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      struct sv_cg_dir *d = &cg->dirs[i];
      if (d->backend->prepare (d, needs_of (cg, d, res), err) < 0)
        return -1;
    }
  return 0;
}

static int
create_in (struct sv_cgroup *cg, const struct sv_resources *res, pid_t pid, struct sv_err **err)
{
  if (check_controllers (cg, res, err) < 0 || create_dirs (cg, res, err) < 0
      || apply_resources (cg, res, true, err) < 0)
    return -1;
  if (pid > 0 && sv_cgroup_enter (cg, pid, err) < 0)
    return -1;
  return 0;
}

int
sv_cgroup_create (const char *id, const char *cgroups_path, bool systemd,
                  const struct sv_resources *res, pid_t pid, struct sv_cgroup **out,
                  struct sv_err **err)
{
  _cleanup_ (cgroup_freep) struct sv_cgroup *cg = NULL;
  _cleanup_free_ char *resolved = NULL;
  if (sv_cgroup_resolve_path (id, cgroups_path, systemd, &resolved, err) < 0
      || cgroup_new (&cg, err) < 0)
    return -1;
  sv_cgroup_set_paths (cg, resolved);
  cg->stored = sv_cgroup_format_stored (cg);
  if (create_in (cg, res, pid, err) < 0)
    {
      for (size_t i = 0; i < cg->n_dirs; i++)
        dir_rollback (&cg->dirs[i]);
      return sv_err_wrap (err, "create cgroup `%s`", resolved);
    }
  *out = steal_pointer (&cg);
  return 0;
}

/* ---- operations on a live cgroup ---- */

int
sv_cgroup_enter (struct sv_cgroup *cg, pid_t pid, struct sv_err **err)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      _cleanup_close_ int dfd = sv_cg_dir_open (&cg->dirs[i], err);
      if (dfd < 0 || sv_cg_writef (dfd, "cgroup.procs", err, "%d", (int)pid) < 0)
        return sv_err_wrap (err, "move pid %d into cgroup", (int)pid);
    }
  return 0;
}

int
sv_cgroup_v2_fd (const struct sv_cgroup *cg)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (cg->dirs[i].backend == &sv_cgroup_v2_backend)
      return sv_cg_dir_open (&cg->dirs[i], NULL);
  return -1;
}

int
sv_cgroup_join_self (const struct sv_cgroup *cg, bool v2_done, struct sv_err **err)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      bool v2 = cg->dirs[i].backend == &sv_cgroup_v2_backend;
      if (v2 && v2_done)
        continue;
      _cleanup_close_ int dfd = sv_cg_dir_open (&cg->dirs[i], err);
      if (dfd < 0 || sv_cg_writef (dfd, v2 ? "cgroup.procs" : "tasks", err, "0") < 0)
        return sv_err_wrap (err, "join cgroup");
    }
  return 0;
}

int
sv_cgroup_update (struct sv_cgroup *cg, const struct sv_resources *res, struct sv_err **err)
{
  if (res == NULL)
    return 0;
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      struct sv_cg_dir *d = &cg->dirs[i];
      unsigned need = needs_of (cg, d, res);
      if (need && d->backend->prepare (d, need, err) < 0)
        return sv_err_wrap (err, "update cgroup `%s`", cg->stored);
    }
  if (apply_resources (cg, res, res->devices_set, err) < 0)
    return sv_err_wrap (err, "update cgroup `%s`", cg->stored);
  return 0;
}

static struct sv_cg_dir *
freezer_dir (struct sv_cgroup *cg, struct sv_err **err)
{
  struct sv_cg_dir *d = provider (cg, SV_CTRL_FREEZER);
  if (d == NULL)
    sv_err_make (err, ENOTSUP, "no freezer: neither a v1 freezer nor cgroup v2 is mounted");
  return d;
}

int
sv_cgroup_freeze (struct sv_cgroup *cg, bool frozen, struct sv_err **err)
{
  struct sv_cg_dir *d = freezer_dir (cg, err);
  if (d == NULL)
    return -1;
  _cleanup_close_ int dfd = sv_cg_dir_open (d, err);
  if (dfd < 0 || d->backend->freeze (dfd, frozen, err) < 0)
    return sv_err_wrap (err, "%s cgroup `%s`", frozen ? "freeze" : "thaw", cg->stored);
  return 0;
}

int
sv_cgroup_is_frozen (struct sv_cgroup *cg, struct sv_err **err)
{
  struct sv_cg_dir *d = freezer_dir (cg, err);
  if (d == NULL)
    return -1;
  _cleanup_close_ int dfd = sv_cg_dir_open (d, err);
  if (dfd < 0)
    return -1;
  return d->backend->is_frozen (dfd, err);
}

/* Append the pids of the cgroup at DFD and of its descendants. */
static int
collect_pids (int dfd, pid_t **pids, size_t *n, struct sv_err **err)
{
  _cleanup_free_ char *procs = NULL;
  if (sv_cg_read (dfd, "cgroup.procs", &procs, err) < 0)
    return -1;
  for (char *s = procs, *end; *s; s = end)
    {
      long v = strtol (s, &end, 10);
      if (end == s)
        break;
      *pids = xreallocarray (*pids, *n + 1, sizeof **pids);
      (*pids)[(*n)++] = (pid_t)v;
    }
  int dup_fd = dup (dfd);
  _cleanup_closedir_ DIR *dir = dup_fd >= 0 ? fdopendir (dup_fd) : NULL;
  if (dir == NULL)
    return sv_err_errno (err, "opendir");
  struct dirent *de;
  while ((de = readdir (dir)))
    {
      if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      _cleanup_close_ int sub = openat (dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (sub < 0 && errno == ENOENT)
        continue;
      if (sub < 0)
        return sv_err_errno (err, "open `%s`", de->d_name);
      if (collect_pids (sub, pids, n, err) < 0)
        return -1;
    }
  return 0;
}

/* The hierarchy whose cgroup.procs lists the container's processes. */
static struct sv_cg_dir *
primary_dir (struct sv_cgroup *cg)
{
  struct sv_cg_dir *d = provider (cg, SV_CTRL_FREEZER);
  if (d == NULL)
    d = provider (cg, SV_CTRL_PIDS);
  return d ? d : &cg->dirs[0];
}

int
sv_cgroup_pids (struct sv_cgroup *cg, pid_t **pids, size_t *n, struct sv_err **err)
{
  _cleanup_free_ pid_t *list = NULL;
  size_t count = 0;
  _cleanup_close_ int dfd = sv_cg_dir_open (primary_dir (cg), err);
  if (dfd < 0 || collect_pids (dfd, &list, &count, err) < 0)
    return sv_err_wrap (err, "list the processes of cgroup `%s`", cg->stored);
  *pids = steal_pointer (&list);
  *n = count;
  return 0;
}

static int
signal_each (struct sv_cgroup *cg, int sig, struct sv_err **err)
{
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  if (sv_cgroup_pids (cg, &pids, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      return sv_err_errno (err, "kill %d", (int)pids[i]);
  return 0;
}

int
sv_cgroup_kill_all (struct sv_cgroup *cg, int sig, struct sv_err **err)
{
  struct sv_cg_dir *v2 = v2_dir (cg);
  if (sig == SIGKILL && v2)
    {
      _cleanup_close_ int dfd = sv_cg_dir_open (v2, err);
      if (dfd < 0)
        return -1;
      if (sv_cg_file_exists (dfd, "cgroup.kill"))
        return sv_cg_write (dfd, "cgroup.kill", "1", err);
    }
  /* Freeze around the walk so that no process forks past it. */
  int frozen = provider (cg, SV_CTRL_FREEZER) ? sv_cgroup_is_frozen (cg, err) : 1;
  if (frozen < 0)
    return -1;
  if (!frozen && sv_cgroup_freeze (cg, true, err) < 0)
    return -1;
  int ret = signal_each (cg, sig, err);
  if (!frozen)
    {
      struct sv_err *thaw_err = NULL;
      if (sv_cgroup_freeze (cg, false, ret < 0 ? &thaw_err : err) < 0 && ret == 0)
        ret = -1;
      sv_err_free (&thaw_err);
    }
  return ret;
}

/* rmdir the cgroup directory NAME under DFD and, first, its children. */
static int
rmdir_tree (int dfd, const char *name, struct sv_err **err)
{
  _cleanup_close_ int fd = openat (dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : sv_err_errno (err, "open `%s`", name);
  int dup_fd = dup (fd);
  _cleanup_closedir_ DIR *dir = dup_fd >= 0 ? fdopendir (dup_fd) : NULL;
  if (dir == NULL)
    return sv_err_errno (err, "opendir `%s`", name);
  struct dirent *de;
  while ((de = readdir (dir)))
    if (de->d_type == DT_DIR && strcmp (de->d_name, ".") && strcmp (de->d_name, "..")
        && rmdir_tree (fd, de->d_name, err) < 0)
      return sv_err_wrap (err, "%s", name);
  for (int tries = 0;; tries++)
    {
      if (unlinkat (dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY || tries >= 200)
        return sv_err_errno (err, "rmdir `%s`", name);
      (void)nanosleep (&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
    }
}

int
sv_cgroup_destroy (struct sv_cgroup *cg, struct sv_err **err)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      _cleanup_free_ char *full = sv_cg_dir_file (&cg->dirs[i], NULL);
      if (strcmp (cg->dirs[i].path, "/") == 0)
        return sv_err_make (err, EINVAL, "refusing to remove a root cgroup");
      if (rmdir_tree (AT_FDCWD, full, err) < 0)
        return sv_err_wrap (err, "destroy cgroup `%s`", cg->stored);
    }
  return 0;
}

int
sv_cgroup_stats (struct sv_cgroup *cg, struct sv_cgroup_stats *out, struct sv_err **err)
{
  static const enum sv_ctrl ctrls[] = { SV_CTRL_MEMORY, SV_CTRL_CPUACCT, SV_CTRL_PIDS };
  struct sv_cgroup_stats st = { 0 };
  for (size_t i = 0; i < sizeof ctrls / sizeof ctrls[0]; i++)
    {
      struct sv_cg_dir *d = provider (cg, ctrls[i]);
      if (d == NULL)
        continue;
      _cleanup_close_ int dfd = sv_cg_dir_open (d, err);
      if (dfd < 0)
        return sv_err_wrap (err, "stats of cgroup `%s`", cg->stored);
      d->backend->stats (dfd, ctrls[i], &st);
    }
  *out = st;
  return 0;
}

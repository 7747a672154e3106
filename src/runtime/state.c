#include "runtime/state.h"
#include "runtime/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/proc.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const status_names[] = {
  [SV_STATUS_CREATING] = "creating", [SV_STATUS_CREATED] = "created",
  [SV_STATUS_RUNNING] = "running",   [SV_STATUS_PAUSED] = "paused",
  [SV_STATUS_STOPPED] = "stopped",
};

const char *
sv_status_name (enum sv_status s)
{
  return status_names[s];
}

int
sv_state_check_id (const char *id, struct sv_err **err)
{
  size_t len = strlen (id);
  if (len == 0 || len > 1024 || strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return sv_err_make (err, EINVAL, "invalid container id `%s`", id);
  for (const char *p = id; *p; p++)
    if (!(*p == '-' || *p == '_' || *p == '.' || *p == '+' || *p == ':' || *p == '@'
          || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
      return sv_err_make (err, EINVAL, "invalid container id `%s`: only [A-Za-z0-9_+.:@-] allowed",
                          id);
  return 0;
}

char *
sv_state_now (void)
{
  struct timespec ts;
  struct tm tm;
  char buf[64];
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return xasprintf ("%s.%09ldZ", buf, ts.tv_nsec);
}

int
sv_state_save (int rootfd, const struct sv_state *st, struct sv_err **err)
{
  _cleanup_json_ json_t *j
      = json_pack ("{s:s,s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:b}", "ociVersion", st->oci_version, "id",
                   st->id, "pid", (json_int_t)st->pid, "startTime", (json_int_t)st->start_time,
                   "bundle", st->bundle, "rootfs", st->rootfs, "created", st->created, "owner",
                   st->owner ? st->owner : "", "systemdCgroup", st->systemd_cgroup);
  if (st->cgroup_path)
    json_object_set_new (j, "cgroupPath", json_string (st->cgroup_path));
  if (st->annotations)
    json_object_set (j, "annotations", st->annotations);
  _cleanup_free_ char *s = json_dumps (j, JSON_COMPACT);
  _cleanup_free_ char *path = xasprintf ("%s/state.json", st->id);
  return sv_write_file_atomic_at (rootfd, path, s, strlen (s), 0600, err);
}

static int
state_from_json (json_t *j, struct sv_state *st, struct sv_err **err)
{
  int64_t pid = 0, start = 0;
  if (sv_json_dup_string (j, "state", "id", &st->id, err) < 0
      || sv_json_dup_string (j, "state", "ociVersion", &st->oci_version, err) < 0
      || sv_json_get_int64 (j, "state", "pid", &pid, err) < 0
      || sv_json_get_int64 (j, "state", "startTime", &start, err) < 0
      || sv_json_dup_string (j, "state", "bundle", &st->bundle, err) < 0
      || sv_json_dup_string (j, "state", "rootfs", &st->rootfs, err) < 0
      || sv_json_dup_string (j, "state", "created", &st->created, err) < 0
      || sv_json_dup_string (j, "state", "owner", &st->owner, err) < 0
      || sv_json_dup_string (j, "state", "cgroupPath", &st->cgroup_path, err) < 0
      || sv_json_get_bool (j, "state", "systemdCgroup", &st->systemd_cgroup, err) < 0)
    return -1;
  if (st->id == NULL || st->bundle == NULL)
    return sv_err_make (err, EINVAL, "state.json is incomplete");
  st->pid = (pid_t)pid;
  st->start_time = (uint64_t)start;
  json_t *a = json_object_get (j, "annotations");
  if (json_is_object (a))
    st->annotations = json_incref (a);
  return 0;
}

int
sv_state_load (int rootfd, const char *id, struct sv_state **out, struct sv_err **err)
{
  if (sv_state_check_id (id, err) < 0)
    return -1;
  _cleanup_free_ char *path = xasprintf ("%s/state.json", id);
  _cleanup_json_ json_t *j = NULL;
  _cleanup_err_ struct sv_err *unwanted = NULL;
  if (err == NULL)
    err = &unwanted; /* the code decides the message below */
  int ret = sv_json_load_file_at (rootfd, path, &j, err);
  if (ret < 0)
    {
      if ((*err)->code == ENOENT)
        {
          struct stat sb;
          if (fstatat (rootfd, id, &sb, 0) < 0)
            return sv_err_make (err, ENOENT, "container `%s` does not exist", id);
        }
      return sv_err_wrap (err, "container `%s`", id);
    }
  struct sv_state *st = xmalloc0 (sizeof *st);
  if (state_from_json (j, st, err) < 0)
    {
      sv_state_free (st);
      return sv_err_wrap (err, "container `%s`", id);
    }
  *out = st;
  return 0;
}

void
sv_state_free (struct sv_state *st)
{
  if (st == NULL)
    return;
  free (st->id);
  free (st->oci_version);
  free (st->bundle);
  free (st->rootfs);
  free (st->created);
  free (st->owner);
  free (st->cgroup_path);
  if (st->annotations)
    json_decref (st->annotations);
  free (st);
}

static bool
is_paused (const struct sv_state *st)
{
  if (st->cgroup_path == NULL)
    return false;
  struct sv_cgroup *cg = NULL;
  if (sv_cgroup_open (st->cgroup_path, &cg, NULL) < 0)
    return false;
  int frozen = sv_cgroup_is_frozen (cg, NULL);
  sv_cgroup_free (cg);
  return frozen > 0;
}

enum sv_status
sv_state_status (int rootfd, const struct sv_state *st)
{
  if (!sv_proc_is_alive (st->pid, st->start_time))
    return SV_STATUS_STOPPED;
  _cleanup_free_ char *fifo = xasprintf ("%s/exec.fifo", st->id);
  if (faccessat (rootfd, fifo, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return SV_STATUS_CREATED;
  return is_paused (st) ? SV_STATUS_PAUSED : SV_STATUS_RUNNING;
}

json_t *
sv_state_to_oci_json (const struct sv_state *st, enum sv_status status)
{
  json_t *j = json_pack ("{s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s}", "ociVersion", st->oci_version, "id",
                         st->id, "status", sv_status_name (status), "pid",
                         (json_int_t)(status == SV_STATUS_STOPPED ? 0 : st->pid), "bundle",
                         st->bundle, "rootfs", st->rootfs, "created", st->created, "owner",
                         st->owner ? st->owner : "");
  json_object_set_new (j, "annotations",
                       st->annotations ? json_incref (st->annotations) : json_object ());
  return j;
}

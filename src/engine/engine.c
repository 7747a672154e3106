/* Container operations over the database, the store and the monitors. */
#include "engine/engine.h"
#include "engine/ctr-etc.h"
#include "engine/ctr-net.h"
#include "engine/ctr-ops.h"
#include "engine/ctr-spec.h"
#include "engine/frame.h"
#include "engine/monitor.h"
#include "engine/parse.h"
#include "engine/volume.h"
#include "runtime/signals.h"
#include "storage/rootfs.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/db.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/proc.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int
sv_engine_open (struct sv_engine *e, struct sv_store *store, const char *data_root,
                const char *run_root, struct sv_err **err)
{
  memset (e, 0, sizeof *e);
  e->store = store;
  e->db = sv_store_db (store);
  if (sv_paths_init (&e->paths, data_root, run_root, err) < 0 || sv_ctr_db_init (e->db, err) < 0
      || sv_volume_db_init (e->db, err) < 0 || sv_network_db_init (e->db, err) < 0)
    return -1;
  const char *cg = e->paths.cgroup_parent;
  sv_netctx_init (&e->net, e->db, e->paths.data_root, e->paths.run_root,
                  strncmp (cg, "servin-", 7) == 0 ? cg + 7 : "");
  return 0;
}

void
sv_engine_close (struct sv_engine *e)
{
  if (e->rt_open)
    sv_runtime_close (&e->rt);
  sv_paths_free (&e->paths);
}

int
sv_engine_runtime (struct sv_engine *e, struct sv_runtime **rt, struct sv_err **err)
{
  if (!e->rt_open)
    {
      _cleanup_free_ char *root = xasprintf ("%s/runtime", e->paths.run_root);
      if (sv_runtime_open (&e->rt, root, false, err) < 0)
        return -1;
      e->rt_open = true;
    }
  *rt = &e->rt;
  return 0;
}

char *
sv_engine_ctr_dir (struct sv_engine *e, const char *id)
{
  return xasprintf ("%s/containers/%s", e->paths.data_root, id);
}

char *
sv_engine_run_dir (struct sv_engine *e, const char *id)
{
  return xasprintf ("%s/containers/%s", e->paths.run_root, id);
}

char *
sv_engine_now (void)
{
  return sv_now_rfc3339 ();
}

/* ---- create ---- */

static char *
random_hex (size_t bytes)
{
  unsigned char r[32];
  if (bytes > sizeof r)
    bytes = sizeof r;
  if (getrandom (r, bytes, 0) != (ssize_t)bytes)
    for (size_t i = 0; i < bytes; i++)
      r[i] = (unsigned char)random ();
  char *s = xmalloc (bytes * 2 + 1);
  for (size_t i = 0; i < bytes; i++)
    sprintf (s + 2 * i, "%02x", r[i]);
  return s;
}

/* docker's form: adjective_scientist, with a number appended once plain
 * names start to collide (after TRIES attempts). */
static char *
random_name (int tries)
{
  static const char *const adj[]
      = { "brave",  "calm",    "eager", "gentle", "happy",  "jolly",   "keen",   "lucid",
          "merry",  "nimble",  "proud", "quirky", "sharp",  "swift",   "tender", "vivid",
          "wizard", "zealous", "bold",  "clever", "dreamy", "fervent", "gifted", "hardy" };
  static const char *const noun[]
      = { "turing",  "hopper",   "lovelace", "ritchie",   "thompson", "torvalds",
          "knuth",   "dijkstra", "hamilton", "kernighan", "liskov",   "shannon",
          "noether", "curie",    "euler",    "gauss",     "lamport",  "wirth",
          "backus",  "mccarthy", "perlman",  "goldberg" };
  unsigned r[2];
  if (getrandom (r, sizeof r, 0) != sizeof r)
    r[0] = (unsigned)random (), r[1] = (unsigned)random ();
  const char *a = adj[r[0] % (sizeof adj / sizeof adj[0])];
  const char *n = noun[r[1] % (sizeof noun / sizeof noun[0])];
  if (tries < 3)
    return xasprintf ("%s_%s", a, n);
  return xasprintf ("%s_%s%u", a, n, (r[0] >> 8) % 100000);
}

static json_t *
hc (json_t *config)
{
  return json_object_get (config, "HostConfig");
}

/* Named volumes are created (and recorded) on first use; anonymous ones
 * get a random name and docker's anonymous label. */
static int
prepare_volumes (struct sv_engine *e, json_t *config, struct sv_err **err)
{
  size_t i;
  json_t *m;
  json_array_foreach (json_object_get (hc (config), "Mounts"), i, m)
  {
    if (strcmp (json_string_value (json_object_get (m, "Type")) ?: "", "volume") != 0)
      continue;
    const char *src = json_string_value (json_object_get (m, "Source"));
    bool anonymous = src == NULL || *src == '\0';
    if (anonymous)
      {
        _cleanup_free_ char *name = random_hex (32);
        json_object_set_new (m, "Source", json_string (name));
        json_object_set_new (m, "Anonymous", json_true ());
        src = json_string_value (json_object_get (m, "Source"));
      }
    _cleanup_json_ json_t *labels
        = anonymous ? json_pack ("{s:s}", "com.docker.volume.anonymous", "") : NULL;
    if (sv_volume_create (e, src, labels, anonymous, NULL, err) < 0)
      return -1;
  }
  return 0;
}

static int
prepare_dir (struct sv_engine *e, const struct sv_ctr *c, struct sv_err **err)
{
  _cleanup_free_ char *dir = sv_engine_ctr_dir (e, c->id);
  if (sv_mkdir_p_at (AT_FDCWD, dir, 0710, err) < 0)
    return -1;
  _cleanup_close_ int dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return sv_err_errno (err, "open `%s`", dir);
  const char *hostname
      = json_string_value (json_object_get (json_object_get (c->config, "Config"), "Hostname"));
  _cleanup_free_ char *h = xasprintf ("%s\n", hostname);
  if (sv_write_file_at (dirfd, "hostname", h, strlen (h), 0644, err) < 0
      || sv_ctr_write_etc (dirfd, c->config, NULL, err) < 0)
    return -1;
  return 0;
}

static void
remove_dirs (struct sv_engine *e, const char *id)
{
  _cleanup_free_ char *run = sv_engine_run_dir (e, id);
  _cleanup_free_ char *data = sv_engine_ctr_dir (e, id);
  sv_rm_rf_at (AT_FDCWD, run, NULL);
  sv_rm_rf_at (AT_FDCWD, data, NULL);
}

/* The network C is to join must exist (docker checks at create), and
 * the image's exposed ports are C's too (for -P and inspect). */
static int
check_network (struct sv_engine *e, const struct sv_create_request *req, json_t *config,
               struct sv_err **err)
{
  const char *mode = json_string_value (json_object_get (hc (config), "NetworkMode"));
  const char *net = sv_ctr_net_primary (config);
  if (mode && strncmp (mode, "container:", 10) == 0)
    {
      struct sv_ctr *other = NULL;
      if (sv_ctr_lookup (e->db, mode + 10, &other, err) < 0)
        return -1;
      sv_ctr_free (other);
    }
  if (net && strcmp (net, SV_DEFAULT_NETWORK) != 0)
    {
      struct sv_net *n = NULL;
      if (sv_net_lookup (e->db, net, &n, err) < 0)
        return -1;
      sv_net_free (n);
    }
  if (net == NULL)
    return 0;
  _cleanup_image_config_ struct sv_image_config *ic = NULL;
  if (sv_store_image_docs (e->store, req->img, NULL, &ic, NULL) < 0 || ic == NULL)
    return 0;
  if (ic->exposed_ports == NULL || ic->exposed_ports[0] == NULL)
    return 0;
  json_t *cc = json_object_get (config, "Config");
  json_t *ports = json_object_get (cc, "ExposedPorts");
  if (!json_is_object (ports))
    json_object_set_new (cc, "ExposedPorts", ports = json_object ());
  for (char **p = ic->exposed_ports; *p; p++)
    if (json_object_get (ports, *p) == NULL)
      json_object_set_new (ports, *p, json_object ());
  return 0;
}

int
sv_engine_create (struct sv_engine *e, const struct sv_create_request *req, struct sv_ctr **out,
                  struct sv_err **err)
{
  if (req->name && !sv_name_valid (req->name))
    return sv_err_make_plain (err, EINVAL,
                              "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
                              "allowed",
                              req->name);
  struct sv_ctr *c = xmalloc0 (sizeof *c);
  c->id = random_hex (32);
  c->image_id = xstrdup (req->img->id);
  c->image = xstrdup (req->image);
  c->config = json_deep_copy (req->config);
  c->created = sv_engine_now ();
  c->state = xstrdup ("created");
  json_t *cc = json_object_get (c->config, "Config");
  if (!json_is_string (json_object_get (cc, "Hostname"))
      || *json_string_value (json_object_get (cc, "Hostname")) == '\0')
    json_object_set_new (cc, "Hostname", json_stringn (c->id, 12));
  json_object_set_new (cc, "Image", json_string (req->image));
  int r = check_network (e, req, c->config, err);
  if (r == 0)
    r = prepare_volumes (e, c->config, err);
  if (r == 0)
    r = prepare_dir (e, c, err);
  for (int tries = 0; r == 0; tries++)
    {
      c->name = req->name ? xstrdup (req->name) : random_name (tries);
      if (sv_ctr_insert (e->db, c, err) == 0)
        break;
      free (c->name);
      c->name = NULL;
      if (req->name || (*err)->code != EEXIST || tries > 50)
        r = -1;
      else
        sv_err_free (err);
    }
  if (r < 0)
    {
      remove_dirs (e, c->id);
      sv_ctr_free (c);
      return -1;
    }
  *out = c;
  return 0;
}

/* ---- start ---- */

static char *
init_path (void)
{
  const char *p = getenv ("SERVIN_INIT");
  return p && *p ? xstrdup (p) : NULL;
}

/* --network container:NAME: the namespace of NAME's process, whose
 * /etc/hosts and resolv.conf C shares too.  NULL (no error) for other
 * modes. */
static int
joined_netns (struct sv_engine *e, struct sv_ctr *c, char **path, struct sv_err **err)
{
  *path = NULL;
  const char *mode = json_string_value (json_object_get (hc (c->config), "NetworkMode"));
  if (mode == NULL || strncmp (mode, "container:", 10) != 0)
    return 0;
  struct sv_ctr *other = NULL;
  if (sv_ctr_lookup (e->db, mode + 10, &other, err) < 0)
    return -1;
  int r = 0;
  if (!sv_engine_refresh (e, other) || other->pid <= 0)
    r = sv_err_make_plain (err, EINVAL, "cannot join network of a non running container: %s",
                           mode + 10);
  if (r == 0)
    {
      _cleanup_free_ char *src = sv_engine_ctr_dir (e, other->id);
      _cleanup_free_ char *dst = sv_engine_ctr_dir (e, c->id);
      static const char *const files[] = { "hosts", "resolv.conf" };
      for (size_t i = 0; r == 0 && i < 2; i++)
        {
          _cleanup_free_ char *from = xasprintf ("%s/%s", src, files[i]);
          _cleanup_free_ char *to = xasprintf ("%s/%s", dst, files[i]);
          _cleanup_free_ char *text = NULL;
          size_t len = 0;
          if (sv_read_file_at (AT_FDCWD, from, &text, &len, err) < 0
              || sv_write_file_at (AT_FDCWD, to, text, len, 0644, err) < 0)
            r = -1;
        }
      *path = xasprintf ("/proc/%d/ns/net", other->pid);
    }
  sv_ctr_free (other);
  return r;
}

static int
write_spec (struct sv_engine *e, struct sv_ctr *c, const struct sv_image *img, const char *run_dir,
            struct sv_err **err)
{
  _cleanup_free_ char *netns = NULL;
  if (joined_netns (e, c, &netns, err) < 0)
    return -1;
  _cleanup_image_config_ struct sv_image_config *ic = NULL;
  if (sv_store_image_docs (e->store, img, NULL, &ic, err) < 0)
    return -1;
  _cleanup_free_ char *rootfs = xasprintf ("%s/rootfs", run_dir);
  _cleanup_free_ char *ctr_dir = sv_engine_ctr_dir (e, c->id);
  _cleanup_free_ char *volumes = xasprintf ("%s/volumes", e->paths.data_root);
  _cleanup_free_ char *init
      = json_is_true (json_object_get (hc (c->config), "Init")) ? init_path () : NULL;
  if (json_is_true (json_object_get (hc (c->config), "Init")) && init == NULL)
    return sv_err_make_plain (err, ENOENT, "--init: servin-init was not found next to servin");
  _cleanup_close_ int rootfd = open (rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return sv_err_errno (err, "open `%s`", rootfs);
  struct sv_spec_input in = {
    .id = c->id,
    .config = c->config,
    .image = ic,
    .rootfs = rootfs,
    .rootfd = rootfd,
    .ctr_dir = ctr_dir,
    .volumes_dir = volumes,
    .cgroup_parent = e->paths.cgroup_parent,
    .init_path = init,
    .netns_path = netns,
  };
  _cleanup_json_ json_t *spec = NULL;
  if (sv_ctr_spec (&in, &spec, err) < 0)
    return -1;
  _cleanup_free_ char *text = json_dumps (spec, JSON_COMPACT);
  _cleanup_close_ int dirfd = open (run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return sv_err_errno (err, "open `%s`", run_dir);
  return sv_write_file_atomic_at (dirfd, "config.json", text, strlen (text), 0600, err);
}

int
sv_engine_start (struct sv_engine *e, struct sv_ctr *c, int attach_fd, int attach_flags,
                 int *status, struct sv_err **err)
{
  *status = 125;
  if (sv_engine_refresh (e, c))
    {
      if (attach_fd >= 0)
        close (attach_fd);
      return 0;
    }
  struct sv_image *img = NULL;
  _cleanup_free_ char *run_dir = sv_engine_run_dir (e, c->id);
  _cleanup_free_ char *ctr_dir = sv_engine_ctr_dir (e, c->id);
  _cleanup_free_ char *rootfs = xasprintf ("%s/rootfs", run_dir);
  int r = sv_store_lookup_image (e->store, c->image_id, &img, err);
  if (r == 0)
    r = sv_mkdir_p_at (AT_FDCWD, run_dir, 0700, err);
  if (r == 0)
    {
      sv_rootfs_umount (rootfs, NULL);
      r = sv_rootfs_mount (e->store, img, ctr_dir, rootfs, sv_rootfs_mode_from_env (), NULL, err);
      if (r == 0
          && ((r = sv_volume_copy_up (e, c, rootfs, err)) < 0
              || (r = write_spec (e, c, img, run_dir, err)) < 0))
        sv_rootfs_umount (rootfs, NULL);
    }
  sv_image_free (img);
  if (r < 0)
    {
      if (attach_fd >= 0)
        close (attach_fd);
      return -1;
    }
  if (sv_monitor_start (e, c, attach_fd, attach_flags, status, err) < 0)
    return -1;
  struct sv_ctr *fresh = NULL;
  if (sv_ctr_lookup (e->db, c->id, &fresh, NULL) == 0)
    {
      /* Take the monitor's view of the run (pid, state, times). */
      struct sv_ctr tmp = *c;
      *c = *fresh;
      *fresh = tmp;
      sv_ctr_free (fresh);
    }
  return 0;
}

/* ---- state ---- */

static bool
monitor_alive (int pid)
{
  char st = 0;
  uint64_t start;
  if (pid <= 0 || sv_proc_stat (pid, &start, &st, NULL) < 0 || st == 'Z' || st == 'X')
    return false;
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/comm", pid);
  _cleanup_free_ char *comm = NULL;
  if (sv_read_file_at (AT_FDCWD, path, &comm, NULL, NULL) < 0)
    return false;
  return strncmp (comm, "servin-monitor", 14) == 0;
}

static bool
is_active (const struct sv_ctr *c)
{
  return strcmp (c->state, "running") == 0 || strcmp (c->state, "paused") == 0
         || strcmp (c->state, "restarting") == 0;
}

bool
sv_engine_refresh (struct sv_engine *e, struct sv_ctr *c)
{
  if (!is_active (c))
    return false;
  if (c->pid > 0 && sv_proc_is_alive (c->pid, (uint64_t)c->pid_start))
    return true;
  if (monitor_alive (c->monitor_pid))
    return strcmp (c->state, "restarting") == 0;
  /* Nobody is left: its monitor was killed, or the machine rebooted. */
  struct sv_runtime *rt;
  if (sv_engine_runtime (e, &rt, NULL) == 0)
    sv_container_delete (rt, c->id, true, NULL);
  _cleanup_free_ char *run_dir = sv_engine_run_dir (e, c->id);
  _cleanup_free_ char *rootfs = xasprintf ("%s/rootfs", run_dir);
  sv_rootfs_umount (rootfs, NULL);
  sv_ctr_net_release (e, c->id);
  free (c->state);
  c->state = xstrdup ("exited");
  c->pid = 0;
  c->exit_code = c->exit_code ? c->exit_code : 255;
  if (c->finished_at == NULL)
    c->finished_at = sv_engine_now ();
  sv_ctr_update (e->db, c, NULL);
  return false;
}

int
sv_engine_connect (struct sv_engine *e, const char *id, struct sv_err **err)
{
  _cleanup_free_ char *run_dir = sv_engine_run_dir (e, id);
  _cleanup_close_ int dirfd = open (run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return sv_err_errno (err, "the container's monitor is gone");
  return sv_monitor_connect (dirfd, err);
}

static void
mark_stopped (struct sv_engine *e, const char *id)
{
  _cleanup_free_ char *run_dir = sv_engine_run_dir (e, id);
  _cleanup_free_ char *marker = xasprintf ("%s/stopped", run_dir);
  int fd = open (marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0)
    close (fd);
}

int
sv_engine_kill (struct sv_engine *e, struct sv_ctr *c, int sig, struct sv_err **err)
{
  if (!sv_engine_refresh (e, c))
    return sv_err_make_plain (err, EINVAL, "Container %s is not running", c->name);
  sv_engine_thaw (e, c);
  mark_stopped (e, c->id);
  if (kill (c->pid, sig) < 0)
    return sv_err_errno (err, "kill container %s", c->name);
  return 0;
}

/* Wait for the exit frame of C's monitor for at most TIMEOUT_MS (-1:
 * forever).  1 when it exited, 0 on timeout. */
static int
wait_exit (struct sv_engine *e, struct sv_ctr *c, int timeout_ms, int *code)
{
  struct sv_err *err = NULL;
  int fd = sv_engine_connect (e, c->id, &err);
  sv_err_free (&err);
  if (fd >= 0 && write (fd, "wait\n", 5) == 5)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      int r = poll (&p, 1, timeout_ms);
      if (r == 0)
        {
          close (fd);
          return 0;
        }
      static char buf[SV_FRAME_MAX + 1];
      int type;
      size_t len;
      while (sv_frame_read (fd, &type, buf, &len) > 0)
        if (type == SV_FRAME_EXIT)
          {
            buf[len] = '\0';
            *code = atoi (buf);
            close (fd);
            return 1;
          }
      close (fd);
    }
  else if (fd >= 0)
    close (fd);
  /* No monitor to ask: poll the process itself. */
  for (int waited = 0; timeout_ms < 0 || waited < timeout_ms; waited += 20)
    {
      if (c->pid <= 0 || !sv_proc_is_alive (c->pid, (uint64_t)c->pid_start))
        break;
      usleep (20000);
    }
  if (c->pid > 0 && sv_proc_is_alive (c->pid, (uint64_t)c->pid_start))
    return 0;
  /* Let the monitor (if any) record the exit; then read it. */
  for (int i = 0; i < 250 && monitor_alive (c->monitor_pid); i++)
    usleep (20000);
  struct sv_ctr *fresh = NULL;
  if (sv_ctr_lookup (e->db, c->id, &fresh, NULL) == 0)
    {
      sv_engine_refresh (e, fresh);
      *code = fresh->exit_code;
      sv_ctr_free (fresh);
    }
  return 1;
}

int
sv_engine_wait (struct sv_engine *e, struct sv_ctr *c, int *exit_code, struct sv_err **err)
{
  if (!sv_engine_refresh (e, c) && strcmp (c->state, "restarting") != 0)
    {
      *exit_code = c->exit_code;
      return 0;
    }
  wait_exit (e, c, -1, exit_code);
  return 0;
}

static int
stop_signal (const struct sv_ctr *c)
{
  const char *s
      = json_string_value (json_object_get (json_object_get (c->config, "Config"), "StopSignal"));
  int sig = s ? sv_signal_parse (s) : SIGTERM;
  return sig > 0 ? sig : SIGTERM;
}

int
sv_engine_stop (struct sv_engine *e, struct sv_ctr *c, int timeout, struct sv_err **err)
{
  if (!sv_engine_refresh (e, c))
    return 0;
  if (timeout < 0)
    {
      json_t *t = json_object_get (json_object_get (c->config, "Config"), "StopTimeout");
      timeout = json_is_integer (t) ? (int)json_integer_value (t) : 10;
    }
  sv_engine_thaw (e, c);
  mark_stopped (e, c->id);
  int code;
  if (kill (c->pid, stop_signal (c)) == 0 && wait_exit (e, c, timeout * 1000, &code) == 1)
    return 0;
  if (c->pid > 0 && sv_proc_is_alive (c->pid, (uint64_t)c->pid_start))
    kill (c->pid, SIGKILL);
  wait_exit (e, c, -1, &code);
  return 0;
}

/* ---- remove ---- */

static void
remove_anonymous_volumes (struct sv_engine *e, json_t *config)
{
  size_t i;
  json_t *m;
  json_array_foreach (json_object_get (hc (config), "Mounts"), i, m)
  {
    const char *src = json_string_value (json_object_get (m, "Source"));
    if (!json_is_true (json_object_get (m, "Anonymous")) || src == NULL)
      continue;
    /* Still mounted by another container (refused): it stays, as docker. */
    sv_volume_remove (e, src, NULL);
  }
}

int
sv_engine_remove (struct sv_engine *e, struct sv_ctr *c, bool force, bool volumes,
                  struct sv_err **err)
{
  if (strcmp (c->state, "removing") != 0 && sv_engine_refresh (e, c))
    {
      if (!force)
        return sv_err_make_plain (err, EBUSY,
                                  "You cannot remove a running container %s. Stop the container "
                                  "before attempting removal or force remove",
                                  c->id);
      sv_engine_thaw (e, c);
      mark_stopped (e, c->id);
      kill (c->pid, SIGKILL);
      int code;
      wait_exit (e, c, -1, &code);
    }
  struct sv_runtime *rt;
  if (sv_engine_runtime (e, &rt, NULL) == 0)
    sv_container_delete (rt, c->id, true, NULL);
  _cleanup_free_ char *run_dir = sv_engine_run_dir (e, c->id);
  _cleanup_free_ char *rootfs = xasprintf ("%s/rootfs", run_dir);
  if (sv_rootfs_umount (rootfs, err) < 0)
    return -1;
  sv_ctr_net_release (e, c->id);
  if (sv_ctr_delete (e->db, c->id, err) < 0)
    return -1;
  remove_dirs (e, c->id);
  if (volumes)
    remove_anonymous_volumes (e, c->config);
  return 0;
}

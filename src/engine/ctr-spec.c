#include "engine/ctr-spec.h"
#include "engine/security-defaults.h"
#include "engine/user.h"
#include "runtime/default-spec.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_SHM_SIZE (64 * 1024 * 1024)
#define CFS_PERIOD 100000

static json_t *
cfg (const struct sv_spec_input *in, const char *key)
{
  return json_object_get (json_object_get (in->config, "Config"), key);
}

static json_t *
host (const struct sv_spec_input *in, const char *key)
{
  return json_object_get (json_object_get (in->config, "HostConfig"), key);
}

static const char *
cfg_str (const struct sv_spec_input *in, const char *key)
{
  const char *s = json_string_value (cfg (in, key));
  return s && *s ? s : NULL;
}

static json_int_t
host_int (const struct sv_spec_input *in, const char *key)
{
  return json_integer_value (host (in, key));
}

static void
append_strv (json_t *a, char *const *v)
{
  for (; v && *v; v++)
    json_array_append_new (a, json_string (*v));
}

json_t *
sv_ctr_command (json_t *config, const struct sv_image_config *image)
{
  json_t *c = json_object_get (config, "Config");
  json_t *ep = json_object_get (c, "Entrypoint");
  json_t *cmd = json_object_get (c, "Cmd");
  json_t *args = json_array ();
  /* docker: an --entrypoint drops the image's Cmd too. */
  if (json_is_array (ep))
    json_array_extend (args, ep);
  else if (image)
    append_strv (args, image->entrypoint);
  if (json_is_array (cmd))
    json_array_extend (args, cmd);
  else if (!json_is_array (ep) && image)
    append_strv (args, image->cmd);
  return args;
}

/* The image's environment, then the user's (same names replaced). */
static json_t *
env_json (const struct sv_spec_input *in, bool tty)
{
  _cleanup_strv_ char **env = in->image ? sv_strv_dup (in->image->env) : NULL;
  if (sv_strv_env_get (env, "PATH") == NULL)
    sv_strv_env_set (&env, DEFAULT_PATH);
  _cleanup_free_ char *hostname
      = xasprintf ("HOSTNAME=%s", json_string_value (cfg (in, "Hostname")));
  sv_strv_env_set (&env, hostname);
  if (tty && sv_strv_env_get (env, "TERM") == NULL)
    sv_strv_env_set (&env, "TERM=xterm");
  size_t i;
  json_t *v;
  json_array_foreach (cfg (in, "Env"), i, v)
  {
    if (json_is_string (v))
      sv_strv_env_set (&env, json_string_value (v));
  }
  return sv_json_strv ((const char *const *)env);
}

/* uid, gid and the supplementary groups of the user in the image. */
static int
user_json (const struct sv_spec_input *in, json_t **out, struct sv_err **err)
{
  const char *spec = cfg_str (in, "User");
  if (spec == NULL && in->image)
    spec = in->image->user;
  uid_t uid;
  gid_t gid;
  if (sv_resolve_user (in->rootfd, spec, &uid, &gid, err) < 0)
    return -1;
  *out = json_pack ("{s:I, s:I}", "uid", (json_int_t)uid, "gid", (json_int_t)gid);
  return 0;
}

static json_t *
caps_json (char *const *caps)
{
  return json_pack ("{s:o, s:o, s:o}", "bounding", sv_json_strv ((const char *const *)caps),
                    "effective", sv_json_strv ((const char *const *)caps), "permitted",
                    sv_json_strv ((const char *const *)caps));
}

static int
json_strv (json_t *a, char ***out)
{
  size_t i;
  json_t *v;
  *out = NULL;
  json_array_foreach (a, i, v)
  {
    if (json_is_string (v))
      sv_strv_append (out, json_string_value (v));
  }
  return 0;
}

/* The capability set: docker's defaults with --cap-add/--cap-drop, or all
 * the bounding set allows with --privileged. */
static int
capabilities (const struct sv_spec_input *in, char ***out, struct sv_err **err)
{
  if (json_is_true (host (in, "Privileged")))
    {
      *out = sv_all_caps ();
      return 0;
    }
  _cleanup_strv_ char **add = NULL, **drop = NULL;
  json_strv (host (in, "CapAdd"), &add);
  json_strv (host (in, "CapDrop"), &drop);
  char **caps = sv_default_caps ();
  if (sv_caps_add_drop (&caps, add, drop, err) < 0)
    {
      sv_strv_free (caps);
      return -1;
    }
  *out = caps;
  return 0;
}

static bool
has_security_opt (const struct sv_spec_input *in, const char *opt)
{
  size_t i;
  json_t *v;
  json_array_foreach (host (in, "SecurityOpt"), i, v)
  {
    if (json_is_string (v) && strcmp (json_string_value (v), opt) == 0)
      return true;
  }
  return false;
}

/* "seccomp=FILE" contents, stored by the CLI as "seccomp={json...}" the
 * way docker's client does. */
static const char *
seccomp_opt (const struct sv_spec_input *in)
{
  size_t i;
  json_t *v;
  json_array_foreach (host (in, "SecurityOpt"), i, v)
  {
    const char *s = json_string_value (v);
    if (s && strncmp (s, "seccomp=", 8) == 0)
      return s + 8;
  }
  return NULL;
}

static int
rlimits_json (const struct sv_spec_input *in, json_t *process)
{
  json_t *a = json_array ();
  bool nofile = false;
  size_t i;
  json_t *v;
  json_array_foreach (host (in, "Ulimits"), i, v)
  {
    const char *name = json_string_value (json_object_get (v, "Name"));
    if (name == NULL)
      continue;
    _cleanup_free_ char *type = xasprintf ("RLIMIT_%s", name);
    for (char *p = type; *p; p++)
      *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    nofile |= strcmp (type, "RLIMIT_NOFILE") == 0;
    json_array_append_new (a, json_pack ("{s:s, s:O, s:O}", "type", type, "soft",
                                         json_object_get (v, "Soft"), "hard",
                                         json_object_get (v, "Hard")));
  }
  /* Docker gives containers the daemon's nofile limit; Servin gives the
   * caller's hard limit, never more than that (it could not be raised). */
  struct rlimit rl;
  if (!nofile && getrlimit (RLIMIT_NOFILE, &rl) == 0)
    {
      json_int_t n = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 1048576
                         ? 1048576
                         : (json_int_t)rl.rlim_max;
      json_array_append_new (
          a, json_pack ("{s:s, s:I, s:I}", "type", "RLIMIT_NOFILE", "soft", n, "hard", n));
    }
  json_object_set_new (process, "rlimits", a);
  return 0;
}

static int
process_json (const struct sv_spec_input *in, char *const *caps, json_t **out, struct sv_err **err)
{
  json_t *args = sv_ctr_command (in->config, in->image);
  if (json_array_size (args) == 0)
    {
      json_decref (args);
      return sv_err_make_plain (err, EINVAL, "no command specified");
    }
  if (in->init_path)
    {
      json_array_insert_new (args, 0, json_string ("--"));
      json_array_insert_new (args, 0, json_string ("/sbin/servin-init"));
    }
  json_t *user = NULL;
  if (user_json (in, &user, err) < 0)
    {
      json_decref (args);
      return -1;
    }
  bool tty = json_is_true (cfg (in, "Tty"));
  const char *cwd = cfg_str (in, "WorkingDir");
  if (cwd == NULL && in->image && in->image->working_dir && *in->image->working_dir)
    cwd = in->image->working_dir;
  json_t *p = json_pack ("{s:b, s:o, s:o, s:o, s:s, s:o, s:b}", "terminal", tty, "user", user,
                         "args", args, "env", env_json (in, tty), "cwd", cwd ? cwd : "/",
                         "capabilities", caps_json (caps), "noNewPrivileges",
                         has_security_opt (in, "no-new-privileges")
                             || has_security_opt (in, "no-new-privileges:true")
                             || has_security_opt (in, "no-new-privileges=true"));
  rlimits_json (in, p);
  *out = p;
  return 0;
}

static json_t *
mount_json (const char *dst, const char *type, const char *src, json_t *options)
{
  return json_pack ("{s:s, s:s, s:s, s:o}", "destination", dst, "type", type, "source", src,
                    "options", options);
}

/* The spec's mounts without /dev/shm, which docker sizes itself. */
static void
base_mounts (json_t *mounts, const struct sv_spec_input *in)
{
  json_t *keep = json_array ();
  size_t i;
  json_t *m;
  json_array_foreach (mounts, i, m)
  {
    const char *d = json_string_value (json_object_get (m, "destination"));
    if (strcmp (d, "/dev/shm") != 0)
      json_array_append (keep, m);
  }
  json_array_clear (mounts);
  json_array_extend (mounts, keep);
  json_decref (keep);
  json_int_t shm = host_int (in, "ShmSize");
  _cleanup_free_ char *size
      = xasprintf ("size=%lldk", (long long)((shm > 0 ? shm : DEFAULT_SHM_SIZE) / 1024));
  json_array_append_new (mounts, mount_json ("/dev/shm", "tmpfs", "shm",
                                             json_pack ("[s,s,s,s,s]", "nosuid", "noexec", "nodev",
                                                        "mode=1777", size)));
}

/* /etc/hostname, /etc/hosts and /etc/resolv.conf from the container's dir. */
static bool user_mounts_at (const struct sv_spec_input *in, const char *dst);

static void
etc_mounts (json_t *mounts, const struct sv_spec_input *in)
{
  static const char *const files[] = { "hostname", "hosts", "resolv.conf" };
  bool ro = json_is_true (host (in, "ReadonlyRootfs"));
  for (size_t i = 0; i < 3; i++)
    {
      _cleanup_free_ char *src = xasprintf ("%s/%s", in->ctr_dir, files[i]);
      _cleanup_free_ char *dst = xasprintf ("/etc/%s", files[i]);
      if (user_mounts_at (in, dst))
        continue;
      json_array_append_new (mounts, mount_json (dst, "bind", src,
                                                 json_pack ("[s,s,s,s]", "rbind", "rprivate",
                                                            "nosuid", ro ? "ro" : "rw")));
    }
}

/* One HostConfig.Mounts entry ({Type, Source, Target, ReadOnly,
 * TmpfsOptions}) as an OCI mount. */
static int
user_mount (json_t *mounts, const struct sv_spec_input *in, json_t *m, struct sv_err **err)
{
  const char *type = json_string_value (json_object_get (m, "Type"));
  const char *src = json_string_value (json_object_get (m, "Source"));
  const char *dst = json_string_value (json_object_get (m, "Target"));
  bool ro = json_is_true (json_object_get (m, "ReadOnly"));
  if (type == NULL || dst == NULL || dst[0] != '/')
    return sv_err_make_plain (err, EINVAL, "invalid mount: the target must be an absolute path");
  if (strcmp (type, "tmpfs") == 0)
    {
      json_t *t = json_object_get (m, "TmpfsOptions");
      json_t *opts = json_pack ("[s,s,s]", "nosuid", "nodev", ro ? "ro" : "rw");
      json_int_t size = json_integer_value (json_object_get (t, "SizeBytes"));
      json_int_t mode = json_integer_value (json_object_get (t, "Mode"));
      if (size > 0)
        json_array_append_new (opts, json_sprintf ("size=%lldk", (long long)(size / 1024)));
      json_array_append_new (opts,
                             json_sprintf ("mode=%llo", (unsigned long long)(mode ? mode : 01777)));
      json_array_append_new (mounts, mount_json (dst, "tmpfs", "tmpfs", opts));
      return 0;
    }
  _cleanup_free_ char *path = NULL;
  if (strcmp (type, "volume") == 0)
    path = xasprintf ("%s/%s/_data", in->volumes_dir, src);
  else if (strcmp (type, "bind") == 0 && src && src[0] == '/')
    path = xstrdup (src);
  else
    return sv_err_make_plain (err, EINVAL, "invalid mount for %s: type `%s` with source `%s`", dst,
                              type, src ? src : "");
  json_array_append_new (
      mounts,
      mount_json (dst, "bind", path, json_pack ("[s,s,s]", "rbind", "rprivate", ro ? "ro" : "rw")));
  return 0;
}

/* --privileged: /sys and /sys/fs/cgroup writable, as docker does. */
static void
privileged_mounts (json_t *mounts)
{
  size_t i;
  json_t *m;
  json_array_foreach (mounts, i, m)
  {
    const char *d = json_string_value (json_object_get (m, "destination"));
    if (strcmp (d, "/sys") != 0 && strcmp (d, "/sys/fs/cgroup") != 0)
      continue;
    json_t *opts = json_object_get (m, "options");
    for (size_t j = json_array_size (opts); j-- > 0;)
      if (strcmp (json_string_value (json_array_get (opts, j)) ?: "", "ro") == 0)
        json_array_set_new (opts, j, json_string ("rw"));
  }
}

/* Whether the user mounts something at DST. */
static bool
user_mounts_at (const struct sv_spec_input *in, const char *dst)
{
  size_t i;
  json_t *m;
  json_array_foreach (host (in, "Mounts"), i, m)
  {
    if (strcmp (json_string_value (json_object_get (m, "Target")) ?: "", dst) == 0)
      return true;
  }
  return false;
}

static int
mounts_json (json_t *spec, const struct sv_spec_input *in, struct sv_err **err)
{
  json_t *mounts = json_object_get (spec, "mounts");
  base_mounts (mounts, in);
  if (json_is_true (host (in, "Privileged")))
    privileged_mounts (mounts);
  if (in->init_path)
    json_array_append_new (mounts, mount_json ("/sbin/servin-init", "bind", in->init_path,
                                               json_pack ("[s,s]", "bind", "ro")));
  size_t i;
  json_t *m;
  json_array_foreach (host (in, "Mounts"), i, m)
  {
    if (user_mount (mounts, in, m, err) < 0)
      return -1;
  }
  /* Last, as docker: they stay visible under a volume mounted at /etc. */
  etc_mounts (mounts, in);
  return 0;
}

/* docker's device cgroup rules: nothing but the usual nodes, mknod of any. */
static json_t *
devices_json (bool privileged)
{
  if (privileged)
    return json_pack ("[{s:b, s:s}]", "allow", 1, "access", "rwm");
  static const struct
  {
    const char *type;
    int major, minor;
    const char *access;
  } rules[] = {
    { "c", -1, -1, "m" }, { "b", -1, -1, "m" },    { "c", 1, 3, "rwm" }, { "c", 1, 8, "rwm" },
    { "c", 1, 7, "rwm" }, { "c", 5, 0, "rwm" },    { "c", 1, 5, "rwm" }, { "c", 1, 9, "rwm" },
    { "c", 5, 1, "rwm" }, { "c", 136, -1, "rwm" }, { "c", 5, 2, "rwm" }, { "c", 10, 200, "rwm" },
  };
  json_t *a = json_pack ("[{s:b, s:s}]", "allow", 0, "access", "rwm");
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
    {
      json_t *r = json_pack ("{s:b, s:s, s:s}", "allow", 1, "type", rules[i].type, "access",
                             rules[i].access);
      if (rules[i].major >= 0)
        json_object_set_new (r, "major", json_integer (rules[i].major));
      if (rules[i].minor >= 0)
        json_object_set_new (r, "minor", json_integer (rules[i].minor));
      json_array_append_new (a, r);
    }
  return a;
}

static json_t *
resources_json (const struct sv_spec_input *in)
{
  json_t *r = json_pack ("{s:o}", "devices", devices_json (json_is_true (host (in, "Privileged"))));
  json_int_t mem = host_int (in, "Memory"), swap = host_int (in, "MemorySwap");
  if (mem > 0 || swap != 0)
    {
      json_t *m = json_object ();
      if (mem > 0)
        json_object_set_new (m, "limit", json_integer (mem));
      /* docker: swap unset means as much swap as memory (limit*2 total). */
      if (swap != 0 || mem > 0)
        json_object_set_new (m, "swap", json_integer (swap != 0 ? swap : mem * 2));
      json_object_set_new (r, "memory", m);
    }
  json_t *cpu = json_object ();
  json_int_t nano = host_int (in, "NanoCpus"), shares = host_int (in, "CpuShares");
  if (nano > 0)
    {
      json_object_set_new (cpu, "quota", json_integer (nano * CFS_PERIOD / 1000000000));
      json_object_set_new (cpu, "period", json_integer (CFS_PERIOD));
    }
  if (shares > 0)
    json_object_set_new (cpu, "shares", json_integer (shares));
  const char *cpus = json_string_value (host (in, "CpusetCpus"));
  if (cpus && *cpus)
    json_object_set_new (cpu, "cpus", json_string (cpus));
  if (json_object_size (cpu))
    json_object_set_new (r, "cpu", cpu);
  else
    json_decref (cpu);
  json_int_t pids = host_int (in, "PidsLimit");
  if (pids != 0)
    json_object_set_new (r, "pids", json_pack ("{s:I}", "limit", pids));
  return r;
}

static json_t *
namespaces_json (const struct sv_spec_input *in)
{
  json_t *a = json_pack ("[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}]", "type", "pid", "type", "ipc",
                         "type", "uts", "type", "mount", "type", "cgroup");
  const char *net = json_string_value (host (in, "NetworkMode"));
  if (in->netns_path)
    json_array_append_new (a, json_pack ("{s:s, s:s}", "type", "network", "path", in->netns_path));
  else if (net == NULL || strcmp (net, "host") != 0)
    json_array_append_new (a, json_pack ("{s:s}", "type", "network"));
  return a;
}

static int
seccomp_json (const struct sv_spec_input *in, char *const *caps, json_t *lx, struct sv_err **err)
{
  const char *opt = seccomp_opt (in);
  if (json_is_true (host (in, "Privileged")) || (opt && strcmp (opt, "unconfined") == 0))
    return 0;
  if (opt == NULL)
    {
      json_object_set_new (lx, "seccomp", sv_default_seccomp (caps));
      return 0;
    }
  json_t *profile = NULL;
  if (sv_json_load_buffer (opt, strlen (opt), "seccomp profile", &profile, err) < 0)
    return -1;
  json_object_set_new (lx, "seccomp", profile);
  return 0;
}

static int
linux_json (json_t *spec, const struct sv_spec_input *in, char *const *caps, struct sv_err **err)
{
  bool privileged = json_is_true (host (in, "Privileged"));
  json_t *lx = json_object ();
  json_object_set_new (spec, "linux", lx);
  json_object_set_new (lx, "namespaces", namespaces_json (in));
  json_object_set_new (lx, "resources", resources_json (in));
  json_object_set_new (lx, "cgroupsPath", json_sprintf ("/%s/%s", in->cgroup_parent, in->id));
  json_t *masked = json_array (), *ro = json_array ();
  for (size_t i = 0; !privileged && sv_default_masked_paths[i]; i++)
    json_array_append_new (masked, json_string (sv_default_masked_paths[i]));
  for (size_t i = 0; !privileged && sv_default_readonly_paths[i]; i++)
    json_array_append_new (ro, json_string (sv_default_readonly_paths[i]));
  json_object_set_new (lx, "maskedPaths", masked);
  json_object_set_new (lx, "readonlyPaths", ro);
  return seccomp_json (in, caps, lx, err);
}

int
sv_ctr_spec (const struct sv_spec_input *in, json_t **out, struct sv_err **err)
{
  _cleanup_strv_ char **caps = NULL;
  if (capabilities (in, &caps, err) < 0)
    return -1;
  _cleanup_json_ json_t *spec = sv_default_spec (false);
  json_t *process = NULL;
  if (process_json (in, caps, &process, err) < 0)
    return -1;
  json_object_set_new (spec, "process", process);
  json_object_set_new (spec, "root",
                       json_pack ("{s:s, s:b}", "path", in->rootfs, "readonly",
                                  json_is_true (host (in, "ReadonlyRootfs"))));
  json_object_set (spec, "hostname", cfg (in, "Hostname"));
  if (mounts_json (spec, in, err) < 0 || linux_json (spec, in, caps, err) < 0)
    return -1;
  *out = steal_pointer (&spec);
  return 0;
}

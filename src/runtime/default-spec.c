/* The default spec, as `runc spec` writes it. */
#include "runtime/default-spec.h"
#include "util/json.h"

#include <linux/magic.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#define SV_OCI_VERSION "1.2.0"

static json_t *
default_caps (void)
{
  static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };
  return json_pack ("{s:o, s:o, s:o}", "bounding", sv_json_strv (caps), "effective",
                    sv_json_strv (caps), "permitted", sv_json_strv (caps));
}

static json_t *
default_process (void)
{
  static const char *const env[]
      = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL };
  return json_pack ("{s:b, s:{s:i, s:i}, s:[s], s:o, s:s, s:o, s:[{s:s, s:i, s:i}], s:b}",
                    "terminal", 1, "user", "uid", 0, "gid", 0, "args", "sh", "env",
                    sv_json_strv (env), "cwd", "/", "capabilities", default_caps (), "rlimits",
                    "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024, "noNewPrivileges", 1);
}

static json_t *
mount_json (const char *destination, const char *type, const char *source,
            const char *const *options)
{
  json_t *m
      = json_pack ("{s:s, s:s, s:s}", "destination", destination, "type", type, "source", source);
  if (options)
    json_object_set_new (m, "options", sv_json_strv (options));
  return m;
}

static json_t *
default_mounts (bool rootless)
{
  static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
  static const char *const pts[]
      = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL };
  static const char *const shm[]
      = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL };
  static const char *const mqueue[] = { "nosuid", "noexec", "nodev", NULL };
  static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
  static const char *const sys_bind[] = { "rbind", "nosuid", "noexec", "nodev", "ro", NULL };
  static const char *const cgroup[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };
  json_t *a = json_array ();

  json_array_append_new (a, mount_json ("/proc", "proc", "proc", NULL));
  json_array_append_new (a, mount_json ("/dev", "tmpfs", "tmpfs", dev));
  /* Rootless: no uid=/gid= options, the ids may not be mapped. */
  json_t *devpts = mount_json ("/dev/pts", "devpts", "devpts", pts);
  if (rootless)
    json_array_remove (json_object_get (devpts, "options"), 5);
  json_array_append_new (a, devpts);
  json_array_append_new (a, mount_json ("/dev/shm", "tmpfs", "shm", shm));
  json_array_append_new (a, mount_json ("/dev/mqueue", "mqueue", "mqueue", mqueue));
  if (rootless)
    json_array_append_new (a, mount_json ("/sys", "none", "/sys", sys_bind));
  else
    json_array_append_new (a, mount_json ("/sys", "sysfs", "sysfs", sys));
  json_array_append_new (a, mount_json ("/sys/fs/cgroup", "cgroup", "cgroup", cgroup));
  return a;
}

/* runc adds a cgroup namespace on a pure cgroup v2 host only. */
static bool
host_is_cgroup2 (void)
{
  struct statfs st;
  return statfs ("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

static json_t *
default_namespaces (bool rootless)
{
  static const char *const types[] = { "pid", "network", "ipc", "uts", "mount", NULL };
  json_t *a = json_array ();
  for (size_t i = 0; types[i]; i++)
    if (!rootless || strcmp (types[i], "network") != 0)
      json_array_append_new (a, json_pack ("{s:s}", "type", types[i]));
  if (host_is_cgroup2 ())
    json_array_append_new (a, json_pack ("{s:s}", "type", "cgroup"));
  if (rootless)
    json_array_append_new (a, json_pack ("{s:s}", "type", "user"));
  return a;
}

static json_t *
default_linux (bool rootless)
{
  static const char *const masked[] = { "/proc/acpi",
                                        "/proc/asound",
                                        "/proc/kcore",
                                        "/proc/keys",
                                        "/proc/latency_stats",
                                        "/proc/timer_list",
                                        "/proc/timer_stats",
                                        "/proc/sched_debug",
                                        "/sys/firmware",
                                        "/proc/scsi",
                                        "/sys/devices/virtual/tpm",
                                        NULL };
  static const char *const readonly[]
      = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL };
  json_t *lx = json_pack ("{s:o, s:o, s:o}", "maskedPaths", sv_json_strv (masked), "readonlyPaths",
                          sv_json_strv (readonly), "namespaces", default_namespaces (rootless));
  if (rootless)
    {
      json_object_set_new (lx, "uidMappings",
                           json_pack ("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
                                      (json_int_t)geteuid (), "size", 1));
      json_object_set_new (lx, "gidMappings",
                           json_pack ("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
                                      (json_int_t)getegid (), "size", 1));
    }
  else
    json_object_set_new (lx, "resources",
                         json_pack ("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm"));
  return lx;
}

json_t *
sv_default_spec (bool rootless)
{
  return json_pack ("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", SV_OCI_VERSION,
                    "process", default_process (), "root", "path", "rootfs", "readonly", 1,
                    "hostname", "servin", "mounts", default_mounts (rootless), "linux",
                    default_linux (rootless));
}

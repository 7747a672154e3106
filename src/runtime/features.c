#include "runtime/features.h"
#include "runtime/caps.h"
#include "runtime/spec.h"
#include "util/json.h"

static json_t *
mount_options (void)
{
  json_t *a = json_array ();
  const char *name;
  for (size_t i = 0; (name = sv_mount_option_name (i)); i++)
    json_array_append_new (a, json_string (name));
  return a;
}

static json_t *
capabilities (void)
{
  json_t *a = json_array ();
  int last = sv_cap_last_cap ();
  for (int c = 0; c <= last; c++)
    if (sv_cap_name (c))
      json_array_append_new (a, json_string (sv_cap_name (c)));
  return a;
}

static json_t *
seccomp (void)
{
  static const char *const actions[]
      = { "SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO",       "SCMP_ACT_KILL",
          "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
          "SCMP_ACT_TRACE",        "SCMP_ACT_TRAP",        NULL };
  static const char *const ops[]
      = { "SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
          "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL };
  static const char *const arches[] = { "SCMP_ARCH_X86_64",  "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                                        "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL };
  static const char *const flags[] = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                       "SECCOMP_FILTER_FLAG_SPEC_ALLOW", NULL };
  return json_pack ("{s:b,s:o,s:o,s:o,s:o,s:o}", "enabled", 1, "actions", sv_json_strv (actions),
                    "operators", sv_json_strv (ops), "archs", sv_json_strv (arches), "knownFlags",
                    sv_json_strv (flags), "supportedFlags", sv_json_strv (flags));
}

json_t *
sv_features (void)
{
  static const char *const hooks[]
      = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
          NULL };
  static const char *const namespaces[]
      = { "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts", NULL };
  json_t *lnx = json_pack ("{s:o,s:o,s:{s:b,s:b,s:b},s:o,s:{s:b},s:{s:b},s:{s:b}}", "namespaces",
                           sv_json_strv (namespaces), "capabilities", capabilities (), "cgroup",
                           "v1", 1, "v2", 1, "systemd", 1, "seccomp", seccomp (), "apparmor",
                           "enabled", 1, "selinux", "enabled", 0, "intelRdt", "enabled", 0);
  return json_pack ("{s:s,s:s,s:o,s:o,s:o,s:{s:s}}", "ociVersionMin", "1.0.0", "ociVersionMax",
                    "1.2.0", "hooks", sv_json_strv (hooks), "mountOptions", mount_options (),
                    "linux", lnx, "annotations", "org.opencontainers.runc.version", "1.1.5-servin");
}

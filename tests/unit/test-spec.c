/* Unit tests for runtime/spec.c and runtime/default-spec.c: a full valid
 * config.json parses to the expected struct, each malformed document is
 * refused with an error naming the field, and the default spec parses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "runtime/caps.h"
#include "runtime/default-spec.h"
#include "runtime/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

static const char full_doc[]
    = "{"
      "\"ociVersion\": \"1.2.0\","
      "\"root\": {\"path\": \"rootfs\", \"readonly\": true},"
      "\"hostname\": \"box\", \"domainname\": \"example.org\","
      "\"process\": {"
      "  \"terminal\": true, \"consoleSize\": {\"height\": 25, \"width\": 80},"
      "  \"user\": {\"uid\": 1000, \"gid\": 100, \"umask\": 18, \"additionalGids\": [5, 6]},"
      "  \"args\": [\"sh\", \"-c\", \"true\"],"
      "  \"env\": [\"PATH=/bin\", \"EMPTY=\"],"
      "  \"cwd\": \"/home\","
      "  \"capabilities\": {\"bounding\": [\"CAP_KILL\"], \"effective\": [\"CAP_KILL\"]},"
      "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 4096},"
      "               {\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 0}],"
      "  \"noNewPrivileges\": true, \"oomScoreAdj\": -500,"
      "  \"apparmorProfile\": \"servin-default\", \"selinuxLabel\": \"\","
      "  \"commandLine\": \"ignored on linux\""
      "},"
      "\"mounts\": ["
      "  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
      "  {\"destination\": \"/data\", \"type\": \"none\", \"source\": \"/srv\","
      "   \"options\": [\"rbind\", \"ro\", \"rprivate\", \"rnoexec\"]},"
      "  {\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
      "   \"options\": [\"nosuid\", \"mode=1777\", \"size=64k\"]}"
      "],"
      "\"hooks\": {"
      "  \"prestart\": [{\"path\": \"/bin/pre\"}],"
      "  \"createRuntime\": [{\"path\": \"/bin/cr\", \"args\": [\"cr\", \"x\"], \"env\": [\"A=1\"],"
      "                      \"timeout\": 5}, {\"path\": \"/bin/cr2\"}],"
      "  \"createContainer\": [{\"path\": \"/bin/cc\"}],"
      "  \"startContainer\": [{\"path\": \"/bin/sc\"}],"
      "  \"poststart\": [{\"path\": \"/bin/ps\"}],"
      "  \"poststop\": [{\"path\": \"/bin/pst\"}]"
      "},"
      "\"annotations\": {\"org.example.key\": \"value\"},"
      "\"windows\": {\"layerFolders\": []}, \"vm\": {}, \"futureProperty\": 42,"
      "\"linux\": {"
      "  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\", \"path\": \"/run/netns/x\"},"
      "                  {\"type\": \"mount\"}, {\"type\": \"ipc\"}, {\"type\": \"uts\"},"
      "                  {\"type\": \"user\"}, {\"type\": \"cgroup\"}, {\"type\": \"time\"}],"
      "  \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
      "  \"gidMappings\": [{\"containerID\": 0, \"hostID\": 200000, \"size\": 1},"
      "                   {\"containerID\": 1, \"hostID\": 300000, \"size\": 10}],"
      "  \"timeOffsets\": {\"boottime\": {\"secs\": -5, \"nanosecs\": 7},"
      "                    \"monotonic\": {\"secs\": 86400}},"
      "  \"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229,"
      "                \"fileMode\": 438, \"uid\": 0, \"gid\": 5},"
      "               {\"path\": \"/dev/fifo\", \"type\": \"p\"}],"
      "  \"cgroupsPath\": \"/servin/test\","
      "  \"resources\": {\"pids\": {\"limit\": 10}},"
      "  \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\"},"
      "  \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"},"
      "  \"maskedPaths\": [\"/proc/kcore\"],"
      "  \"readonlyPaths\": [\"/proc/sys\", \"/proc/bus\"],"
      "  \"rootfsPropagation\": \"rslave\","
      "  \"mountLabel\": \"\""
      "}}";

static json_t *
load (const char *text)
{
  json_error_t jerr;
  json_t *j = json_loads (text, JSON_DECODE_ANY, &jerr);
  if (j == NULL)
    fail_msg ("bad test JSON at %d:%d: %s (%s)", jerr.line, jerr.column, jerr.text, text);
  return j;
}

static void
check_process (const struct sv_process *p)
{
  assert_true (p->terminal);
  assert_true (p->has_console_size);
  assert_int_equal (p->console_height, 25);
  assert_int_equal (p->console_width, 80);
  assert_int_equal (p->user.uid, 1000);
  assert_int_equal (p->user.gid, 100);
  assert_true (p->user.has_umask);
  assert_int_equal (p->user.umask, 022);
  assert_int_equal (p->user.n_additional_gids, 2);
  assert_int_equal (p->user.additional_gids[1], 6);
  assert_string_equal (p->args[2], "true");
  assert_null (p->args[3]);
  assert_string_equal (p->env[1], "EMPTY=");
  assert_string_equal (p->cwd, "/home");
  assert_non_null (p->caps);
  assert_true (p->caps->bounding == (UINT64_C (1) << 5)); /* CAP_KILL */
  assert_int_equal (p->n_rlimits, 2);
  assert_int_equal (p->rlimits[0].resource, RLIMIT_NOFILE);
  assert_int_equal (p->rlimits[0].soft, 1024);
  assert_int_equal (p->rlimits[0].hard, 4096);
  assert_int_equal (p->rlimits[1].resource, RLIMIT_CORE);
  assert_true (p->no_new_privileges);
  assert_true (p->has_oom_score_adj);
  assert_int_equal (p->oom_score_adj, -500);
  assert_string_equal (p->apparmor_profile, "servin-default");
  assert_null (p->selinux_label); /* "" means unset */
}

static void
check_mounts_hooks (const struct sv_spec *s)
{
  assert_int_equal (s->n_mounts, 3);
  assert_string_equal (s->mounts[0].destination, "/proc");
  assert_false (s->mounts[0].is_bind);
  assert_null (s->mounts[0].data);
  const struct sv_mount *b = &s->mounts[1];
  assert_true (b->is_bind);
  assert_int_equal (b->flags, MS_BIND | MS_REC | MS_RDONLY);
  assert_int_equal (b->propagation, MS_PRIVATE | MS_REC);
  assert_int_equal (b->attr_set, MOUNT_ATTR_NOEXEC);
  assert_string_equal (s->mounts[2].data, "mode=1777,size=64k");
  assert_int_equal (s->mounts[2].flags, MS_NOSUID);
  assert_int_equal (s->hooks.prestart.n, 1);
  assert_int_equal (s->hooks.create_runtime.n, 2);
  assert_string_equal (s->hooks.create_runtime.v[0].args[1], "x");
  assert_string_equal (s->hooks.create_runtime.v[0].env[0], "A=1");
  assert_int_equal (s->hooks.create_runtime.v[0].timeout, 5);
  assert_null (s->hooks.create_runtime.v[1].args);
  assert_int_equal (s->hooks.create_runtime.v[1].timeout, 0);
  assert_string_equal (s->hooks.create_container.v[0].path, "/bin/cc");
  assert_string_equal (s->hooks.start_container.v[0].path, "/bin/sc");
  assert_string_equal (s->hooks.poststart.v[0].path, "/bin/ps");
  assert_string_equal (s->hooks.poststop.v[0].path, "/bin/pst");
}

static void
check_linux (const struct sv_spec *s)
{
  assert_int_equal (s->n_namespaces, 8);
  const struct sv_namespace *net = sv_spec_namespace (s, CLONE_NEWNET);
  assert_non_null (net);
  assert_string_equal (net->path, "/run/netns/x");
  assert_null (sv_spec_namespace (s, CLONE_NEWTIME)->path);
  assert_int_equal (s->n_uid_mappings, 1);
  assert_int_equal (s->uid_mappings[0].host_id, 100000);
  assert_int_equal (s->uid_mappings[0].size, 65536);
  assert_int_equal (s->n_gid_mappings, 2);
  assert_int_equal (s->gid_mappings[1].container_id, 1);
  assert_true (s->time_boottime.set);
  assert_int_equal (s->time_boottime.secs, -5);
  assert_int_equal (s->time_boottime.nanosecs, 7);
  assert_int_equal (s->time_monotonic.secs, 86400);
  assert_int_equal (s->n_devices, 2);
  assert_int_equal (s->devices[0].type, 'c');
  assert_int_equal (s->devices[0].major, 10);
  assert_int_equal (s->devices[0].minor, 229);
  assert_true (s->devices[0].has_mode && s->devices[0].has_uid && s->devices[0].has_gid);
  assert_int_equal (s->devices[0].mode, 0666);
  assert_int_equal (s->devices[0].gid, 5);
  assert_int_equal (s->devices[1].type, 'p');
  assert_false (s->devices[1].has_mode);
  assert_string_equal (s->cgroups_path, "/servin/test");
  assert_non_null (s->resources);
  assert_non_null (s->seccomp);
  assert_string_equal (s->sysctl[0], "net.ipv4.ip_forward=1");
  assert_string_equal (s->masked_paths[0], "/proc/kcore");
  assert_string_equal (s->readonly_paths[1], "/proc/bus");
  assert_int_equal (s->rootfs_propagation, MS_SLAVE | MS_REC);
}

static void
test_full_document (void **state)
{
  _cleanup_json_ json_t *doc = load (full_doc);
  _cleanup_err_ struct sv_err *err = NULL;
  struct sv_spec *s = NULL;
  int ret = sv_spec_parse (doc, &s, &err);
  if (ret < 0)
    fail_msg ("parse failed: %s", err->msg);
  assert_ptr_equal (s->json, doc);
  assert_string_equal (s->oci_version, "1.2.0");
  assert_string_equal (s->root_path, "rootfs");
  assert_true (s->root_readonly);
  assert_string_equal (s->hostname, "box");
  assert_string_equal (s->domainname, "example.org");
  assert_string_equal (s->annotations[0], "org.example.key=value");
  check_process (s->process);
  check_mounts_hooks (s);
  check_linux (s);
  sv_spec_free (s);
}

static void
test_minimal_document (void **state)
{
  _cleanup_json_ json_t *doc = load ("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"},"
                                     " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}}");
  _cleanup_err_ struct sv_err *err = NULL;
  struct sv_spec *s = NULL;
  assert_int_equal (sv_spec_parse (doc, &s, &err), 0);
  assert_null (s->hostname);
  assert_null (s->process->caps);
  assert_int_equal (s->process->user.uid, 0);
  assert_false (s->process->user.has_umask);
  assert_false (s->process->has_oom_score_adj);
  assert_null (s->process->env[0]);
  assert_null (s->annotations[0]);
  assert_null (s->sysctl[0]);
  assert_null (s->masked_paths[0]);
  assert_null (s->readonly_paths[0]);
  assert_int_equal (s->n_mounts, 0);
  assert_int_equal (s->n_namespaces, 0);
  assert_null (s->resources);
  assert_null (s->seccomp);
  assert_int_equal (s->rootfs_propagation, 0);
  assert_false (s->time_boottime.set);
  sv_spec_free (s);
}

/* A malformed document: BASE with up to two fields replaced ("-" deletes). */
struct bad_case
{
  const char *field1, *value1;
  const char *field2, *value2;
  const char *expected;
};

static const char base_doc[]
    = "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"},"
      " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"},"
      " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"uts\"}]}}";

#define NS_USER "[{\"type\": \"mount\"}, {\"type\": \"user\"}]"
#define NS_TIME "[{\"type\": \"mount\"}, {\"type\": \"time\"}]"

static const struct bad_case bad_cases[] = {
  { "ociVersion", "-", NULL, NULL, "ociVersion: required" },
  { "ociVersion", "12", NULL, NULL, "ociVersion: expected a string" },
  { "root", "-", NULL, NULL, "root: required" },
  { "root", "{\"readonly\": true}", NULL, NULL, "root.path: required" },
  { "root", "{\"path\": \"r\", \"readonly\": 1}", NULL, NULL, "root.readonly: expected a boolean" },
  { "process", "-", NULL, NULL, "process: required" },
  { "process", "[]", NULL, NULL, "process: expected an object" },
  { "process.args", "[]", NULL, NULL, "process.args: must contain at least one element" },
  { "process.args", "-", NULL, NULL, "process.args: required" },
  { "process.args", "[\"sh\", 1]", NULL, NULL, "process.args[1]: expected a string" },
  { "process.cwd", "\"tmp\"", NULL, NULL, "process.cwd: must be an absolute path" },
  { "process.cwd", "-", NULL, NULL, "process.cwd: required" },
  { "process.env", "[\"A=1\", \"FOO\"]", NULL, NULL, "process.env[1]: expected KEY=value" },
  { "process.env", "[\"=x\"]", NULL, NULL, "process.env[0]: expected KEY=value" },
  { "process.terminal", "\"yes\"", NULL, NULL, "process.terminal: expected a boolean" },
  { "process.consoleSize", "{\"height\": 1}", NULL, NULL, "process.consoleSize.width: required" },
  { "process.user", "{\"uid\": -1, \"gid\": 0}", NULL, NULL,
    "process.user.uid: expected a non-negative integer" },
  { "process.user", "{\"uid\": 0, \"gid\": \"root\"}", NULL, NULL,
    "process.user.gid: expected a non-negative integer" },
  { "process.user", "{\"uid\": 4294967295, \"gid\": 0}", NULL, NULL,
    "process.user.uid: 4294967295 is out of range" },
  { "process.user", "{\"umask\": 1000}", NULL, NULL, "process.user.umask: 1000 is out of range" },
  { "process.user", "{\"additionalGids\": [1, \"x\"]}", NULL, NULL,
    "process.user.additionalGids[1]: expected a group id" },
  { "process.rlimits", "[{\"type\": \"RLIMIT_FOO\", \"soft\": 1, \"hard\": 1}]", NULL, NULL,
    "process.rlimits[0].type: unknown rlimit `RLIMIT_FOO`" },
  { "process.rlimits",
    "[{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1},"
    " {\"type\": \"RLIMIT_NOFILE\", \"soft\": 2, \"hard\": 2}]",
    NULL, NULL, "process.rlimits[1].type: duplicate rlimit `RLIMIT_NOFILE`" },
  { "process.rlimits", "[{\"type\": \"RLIMIT_CORE\", \"soft\": 1}]", NULL, NULL,
    "process.rlimits[0].hard: required" },
  { "process.rlimits", "[{\"type\": \"RLIMIT_CORE\", \"soft\": 2, \"hard\": 1}]", NULL, NULL,
    "process.rlimits[0]: soft limit 2 exceeds hard limit 1" },
  { "process.rlimits", "[\"RLIMIT_CORE\"]", NULL, NULL, "process.rlimits[0]: expected an object" },
  { "process.oomScoreAdj", "1001", NULL, NULL, "process.oomScoreAdj: must be between" },
  { "process.capabilities", "{\"bounding\": [\"CAP_KILL\", \"CAP_FOO\"]}", NULL, NULL,
    "process.capabilities.bounding[1]" },
  { "process.apparmorProfile", "7", NULL, NULL, "process.apparmorProfile: expected a string" },
  { "process.ioPriority", "{\"class\": \"IOPRIO_CLASS_IDLE\"}", NULL, NULL,
    "process.ioPriority: not supported by servin" },
  { "process.scheduler", "{\"policy\": \"SCHED_OTHER\"}", NULL, NULL,
    "process.scheduler: not supported by servin" },
  { "process.execCPUAffinity", "{\"initial\": \"0\"}", NULL, NULL,
    "process.execCPUAffinity: not supported by servin" },
  { "mounts", "{}", NULL, NULL, "mounts: expected an array" },
  { "mounts", "[3]", NULL, NULL, "mounts[0]: expected an object" },
  { "mounts", "[{\"destination\": \"/a\"}, {\"type\": \"tmpfs\"}]", NULL, NULL,
    "mounts[1].destination: required" },
  { "mounts",
    "[{\"destination\": \"/a\"}, {\"destination\": \"/b\"}, {\"destination\": \"/c\"},"
    " {\"destination\": \"tmp\"}]",
    NULL, NULL, "mounts[3].destination: must be an absolute path" },
  { "mounts", "[{\"destination\": \"/a\", \"options\": \"ro\"}]", NULL, NULL,
    "mounts[0].options: expected an array" },
  { "mounts", "[{\"destination\": \"/a\", \"type\": 1}]", NULL, NULL,
    "mounts[0].type: expected a string" },
  { "mounts", "[{\"destination\": \"/a\", \"options\": [\"ro\", \"idmap\"]}]", NULL, NULL,
    "mounts[0].options[1]: mount option `idmap` is not supported" },
  { "mounts", "[{\"destination\": \"/a\", \"options\": [\"tmpcopyup\"]}]", NULL, NULL,
    "mounts[0].options[0]: mount option `tmpcopyup` is not supported" },
  { "mounts",
    "[{\"destination\": \"/a\", \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1,"
    " \"size\": 1}]}]",
    NULL, NULL, "mounts[0].uidMappings: not supported by servin" },
  { "hooks", "{\"poststart\": [{\"path\": \"/bin/true\", \"timeout\": 0}]}", NULL, NULL,
    "hooks.poststart[0].timeout: must be greater than zero" },
  { "hooks", "{\"createRuntime\": [{\"path\": \"true\"}]}", NULL, NULL,
    "hooks.createRuntime[0].path: must be an absolute path" },
  { "hooks", "{\"poststop\": [{\"args\": [\"x\"]}]}", NULL, NULL,
    "hooks.poststop[0].path: required" },
  { "hooks", "{\"prestart\": {}}", NULL, NULL, "hooks.prestart: expected an array" },
  { "annotations", "{\"a\": 1}", NULL, NULL, "annotations.a: expected a string" },
  { "hostname", "\"box\"", "linux.namespaces", "[{\"type\": \"mount\"}]",
    "hostname: requires a UTS namespace" },
  { "domainname", "\"example.org\"", "linux", "-", "domainname: requires a UTS namespace" },
  { "hostname", "false", NULL, NULL, "hostname: expected a string" },
  { "linux", "[]", NULL, NULL, "linux: expected an object" },
  { "linux.namespaces", "[{\"type\": \"mount\"}, {\"type\": \"foo\"}]", NULL, NULL,
    "linux.namespaces[1].type: unknown namespace type `foo`" },
  { "linux.namespaces", "[{\"type\": \"pid\"}, {\"type\": \"pid\", \"path\": \"/proc/1/ns/pid\"}]",
    NULL, NULL, "linux.namespaces[1].type: duplicate namespace `pid`" },
  { "linux.namespaces", "[{\"type\": \"net\"}]", NULL, NULL,
    "linux.namespaces[0].type: unknown namespace type `net`" },
  { "linux.namespaces", "[{\"path\": \"/proc/1/ns/pid\"}]", NULL, NULL,
    "linux.namespaces[0].type: required" },
  { "linux.namespaces", "[{\"type\": \"ipc\", \"path\": \"proc/1/ns/ipc\"}]", NULL, NULL,
    "linux.namespaces[0].path: must be an absolute path" },
  { "linux.uidMappings", "[{\"containerID\": 0, \"hostID\": 1000, \"size\": -1}]",
    "linux.namespaces", NS_USER, "linux.uidMappings[0].size: expected a non-negative integer" },
  { "linux.gidMappings", "[{\"containerID\": 0, \"size\": 1}]", "linux.namespaces", NS_USER,
    "linux.gidMappings[0].hostID: required" },
  { "linux.uidMappings", "[{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]", NULL, NULL,
    "linux.uidMappings: requires a user namespace" },
  { "linux.gidMappings", "[{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]", NULL, NULL,
    "linux.gidMappings: requires a user namespace" },
  { "linux.timeOffsets", "{\"boottime\": {\"secs\": 1}}", NULL, NULL,
    "linux.timeOffsets: requires a new time namespace" },
  { "linux.timeOffsets", "{\"realtime\": {\"secs\": 1}}", "linux.namespaces", NS_TIME,
    "linux.timeOffsets.realtime: unknown clock" },
  { "linux.timeOffsets", "{\"monotonic\": {\"nanosecs\": 1000000000}}", "linux.namespaces", NS_TIME,
    "linux.timeOffsets.monotonic.nanosecs: 1000000000 is out of range" },
  { "linux.timeOffsets", "{\"monotonic\": {\"secs\": \"1\"}}", "linux.namespaces", NS_TIME,
    "linux.timeOffsets.monotonic.secs: expected an integer" },
  { "linux.devices", "[{\"path\": \"/dev/x\", \"type\": \"x\", \"major\": 1, \"minor\": 1}]", NULL,
    NULL, "linux.devices[0].type: unknown device type `x`" },
  { "linux.devices", "[{\"path\": \"/dev/x\", \"type\": \"c\", \"minor\": 1}]", NULL, NULL,
    "linux.devices[0].major: required" },
  { "linux.devices", "[{\"path\": \"/dev/x\", \"type\": \"b\", \"major\": 1}]", NULL, NULL,
    "linux.devices[0].minor: required" },
  { "linux.devices", "[{\"path\": \"dev/x\", \"type\": \"p\"}]", NULL, NULL,
    "linux.devices[0].path: must be an absolute path" },
  { "linux.devices",
    "[{\"path\": \"/dev/x\", \"type\": \"u\", \"major\": 1, \"minor\": 2,"
    " \"uid\": \"root\"}]",
    NULL, NULL, "linux.devices[0].uid: expected a non-negative integer" },
  { "linux.rootfsPropagation", "\"rfoo\"", NULL, NULL,
    "linux.rootfsPropagation: unknown propagation `rfoo`" },
  { "linux.rootfsPropagation", "\"ro\"", NULL, NULL,
    "linux.rootfsPropagation: unknown propagation `ro`" },
  { "linux.rootfsPropagation", "\"\"", NULL, NULL,
    "linux.rootfsPropagation: unknown propagation ``" },
  { "linux.sysctl", "{\"kernel.msgmax\": 1}", NULL, NULL,
    "linux.sysctl.kernel.msgmax: expected a string" },
  { "linux.maskedPaths", "[\"proc/kcore\"]", NULL, NULL,
    "linux.maskedPaths[0]: must be an absolute path" },
  { "linux.readonlyPaths", "[\"/proc/sys\", 3]", NULL, NULL,
    "linux.readonlyPaths[1]: expected a string" },
  { "linux.cgroupsPath", "[]", NULL, NULL, "linux.cgroupsPath: expected a string" },
  { "linux.resources", "7", NULL, NULL, "linux.resources: expected an object" },
  { "linux.seccomp", "\"x\"", NULL, NULL, "linux.seccomp: expected an object" },
  { "linux.resources", "{\"memory\": {\"limit\": \"1G\"}}", NULL, NULL,
    "linux.resources.memory.limit" },
  { "linux.seccomp", "{\"defaultAction\": \"SCMP_ACT_FOO\"}", NULL, NULL,
    "linux.seccomp.defaultAction" },
  { "linux.netDevices", "{\"eth0\": {}}", NULL, NULL, "linux.netDevices: not supported by servin" },
  { "linux.mountLabel", "\"system_u:object_r:container_file_t:s0\"", NULL, NULL,
    "linux.mountLabel: not supported by servin" },
  { "linux.intelRdt", "{\"closID\": \"x\"}", NULL, NULL,
    "linux.intelRdt: not supported by servin" },
  { "linux.personality", "{\"domain\": \"LINUX32\"}", NULL, NULL,
    "linux.personality: not supported by servin" },
  { "linux.memoryPolicy", "{\"mode\": \"MPOL_BIND\"}", NULL, NULL,
    "linux.memoryPolicy: not supported by servin" },
};

/* Set (or with "-", delete) the value at a dotted FIELD, creating objects. */
static void
set_field (json_t *doc, const char *field, const char *value)
{
  _cleanup_free_ char *copy = strdup (field);
  char *key = copy, *dot;
  json_t *obj = doc;
  while ((dot = strchr (key, '.')))
    {
      *dot = '\0';
      json_t *next = json_object_get (obj, key);
      if (next == NULL)
        {
          next = json_object ();
          json_object_set_new (obj, key, next);
        }
      obj = next;
      key = dot + 1;
    }
  if (strcmp (value, "-") == 0)
    json_object_del (obj, key);
  else
    json_object_set_new (obj, key, load (value));
}

static void
test_bad_documents (void **state)
{
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
    {
      const struct bad_case *c = &bad_cases[i];
      _cleanup_json_ json_t *doc = load (base_doc);
      _cleanup_err_ struct sv_err *err = NULL;
      struct sv_spec *s = NULL;
      set_field (doc, c->field1, c->value1);
      if (c->field2)
        set_field (doc, c->field2, c->value2);
      int ret = sv_spec_parse (doc, &s, &err);
      if (ret >= 0)
        fail_msg ("case %zu (%s): parsed, expected `%s`", i, c->field1, c->expected);
      assert_null (s);
      assert_non_null (err);
      if (strstr (err->msg, c->expected) == NULL)
        fail_msg ("case %zu: got `%s`, expected `%s`", i, err->msg, c->expected);
      if (getenv ("SV_TEST_VERBOSE"))
        print_message ("%s\n", err->msg);
    }
}

/* The base document itself is valid, so every failure above is the mutation's. */
static void
test_base_document_valid (void **state)
{
  _cleanup_json_ json_t *doc = load (base_doc);
  _cleanup_err_ struct sv_err *err = NULL;
  struct sv_spec *s = NULL;
  assert_int_equal (sv_spec_parse (doc, &s, &err), 0);
  sv_spec_free (s);
}

static void
test_load_file (void **state)
{
  char dir[] = "/tmp/servin-test-spec-XXXXXX";
  assert_non_null (mkdtemp (dir));
  _cleanup_close_ int dfd = open (dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  assert_true (dfd >= 0);
  _cleanup_err_ struct sv_err *err = NULL;
  struct sv_spec *s = NULL;

  static const char broken[] = "{\n  \"ociVersion\": \"1.2.0\",\n  \"root\": {\"path\" \"x\"}\n}\n";
  assert_int_equal (sv_write_file_at (dfd, "config.json", broken, strlen (broken), 0644, &err), 0);
  assert_true (sv_spec_load (dfd, "config.json", &s, &err) < 0);
  assert_null (s);
  if (strstr (err->msg, "config.json: invalid JSON at line 3, column") == NULL)
    fail_msg ("got `%s`", err->msg);
  sv_err_free (&err);

  assert_int_equal (sv_write_file_at (dfd, "config.json", "[1]", 3, 0644, &err), 0);
  assert_true (sv_spec_load (dfd, "config.json", &s, &err) < 0);
  assert_non_null (strstr (err->msg, "config.json: expected a JSON object"));
  sv_err_free (&err);

  static const char badargs[]
      = "{\"ociVersion\": \"1\", \"root\": {\"path\": \"r\"}, \"process\": {\"args\": [], "
        "\"cwd\": \"/\"}}";
  assert_int_equal (sv_write_file_at (dfd, "config.json", badargs, strlen (badargs), 0644, &err),
                    0);
  assert_true (sv_spec_load (dfd, "config.json", &s, &err) < 0);
  assert_string_equal (err->msg, "config.json: process.args: must contain at least one element");
  sv_err_free (&err);

  assert_int_equal (sv_write_file_at (dfd, "config.json", full_doc, strlen (full_doc), 0644, &err),
                    0);
  assert_int_equal (sv_spec_load (dfd, "config.json", &s, &err), 0);
  assert_string_equal (s->process->cwd, "/home");
  sv_spec_free (s);
  assert_int_equal (sv_rm_rf_at (AT_FDCWD, dir, &err), 0);
}

/* `exec --process FILE` parses a process object on its own, named by PATH. */
static void
test_process_alone (void **state)
{
  _cleanup_json_ json_t *obj = load ("{\"args\": [\"ls\"], \"cwd\": \"/\", \"env\": [\"A=b\"]}");
  _cleanup_err_ struct sv_err *err = NULL;
  struct sv_process *p = NULL;
  assert_int_equal (sv_process_parse (obj, "process", &p, &err), 0);
  assert_string_equal (p->args[0], "ls");
  assert_false (p->terminal);
  sv_process_free (p);

  _cleanup_json_ json_t *bad = load ("{\"args\": [\"ls\"], \"cwd\": \"relative\"}");
  assert_true (sv_process_parse (bad, "process.json", &p, &err) < 0);
  assert_string_equal (err->msg, "process.json.cwd: must be an absolute path");
}

static void
test_namespace_names (void **state)
{
  static const char *const names[]
      = { "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time" };
  static const int flags[] = { CLONE_NEWPID, CLONE_NEWNET,  CLONE_NEWNS,     CLONE_NEWIPC,
                               CLONE_NEWUTS, CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME };
  for (size_t i = 0; i < 8; i++)
    {
      assert_int_equal (sv_namespace_from_name (names[i]), flags[i]);
      assert_string_equal (sv_namespace_name (flags[i]), names[i]);
    }
  assert_int_equal (sv_namespace_from_name ("net"), 0);
  assert_int_equal (sv_namespace_from_name (""), 0);
  assert_int_equal (sv_namespace_from_name (NULL), 0);
  assert_null (sv_namespace_name (0));
}

static void
test_default_spec (void **state)
{
  _cleanup_json_ json_t *doc = sv_default_spec (false);
  _cleanup_err_ struct sv_err *err = NULL;
  struct sv_spec *s = NULL;
  assert_non_null (doc);
  if (sv_spec_parse (doc, &s, &err) < 0)
    fail_msg ("default spec: %s", err->msg);
  assert_string_equal (s->hostname, "servin");
  assert_string_equal (s->root_path, "rootfs");
  assert_true (s->root_readonly);
  assert_string_equal (s->process->args[0], "sh");
  assert_true (s->process->terminal);
  assert_true (s->process->no_new_privileges);
  uint64_t three = (UINT64_C (1) << 29) | (UINT64_C (1) << 5) | (UINT64_C (1) << 10);
  assert_true (s->process->caps->bounding == three);
  assert_true (s->process->caps->effective == three);
  assert_true (s->process->caps->permitted == three);
  assert_true (s->process->caps->ambient == 0);
  assert_int_equal (s->process->rlimits[0].resource, RLIMIT_NOFILE);
  assert_int_equal (s->n_mounts, 7);
  assert_string_equal (s->mounts[1].data, "mode=755,size=65536k");
  assert_string_equal (s->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  assert_non_null (sv_spec_namespace (s, CLONE_NEWNET));
  assert_null (sv_spec_namespace (s, CLONE_NEWUSER));
  assert_non_null (s->resources);
  assert_string_equal (s->masked_paths[0], "/proc/acpi");
  sv_spec_free (s);
}

static void
test_default_spec_rootless (void **state)
{
  _cleanup_json_ json_t *doc = sv_default_spec (true);
  _cleanup_err_ struct sv_err *err = NULL;
  struct sv_spec *s = NULL;
  if (sv_spec_parse (doc, &s, &err) < 0)
    fail_msg ("rootless default spec: %s", err->msg);
  assert_null (sv_spec_namespace (s, CLONE_NEWNET));
  assert_non_null (sv_spec_namespace (s, CLONE_NEWUSER));
  assert_int_equal (s->n_uid_mappings, 1);
  assert_int_equal (s->uid_mappings[0].host_id, geteuid ());
  assert_int_equal (s->gid_mappings[0].host_id, getegid ());
  assert_int_equal (s->uid_mappings[0].container_id, 0);
  assert_int_equal (s->uid_mappings[0].size, 1);
  assert_null (s->resources);
  assert_string_equal (s->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620");
  assert_string_equal (s->mounts[5].destination, "/sys");
  assert_true (s->mounts[5].is_bind);
  assert_int_equal (s->mounts[5].flags & (MS_BIND | MS_REC), MS_BIND | MS_REC);
  sv_spec_free (s);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_full_document),
    cmocka_unit_test (test_minimal_document),
    cmocka_unit_test (test_base_document_valid),
    cmocka_unit_test (test_bad_documents),
    cmocka_unit_test (test_load_file),
    cmocka_unit_test (test_process_alone),
    cmocka_unit_test (test_namespace_names),
    cmocka_unit_test (test_default_spec),
    cmocka_unit_test (test_default_spec_rootless),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}

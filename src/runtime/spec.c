/* config.json (OCI runtime-spec 1.2, Linux) parsed and validated up front.
 * Each section has its own parser; every error names the field path. */
#include "runtime/spec.h"
#include "runtime/caps.h"
#include "runtime/cgroup.h"
#include "runtime/rlimits.h"
#include "runtime/seccomp.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/mount.h>

/* uid_t/gid_t -1 means "unchanged" to setresuid(2), so it is not a valid id. */
#define SV_ID_MAX ((uint64_t)UINT32_MAX - 1)

/* ------------------------------------------------------------------ */
/* Field helpers                                                       */

/* "PATH.KEY", or "KEY" at the top level; owned by the caller. */
static char *
field_path (const char *path, const char *key)
{
  if (path == NULL || *path == '\0')
    return xstrdup (key);
  return xasprintf ("%s.%s", path, key);
}

static int
missing (const char *path, const char *key, struct sv_err **err)
{
  _cleanup_free_ char *f = field_path (path, key);
  return sv_err_make (err, EINVAL, "%s: required", f);
}

/* Turn "absent" (0) from a getter into a "required" error. */
static int
required (int ret, const char *path, const char *key, struct sv_err **err)
{
  if (ret == 0)
    return missing (path, key, err);
  return ret;
}

static int
check_absolute (const char *value, const char *path, const char *key, struct sv_err **err)
{
  if (value[0] == '/')
    return 0;
  _cleanup_free_ char *f = field_path (path, key);
  return sv_err_make (err, EINVAL, "%s: must be an absolute path", f);
}

/* A string that must be present and absolute; *out is a copy. */
static int
dup_absolute (json_t *obj, const char *path, const char *key, char **out, struct sv_err **err)
{
  _cleanup_free_ char *s = NULL;
  int ret = required (sv_json_dup_string (obj, path, key, &s, err), path, key, err);
  if (ret < 0)
    return ret;
  ret = check_absolute (s, path, key, err);
  if (ret < 0)
    return ret;
  *out = steal_pointer (&s);
  return 1;
}

/* A string vector that is empty rather than NULL when absent. */
static int
get_strv_or_empty (json_t *obj, const char *path, const char *key, char ***out, struct sv_err **err)
{
  int ret = sv_json_get_strv (obj, path, key, out, err);
  if (ret == 0)
    *out = xmalloc0 (sizeof (char *));
  return ret;
}

static int
get_kv_strv_or_empty (json_t *obj, const char *path, const char *key, char ***out,
                      struct sv_err **err)
{
  int ret = sv_json_get_kv_strv (obj, path, key, out, err);
  if (ret == 0)
    *out = xmalloc0 (sizeof (char *));
  return ret;
}

/* Refuse each of KEYS (NULL-terminated) that OBJ sets: Servin knows the
 * property but does not implement it.  null and "" count as unset. */
static int
refuse_unsupported (json_t *obj, const char *path, const char *const *keys, struct sv_err **err)
{
  for (size_t i = 0; keys[i]; i++)
    {
      json_t *v = json_object_get (obj, keys[i]);
      if (v == NULL || json_is_null (v))
        continue;
      if (json_is_string (v) && json_string_length (v) == 0)
        continue;
      return sv_json_unsupported (path, keys[i], err);
    }
  return 0;
}

typedef int (*elem_parse_fn) (json_t *elem, const char *path, void *out, struct sv_err **err);
typedef void (*elem_free_fn) (void *elem);

static void
elems_free (void *v, size_t n, size_t size, elem_free_fn free_elem)
{
  for (size_t i = 0; v && free_elem && i < n; i++)
    free_elem ((char *)v + i * size);
  free (v);
}

/* Parse OBJ.KEY, an array of objects, with PARSE for each element ("PATH.KEY[i]"
 * names it).  *OUT is a malloc'ed array of *N elements of SIZE bytes (NULL
 * and 0 when absent); on failure nothing is returned and FREE_ELEM cleans
 * the elements parsed so far. */
static int
parse_object_array (json_t *obj, const char *path, const char *key, size_t size,
                    elem_parse_fn parse, elem_free_fn free_elem, void **out, size_t *n,
                    struct sv_err **err)
{
  json_t *arr;
  int ret = sv_json_get_array (obj, path, key, &arr, err);
  if (ret <= 0)
    return ret;
  size_t len = json_array_size (arr);
  char *v = xmalloc0 (len ? len * size : 1);
  for (size_t i = 0; i < len; i++)
    {
      _cleanup_free_ char *base = field_path (path, key);
      _cleanup_free_ char *elem_path = xasprintf ("%s[%zu]", base, i);
      json_t *elem = json_array_get (arr, i);
      if (!json_is_object (elem))
        ret = sv_err_make (err, EINVAL, "%s: expected an object", elem_path);
      else
        ret = parse (elem, elem_path, v + i * size, err);
      if (ret < 0)
        {
          elems_free (v, i + 1, size, free_elem);
          return ret;
        }
    }
  *out = v;
  *n = len;
  return 1;
}

/* ------------------------------------------------------------------ */
/* Names                                                               */

static const struct
{
  const char *name;
  int flag;
} namespace_names[] = {
  { "pid", CLONE_NEWPID },       { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS },
  { "ipc", CLONE_NEWIPC },       { "uts", CLONE_NEWUTS },     { "user", CLONE_NEWUSER },
  { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

#define N_NAMESPACE_NAMES (sizeof namespace_names / sizeof namespace_names[0])

int
sv_namespace_from_name (const char *name)
{
  for (size_t i = 0; name && i < N_NAMESPACE_NAMES; i++)
    if (strcmp (namespace_names[i].name, name) == 0)
      return namespace_names[i].flag;
  return 0;
}

const char *
sv_namespace_name (int flag)
{
  for (size_t i = 0; i < N_NAMESPACE_NAMES; i++)
    if (namespace_names[i].flag == flag)
      return namespace_names[i].name;
  return NULL;
}

const struct sv_namespace *
sv_spec_namespace (const struct sv_spec *spec, int flag)
{
  for (size_t i = 0; i < spec->n_namespaces; i++)
    if (spec->namespaces[i].flag == flag)
      return &spec->namespaces[i];
  return NULL;
}

/* ------------------------------------------------------------------ */
/* process                                                             */

void
sv_process_free (struct sv_process *p)
{
  if (p == NULL)
    return;
  free (p->user.additional_gids);
  sv_strv_free (p->args);
  sv_strv_free (p->env);
  free (p->cwd);
  free (p->caps);
  free (p->rlimits);
  free (p->apparmor_profile);
  free (p->selinux_label);
  free (p);
}

static void
sv_process_freep (struct sv_process **p)
{
  sv_process_free (*p);
}

static int
console_size_parse (json_t *obj, const char *path, struct sv_process *p, struct sv_err **err)
{
  json_t *cs;
  int ret = sv_json_get_object (obj, path, "consoleSize", &cs, err);
  if (ret <= 0)
    return ret;
  _cleanup_free_ char *cs_path = field_path (path, "consoleSize");
  uint64_t h = 0, w = 0;
  ret = required (sv_json_get_uint64 (cs, cs_path, "height", UINT_MAX, &h, err), cs_path, "height",
                  err);
  if (ret < 0)
    return ret;
  ret = required (sv_json_get_uint64 (cs, cs_path, "width", UINT_MAX, &w, err), cs_path, "width",
                  err);
  if (ret < 0)
    return ret;
  p->has_console_size = true;
  p->console_height = (unsigned)h;
  p->console_width = (unsigned)w;
  return 1;
}

/* Every element "KEY=value" with a non-empty KEY. */
static int
env_check (char **env, const char *path, struct sv_err **err)
{
  for (size_t i = 0; env[i]; i++)
    if (env[i][0] == '=' || strchr (env[i], '=') == NULL)
      return sv_err_make (err, EINVAL, "%s.env[%zu]: expected KEY=value, got `%s`", path, i,
                          env[i]);
  return 0;
}

static int
args_env_cwd_parse (json_t *obj, const char *path, struct sv_process *p, struct sv_err **err)
{
  int ret = required (sv_json_get_strv (obj, path, "args", &p->args, err), path, "args", err);
  if (ret < 0)
    return ret;
  if (p->args[0] == NULL)
    return sv_err_make (err, EINVAL, "%s.args: must contain at least one element", path);
  ret = get_strv_or_empty (obj, path, "env", &p->env, err);
  if (ret < 0)
    return ret;
  ret = env_check (p->env, path, err);
  if (ret < 0)
    return ret;
  return dup_absolute (obj, path, "cwd", &p->cwd, err);
}

static int
additional_gids_parse (json_t *user, const char *path, struct sv_user *u, struct sv_err **err)
{
  json_t *arr;
  int ret = sv_json_get_array (user, path, "additionalGids", &arr, err);
  if (ret <= 0)
    return ret;
  size_t n = json_array_size (arr);
  _cleanup_free_ gid_t *gids = xmalloc0 ((n ? n : 1) * sizeof (gid_t));
  _cleanup_free_ char *arr_path = field_path (path, "additionalGids");
  for (size_t i = 0; i < n; i++)
    {
      json_t *v = json_array_get (arr, i);
      if (!json_is_integer (v) || json_integer_value (v) < 0
          || (uint64_t)json_integer_value (v) > SV_ID_MAX)
        return sv_err_make (err, EINVAL, "%s[%zu]: expected a group id (0 to %" PRIu64 ")",
                            arr_path, i, SV_ID_MAX);
      gids[i] = (gid_t)json_integer_value (v);
    }
  u->additional_gids = steal_pointer (&gids);
  u->n_additional_gids = n;
  return 1;
}

/* process.user; absent means root, as runc does. */
static int
user_parse (json_t *obj, const char *path, struct sv_user *u, struct sv_err **err)
{
  json_t *user;
  int ret = sv_json_get_object (obj, path, "user", &user, err);
  if (ret <= 0)
    return ret;
  _cleanup_free_ char *upath = field_path (path, "user");
  uint64_t uid = 0, gid = 0, umask = 0;
  if ((ret = sv_json_get_uint64 (user, upath, "uid", SV_ID_MAX, &uid, err)) < 0)
    return ret;
  if ((ret = sv_json_get_uint64 (user, upath, "gid", SV_ID_MAX, &gid, err)) < 0)
    return ret;
  if ((ret = sv_json_get_uint64 (user, upath, "umask", 0777, &umask, err)) < 0)
    return ret;
  u->has_umask = ret > 0;
  u->uid = (uint32_t)uid;
  u->gid = (uint32_t)gid;
  u->umask = (mode_t)umask;
  return additional_gids_parse (user, upath, u, err);
}

static int
rlimit_parse (json_t *obj, const char *path, void *out, struct sv_err **err)
{
  struct sv_rlimit *r = out;
  const char *type = NULL;
  int ret = required (sv_json_get_string (obj, path, "type", &type, err), path, "type", err);
  if (ret < 0)
    return ret;
  r->resource = sv_rlimit_from_name (type);
  if (r->resource < 0)
    return sv_err_make (err, EINVAL, "%s.type: unknown rlimit `%s`", path, type);
  ret = required (sv_json_get_uint64 (obj, path, "soft", UINT64_MAX, &r->soft, err), path, "soft",
                  err);
  if (ret < 0)
    return ret;
  ret = required (sv_json_get_uint64 (obj, path, "hard", UINT64_MAX, &r->hard, err), path, "hard",
                  err);
  if (ret < 0)
    return ret;
  if (r->soft > r->hard)
    return sv_err_make (err, EINVAL, "%s: soft limit %" PRIu64 " exceeds hard limit %" PRIu64, path,
                        r->soft, r->hard);
  return 0;
}

static int
rlimits_parse (json_t *obj, const char *path, struct sv_process *p, struct sv_err **err)
{
  int ret = parse_object_array (obj, path, "rlimits", sizeof (struct sv_rlimit), rlimit_parse, NULL,
                                (void **)&p->rlimits, &p->n_rlimits, err);
  if (ret <= 0)
    return ret;
  for (size_t i = 0; i < p->n_rlimits; i++)
    for (size_t j = 0; j < i; j++)
      if (p->rlimits[i].resource == p->rlimits[j].resource)
        return sv_err_make (err, EINVAL, "%s.rlimits[%zu].type: duplicate rlimit `%s`", path, i,
                            sv_rlimit_name (p->rlimits[i].resource));
  return 1;
}

static int
caps_parse (json_t *obj, const char *path, struct sv_process *p, struct sv_err **err)
{
  json_t *caps;
  int ret = sv_json_get_object (obj, path, "capabilities", &caps, err);
  if (ret <= 0)
    return ret;
  _cleanup_free_ char *cpath = field_path (path, "capabilities");
  return sv_caps_parse (caps, cpath, &p->caps, err);
}

/* A string kept only when non-empty (the spec's "" means unset). */
static int
dup_nonempty (json_t *obj, const char *path, const char *key, char **out, struct sv_err **err)
{
  _cleanup_free_ char *s = NULL;
  int ret = sv_json_dup_string (obj, path, key, &s, err);
  if (ret <= 0)
    return ret;
  if (*s)
    *out = steal_pointer (&s);
  return 1;
}

static int
security_parse (json_t *obj, const char *path, struct sv_process *p, struct sv_err **err)
{
  int64_t oom = 0;
  int ret = sv_json_get_bool (obj, path, "noNewPrivileges", &p->no_new_privileges, err);
  if (ret < 0)
    return ret;
  if ((ret = sv_json_get_int64 (obj, path, "oomScoreAdj", &oom, err)) < 0)
    return ret;
  if (ret > 0 && (oom < -1000 || oom > 1000))
    return sv_err_make (err, ERANGE, "%s.oomScoreAdj: must be between -1000 and 1000", path);
  p->has_oom_score_adj = ret > 0;
  p->oom_score_adj = (int)oom;
  if ((ret = dup_nonempty (obj, path, "apparmorProfile", &p->apparmor_profile, err)) < 0)
    return ret;
  return dup_nonempty (obj, path, "selinuxLabel", &p->selinux_label, err);
}

static const char *const process_unsupported[]
    = { "ioPriority", "scheduler", "execCPUAffinity", NULL };

int
sv_process_parse (json_t *obj, const char *path, struct sv_process **out, struct sv_err **err)
{
  if (!json_is_object (obj))
    return sv_err_make (err, EINVAL, "%s: expected an object", path);
  _cleanup_ (sv_process_freep) struct sv_process *p = xmalloc0 (sizeof *p);
  int ret = sv_json_get_bool (obj, path, "terminal", &p->terminal, err);
  if (ret >= 0)
    ret = console_size_parse (obj, path, p, err);
  if (ret >= 0)
    ret = args_env_cwd_parse (obj, path, p, err);
  if (ret >= 0)
    ret = user_parse (obj, path, &p->user, err);
  if (ret >= 0)
    ret = caps_parse (obj, path, p, err);
  if (ret >= 0)
    ret = rlimits_parse (obj, path, p, err);
  if (ret >= 0)
    ret = security_parse (obj, path, p, err);
  if (ret >= 0)
    ret = refuse_unsupported (obj, path, process_unsupported, err);
  if (ret < 0)
    return ret;
  *out = steal_pointer (&p);
  return 0;
}

/* ------------------------------------------------------------------ */
/* root, mounts, hooks, annotations                                    */

static int
root_parse (json_t *doc, struct sv_spec *s, struct sv_err **err)
{
  json_t *root;
  int ret = required (sv_json_get_object (doc, "", "root", &root, err), "", "root", err);
  if (ret < 0)
    return ret;
  ret = required (sv_json_dup_string (root, "root", "path", &s->root_path, err), "root", "path",
                  err);
  if (ret < 0)
    return ret;
  if (s->root_path[0] == '\0')
    return sv_err_make (err, EINVAL, "root.path: must not be empty");
  return sv_json_get_bool (root, "root", "readonly", &s->root_readonly, err);
}

static void
mount_free (void *elem)
{
  struct sv_mount *m = elem;
  free (m->destination);
  free (m->source);
  free (m->type);
  free (m->data);
}

static const char *const mount_unsupported[] = { "uidMappings", "gidMappings", NULL };

static int
mount_parse (json_t *obj, const char *path, void *out, struct sv_err **err)
{
  struct sv_mount *m = out;
  _cleanup_strv_ char **options = NULL;
  int ret = dup_absolute (obj, path, "destination", &m->destination, err);
  if (ret >= 0)
    ret = sv_json_dup_string (obj, path, "source", &m->source, err);
  if (ret >= 0)
    ret = sv_json_dup_string (obj, path, "type", &m->type, err);
  if (ret >= 0)
    ret = sv_json_get_strv (obj, path, "options", &options, err);
  if (ret >= 0)
    ret = refuse_unsupported (obj, path, mount_unsupported, err);
  if (ret < 0)
    return ret;
  _cleanup_free_ char *opath = field_path (path, "options");
  return sv_mount_parse_options (options, opath, m, err);
}

static void
hook_free (void *elem)
{
  struct sv_hook *h = elem;
  free (h->path);
  sv_strv_free (h->args);
  sv_strv_free (h->env);
}

static int
hook_parse (json_t *obj, const char *path, void *out, struct sv_err **err)
{
  struct sv_hook *h = out;
  int64_t timeout = 0;
  int ret = dup_absolute (obj, path, "path", &h->path, err);
  if (ret >= 0)
    ret = sv_json_get_strv (obj, path, "args", &h->args, err);
  if (ret >= 0)
    ret = sv_json_get_strv (obj, path, "env", &h->env, err);
  if (ret >= 0)
    ret = sv_json_get_int64 (obj, path, "timeout", &timeout, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && (timeout <= 0 || timeout > INT_MAX))
    return sv_err_make (err, EINVAL, "%s.timeout: must be greater than zero", path);
  h->timeout = (int)timeout;
  return 0;
}

static const struct
{
  const char *key;
  size_t offset;
} hook_kinds[] = {
  { "prestart", offsetof (struct sv_hooks, prestart) },
  { "createRuntime", offsetof (struct sv_hooks, create_runtime) },
  { "createContainer", offsetof (struct sv_hooks, create_container) },
  { "startContainer", offsetof (struct sv_hooks, start_container) },
  { "poststart", offsetof (struct sv_hooks, poststart) },
  { "poststop", offsetof (struct sv_hooks, poststop) },
};

#define N_HOOK_KINDS (sizeof hook_kinds / sizeof hook_kinds[0])

static struct sv_hook_list *
hook_list (struct sv_hooks *hooks, size_t kind)
{
  return (struct sv_hook_list *)((char *)hooks + hook_kinds[kind].offset);
}

static int
hooks_parse (json_t *doc, struct sv_spec *s, struct sv_err **err)
{
  json_t *hooks;
  int ret = sv_json_get_object (doc, "", "hooks", &hooks, err);
  if (ret <= 0)
    return ret;
  for (size_t k = 0; k < N_HOOK_KINDS; k++)
    {
      struct sv_hook_list *l = hook_list (&s->hooks, k);
      ret = parse_object_array (hooks, "hooks", hook_kinds[k].key, sizeof (struct sv_hook),
                                hook_parse, hook_free, (void **)&l->v, &l->n, err);
      if (ret < 0)
        return ret;
    }
  return 1;
}

static int
mounts_parse (json_t *doc, struct sv_spec *s, struct sv_err **err)
{
  return parse_object_array (doc, "", "mounts", sizeof (struct sv_mount), mount_parse, mount_free,
                             (void **)&s->mounts, &s->n_mounts, err);
}

/* ociVersion, root, hostname, domainname, annotations and process. */
static int
top_parse (json_t *doc, struct sv_spec *s, struct sv_err **err)
{
  json_t *process;
  int ret = required (sv_json_dup_string (doc, "", "ociVersion", &s->oci_version, err), "",
                      "ociVersion", err);
  if (ret >= 0)
    ret = root_parse (doc, s, err);
  if (ret >= 0)
    ret = dup_nonempty (doc, "", "hostname", &s->hostname, err);
  if (ret >= 0)
    ret = dup_nonempty (doc, "", "domainname", &s->domainname, err);
  if (ret >= 0)
    ret = get_kv_strv_or_empty (doc, "", "annotations", &s->annotations, err);
  if (ret >= 0)
    ret = required (sv_json_get_object (doc, "", "process", &process, err), "", "process", err);
  if (ret < 0)
    return ret;
  return sv_process_parse (process, "process", &s->process, err);
}

/* ------------------------------------------------------------------ */
/* linux                                                               */

static int
namespace_parse (json_t *obj, const char *path, void *out, struct sv_err **err)
{
  struct sv_namespace *ns = out;
  const char *type = NULL;
  int ret = required (sv_json_get_string (obj, path, "type", &type, err), path, "type", err);
  if (ret < 0)
    return ret;
  ns->flag = sv_namespace_from_name (type);
  if (ns->flag == 0)
    return sv_err_make (err, EINVAL, "%s.type: unknown namespace type `%s`", path, type);
  ret = sv_json_dup_string (obj, path, "path", &ns->path, err);
  if (ret <= 0)
    return ret;
  return check_absolute (ns->path, path, "path", err);
}

static void
namespace_free (void *elem)
{
  free (((struct sv_namespace *)elem)->path);
}

static int
namespaces_parse (json_t *lx, struct sv_spec *s, struct sv_err **err)
{
  int ret = parse_object_array (lx, "linux", "namespaces", sizeof (struct sv_namespace),
                                namespace_parse, namespace_free, (void **)&s->namespaces,
                                &s->n_namespaces, err);
  if (ret <= 0)
    return ret;
  for (size_t i = 0; i < s->n_namespaces; i++)
    for (size_t j = 0; j < i; j++)
      if (s->namespaces[i].flag == s->namespaces[j].flag)
        return sv_err_make (err, EINVAL, "linux.namespaces[%zu].type: duplicate namespace `%s`", i,
                            sv_namespace_name (s->namespaces[i].flag));
  return 1;
}

static int
idmap_parse (json_t *obj, const char *path, void *out, struct sv_err **err)
{
  struct sv_idmap *m = out;
  static const char *const keys[] = { "containerID", "hostID", "size" };
  uint32_t *fields[] = { &m->container_id, &m->host_id, &m->size };
  for (size_t i = 0; i < 3; i++)
    {
      uint64_t v = 0;
      int ret = required (sv_json_get_uint64 (obj, path, keys[i], UINT32_MAX, &v, err), path,
                          keys[i], err);
      if (ret < 0)
        return ret;
      *fields[i] = (uint32_t)v;
    }
  return 0;
}

static int
idmaps_parse (json_t *lx, struct sv_spec *s, struct sv_err **err)
{
  int ret = parse_object_array (lx, "linux", "uidMappings", sizeof (struct sv_idmap), idmap_parse,
                                NULL, (void **)&s->uid_mappings, &s->n_uid_mappings, err);
  if (ret < 0)
    return ret;
  return parse_object_array (lx, "linux", "gidMappings", sizeof (struct sv_idmap), idmap_parse,
                             NULL, (void **)&s->gid_mappings, &s->n_gid_mappings, err);
}

static int
time_offset_parse (json_t *obj, const char *path, struct sv_time_offset *t, struct sv_err **err)
{
  uint64_t nsecs = 0;
  if (!json_is_object (obj))
    return sv_err_make (err, EINVAL, "%s: expected an object", path);
  int ret = sv_json_get_int64 (obj, path, "secs", &t->secs, err);
  if (ret < 0)
    return ret;
  ret = sv_json_get_uint64 (obj, path, "nanosecs", 999999999, &nsecs, err);
  if (ret < 0)
    return ret;
  t->nanosecs = (uint32_t)nsecs;
  t->set = true;
  return 0;
}

static int
time_offsets_parse (json_t *lx, struct sv_spec *s, struct sv_err **err)
{
  json_t *offsets, *v;
  const char *clock;
  int ret = sv_json_get_object (lx, "linux", "timeOffsets", &offsets, err);
  if (ret <= 0)
    return ret;
  json_object_foreach (offsets, clock, v)
  {
    _cleanup_free_ char *path = xasprintf ("linux.timeOffsets.%s", clock);
    struct sv_time_offset *t = NULL;
    if (strcmp (clock, "boottime") == 0)
      t = &s->time_boottime;
    else if (strcmp (clock, "monotonic") == 0)
      t = &s->time_monotonic;
    else
      return sv_err_make (err, EINVAL, "%s: unknown clock (expected boottime or monotonic)", path);
    ret = time_offset_parse (v, path, t, err);
    if (ret < 0)
      return ret;
  }
  return 1;
}

static void
device_free (void *elem)
{
  free (((struct sv_device *)elem)->path);
}

static int
device_type_parse (json_t *obj, const char *path, struct sv_device *d, struct sv_err **err)
{
  const char *type = NULL;
  int ret = required (sv_json_get_string (obj, path, "type", &type, err), path, "type", err);
  if (ret < 0)
    return ret;
  if (strlen (type) != 1 || strchr ("cbup", type[0]) == NULL)
    return sv_err_make (err, EINVAL, "%s.type: unknown device type `%s` (expected c, b, u or p)",
                        path, type);
  d->type = type[0];
  return 0;
}

static int
device_parse (json_t *obj, const char *path, void *out, struct sv_err **err)
{
  struct sv_device *d = out;
  uint64_t major = 0, minor = 0, mode = 0, uid = 0, gid = 0;
  int ret = dup_absolute (obj, path, "path", &d->path, err);
  if (ret >= 0)
    ret = device_type_parse (obj, path, d, err);
  if (ret >= 0)
    ret = sv_json_get_uint64 (obj, path, "major", UINT32_MAX, &major, err);
  if (ret == 0 && d->type != 'p')
    ret = missing (path, "major", err);
  if (ret >= 0)
    ret = sv_json_get_uint64 (obj, path, "minor", UINT32_MAX, &minor, err);
  if (ret == 0 && d->type != 'p')
    ret = missing (path, "minor", err);
  if (ret >= 0 && (ret = sv_json_get_uint64 (obj, path, "fileMode", UINT32_MAX, &mode, err)) >= 0)
    d->has_mode = ret > 0;
  if (ret >= 0 && (ret = sv_json_get_uint64 (obj, path, "uid", SV_ID_MAX, &uid, err)) >= 0)
    d->has_uid = ret > 0;
  if (ret >= 0 && (ret = sv_json_get_uint64 (obj, path, "gid", SV_ID_MAX, &gid, err)) >= 0)
    d->has_gid = ret > 0;
  if (ret < 0)
    return ret;
  d->major = (int64_t)major;
  d->minor = (int64_t)minor;
  d->mode = (mode_t)(mode & 07777);
  d->uid = (uid_t)uid;
  d->gid = (gid_t)gid;
  return 0;
}

static int
devices_parse (json_t *lx, struct sv_spec *s, struct sv_err **err)
{
  return parse_object_array (lx, "linux", "devices", sizeof (struct sv_device), device_parse,
                             device_free, (void **)&s->devices, &s->n_devices, err);
}

/* A linux.* list of absolute paths, empty when absent. */
static int
path_list_parse (json_t *lx, const char *key, char ***out, struct sv_err **err)
{
  int ret = get_strv_or_empty (lx, "linux", key, out, err);
  if (ret < 0)
    return ret;
  for (size_t i = 0; (*out)[i]; i++)
    if ((*out)[i][0] != '/')
      return sv_err_make (err, EINVAL, "linux.%s[%zu]: must be an absolute path", key, i);
  return ret;
}

/* rootfsPropagation shares the mount option table: it must name exactly a
 * propagation option (shared, rslave, ...). */
static int
rootfs_propagation_parse (json_t *lx, struct sv_spec *s, struct sv_err **err)
{
  const char *value = NULL;
  int ret = sv_json_get_string (lx, "linux", "rootfsPropagation", &value, err);
  if (ret <= 0)
    return ret;
  char *opts[] = { (char *)value, NULL };
  struct sv_mount m = { 0 };
  _cleanup_err_ struct sv_err *ignored = NULL;
  ret = sv_mount_parse_options (opts, "linux.rootfsPropagation", &m, &ignored);
  bool ok = ret == 0 && m.propagation != 0 && m.flags == 0 && m.data == NULL && m.attr_set == 0
            && m.attr_clr == 0;
  free (m.data);
  if (!ok)
    return sv_err_make (err, EINVAL, "linux.rootfsPropagation: unknown propagation `%s`", value);
  s->rootfs_propagation = m.propagation;
  return 1;
}

static int
resources_seccomp_parse (json_t *lx, struct sv_spec *s, struct sv_err **err)
{
  json_t *obj;
  int ret = sv_json_get_object (lx, "linux", "resources", &obj, err);
  if (ret > 0)
    ret = sv_resources_parse (obj, "linux.resources", &s->resources, err);
  if (ret < 0)
    return ret;
  ret = sv_json_get_object (lx, "linux", "seccomp", &obj, err);
  if (ret > 0)
    ret = sv_seccomp_parse (obj, "linux.seccomp", &s->seccomp, err);
  return ret;
}

static const char *const linux_unsupported[]
    = { "mountLabel", "intelRdt", "personality", "memoryPolicy", "netDevices", NULL };

/* namespaces, ID mappings, time offsets and devices. */
static int
linux_ids_parse (json_t *lx, struct sv_spec *s, struct sv_err **err)
{
  int ret = namespaces_parse (lx, s, err);
  if (ret >= 0)
    ret = idmaps_parse (lx, s, err);
  if (ret >= 0)
    ret = time_offsets_parse (lx, s, err);
  if (ret >= 0)
    ret = devices_parse (lx, s, err);
  return ret;
}

/* cgroups, seccomp, sysctl, masked/readonly paths, propagation. */
static int
linux_policy_parse (json_t *lx, struct sv_spec *s, struct sv_err **err)
{
  int ret = sv_json_dup_string (lx, "linux", "cgroupsPath", &s->cgroups_path, err);
  if (ret >= 0)
    ret = resources_seccomp_parse (lx, s, err);
  if (ret >= 0)
    ret = get_kv_strv_or_empty (lx, "linux", "sysctl", &s->sysctl, err);
  if (ret >= 0)
    ret = path_list_parse (lx, "maskedPaths", &s->masked_paths, err);
  if (ret >= 0)
    ret = path_list_parse (lx, "readonlyPaths", &s->readonly_paths, err);
  if (ret >= 0)
    ret = rootfs_propagation_parse (lx, s, err);
  return ret;
}

/* An absent linux object is parsed as an empty one (empty lists). */
static int
linux_parse (json_t *doc, struct sv_spec *s, struct sv_err **err)
{
  json_t *lx = NULL;
  int ret = sv_json_get_object (doc, "", "linux", &lx, err);
  if (ret >= 0)
    ret = linux_ids_parse (lx, s, err);
  if (ret >= 0)
    ret = linux_policy_parse (lx, s, err);
  if (ret >= 0 && lx)
    ret = refuse_unsupported (lx, "linux", linux_unsupported, err);
  return ret;
}

/* Rules that span sections. */
static int
cross_check (const struct sv_spec *s, struct sv_err **err)
{
  const struct sv_namespace *tns = sv_spec_namespace (s, CLONE_NEWTIME);
  /* As runc: a UTS namespace entry (new or joined) is needed to set names. */
  if (s->hostname && sv_spec_namespace (s, CLONE_NEWUTS) == NULL)
    return sv_err_make (err, EINVAL, "hostname: requires a UTS namespace (linux.namespaces)");
  if (s->domainname && sv_spec_namespace (s, CLONE_NEWUTS) == NULL)
    return sv_err_make (err, EINVAL, "domainname: requires a UTS namespace (linux.namespaces)");
  if (s->n_uid_mappings && sv_spec_namespace (s, CLONE_NEWUSER) == NULL)
    return sv_err_make (err, EINVAL, "linux.uidMappings: requires a user namespace");
  if (s->n_gid_mappings && sv_spec_namespace (s, CLONE_NEWUSER) == NULL)
    return sv_err_make (err, EINVAL, "linux.gidMappings: requires a user namespace");
  if ((s->time_boottime.set || s->time_monotonic.set) && (tns == NULL || tns->path))
    return sv_err_make (err, EINVAL, "linux.timeOffsets: requires a new time namespace");
  return 0;
}

/* ------------------------------------------------------------------ */
/* the document                                                        */

static void
hooks_free (struct sv_hooks *hooks)
{
  for (size_t k = 0; k < N_HOOK_KINDS; k++)
    {
      struct sv_hook_list *l = hook_list (hooks, k);
      elems_free (l->v, l->n, sizeof (struct sv_hook), hook_free);
    }
}

void
sv_spec_free (struct sv_spec *s)
{
  if (s == NULL)
    return;
  if (s->json)
    json_decref (s->json);
  free (s->oci_version);
  free (s->root_path);
  free (s->hostname);
  free (s->domainname);
  sv_process_free (s->process);
  elems_free (s->mounts, s->n_mounts, sizeof (struct sv_mount), mount_free);
  hooks_free (&s->hooks);
  sv_strv_free (s->annotations);
  elems_free (s->namespaces, s->n_namespaces, sizeof (struct sv_namespace), namespace_free);
  free (s->uid_mappings);
  free (s->gid_mappings);
  elems_free (s->devices, s->n_devices, sizeof (struct sv_device), device_free);
  free (s->cgroups_path);
  if (s->resources)
    sv_resources_free (s->resources);
  if (s->seccomp)
    sv_seccomp_free (s->seccomp);
  sv_strv_free (s->sysctl);
  sv_strv_free (s->masked_paths);
  sv_strv_free (s->readonly_paths);
  free (s);
}

static void
sv_spec_freep (struct sv_spec **s)
{
  sv_spec_free (*s);
}

int
sv_spec_parse (json_t *root, struct sv_spec **out, struct sv_err **err)
{
  if (!json_is_object (root))
    return sv_err_make (err, EINVAL, "config: expected a JSON object");
  _cleanup_ (sv_spec_freep) struct sv_spec *s = xmalloc0 (sizeof *s);
  s->json = json_incref (root);
  int ret = top_parse (root, s, err);
  if (ret >= 0)
    ret = mounts_parse (root, s, err);
  if (ret >= 0)
    ret = hooks_parse (root, s, err);
  if (ret >= 0)
    ret = linux_parse (root, s, err);
  if (ret >= 0)
    ret = cross_check (s, err);
  if (ret < 0)
    return ret;
  *out = steal_pointer (&s);
  return 0;
}

int
sv_spec_load (int dirfd, const char *path, struct sv_spec **out, struct sv_err **err)
{
  _cleanup_json_ json_t *doc = NULL;
  int ret = sv_json_load_file_at (dirfd, path, &doc, err);
  if (ret < 0)
    return ret;
  ret = sv_spec_parse (doc, out, err);
  if (ret < 0)
    return sv_err_wrap (err, "%s", path);
  return 0;
}

/* Where a container's cgroup lives: linux.cgroupsPath resolution (plain
 * and systemd "slice:prefix:name" forms), the host's hierarchies, and the
 * path string kept in the container state. */
#include "runtime/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static bool
has_suffix (const char *s, const char *suffix)
{
  size_t ls = strlen (s), lx = strlen (suffix);
  return ls >= lx && strcmp (s + ls - lx, suffix) == 0;
}

/* Collapse repeated '/', drop "." components and a trailing '/'; refuse
 * "..".  Keeps a leading '/' when there is one.  Returns NULL for "..". */
static char *
normalize_path (const char *in)
{
  _cleanup_free_ char *copy = xstrdup (in);
  char *out = xmalloc (strlen (in) + 2), *o = out;
  if (in[0] == '/')
    *o++ = '/';
  char *save = NULL;
  for (char *c = strtok_r (copy, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      if (strcmp (c, ".") == 0)
        continue;
      if (strcmp (c, "..") == 0)
        {
          free (out);
          return NULL;
        }
      if (o > out && o[-1] != '/')
        *o++ = '/';
      o = stpcpy (o, c);
    }
  *o = '\0';
  return out;
}

int
sv_cgroup_expand_slice (const char *slice, char **out, struct sv_err **err)
{
  if (!has_suffix (slice, ".slice") || strchr (slice, '/'))
    return sv_err_make (err, EINVAL, "invalid slice name `%s`", slice);
  if (strcmp (slice, "-.slice") == 0)
    {
      *out = xstrdup ("");
      return 0;
    }
  size_t base_len = strlen (slice) - strlen (".slice");
  _cleanup_free_ char *base = xstrndup (slice, base_len);
  if (base_len == 0 || base[0] == '-' || base[base_len - 1] == '-' || strstr (base, "--"))
    return sv_err_make (err, EINVAL, "invalid slice name `%s`", slice);
  /* Every '-' starts a parent: "a-b-c" is under "a-b", under "a". */
  _cleanup_free_ char *path = xstrdup ("");
  for (size_t i = 0; i <= base_len; i++)
    {
      if (base[i] != '-' && base[i] != '\0')
        continue;
      char *next = xasprintf ("%s/%.*s.slice", path, (int)i, base);
      free (path);
      path = next;
    }
  *out = steal_pointer (&path);
  return 0;
}

/* "slice:prefix:name" -> "/<slice expanded>/<prefix>-<name>.scope"; a NAME
 * that is itself a slice is used as the unit name as is. */
static int
resolve_systemd (const char *id, const char *cgroups_path, char **out, struct sv_err **err)
{
  _cleanup_free_ char *spec
      = cgroups_path && *cgroups_path ? xstrdup (cgroups_path) : xasprintf (":servin:%s", id);
  char *slice = spec, *prefix = strchr (spec, ':'), *name;
  if (prefix == NULL || (name = strchr (prefix + 1, ':')) == NULL || strchr (name + 1, ':'))
    return sv_err_make (err, EINVAL,
                        "cgroupsPath `%s`: expected \"slice:prefix:name\" with --systemd-cgroup",
                        spec);
  *prefix++ = '\0';
  *name++ = '\0';
  if (*name == '\0')
    name = (char *)id;
  if (strchr (prefix, '/') || strchr (name, '/'))
    return sv_err_make (err, EINVAL, "cgroupsPath `%s`: '/' in a unit name", cgroups_path);
  _cleanup_free_ char *parent = NULL;
  if (sv_cgroup_expand_slice (*slice ? slice : "system.slice", &parent, err) < 0)
    return sv_err_wrap (err, "cgroupsPath `%s`", cgroups_path);
  _cleanup_free_ char *unit = NULL;
  if (has_suffix (name, ".slice"))
    unit = xstrdup (name);
  else if (*prefix)
    unit = xasprintf ("%s-%s.scope", prefix, name);
  else
    unit = xasprintf ("%s.scope", name);
  *out = xasprintf ("%s/%s", parent, unit);
  return 0;
}

int
sv_cgroup_resolve_path (const char *id, const char *cgroups_path, bool systemd, char **out,
                        struct sv_err **err)
{
  if (systemd)
    return resolve_systemd (id, cgroups_path, out, err);
  if (cgroups_path == NULL || *cgroups_path == '\0')
    {
      if (id == NULL || *id == '\0' || strchr (id, '/') || strcmp (id, "..") == 0)
        return sv_err_make (err, EINVAL, "invalid container id `%s`", id ? id : "");
      *out = xasprintf ("/servin/%s", id);
      return 0;
    }
  char *p = normalize_path (cgroups_path);
  if (p == NULL)
    return sv_err_make (err, EINVAL, "cgroupsPath `%s`: \"..\" is not allowed", cgroups_path);
  if (*p == '\0' || strcmp (p, "/") == 0)
    {
      free (p);
      return sv_err_make (err, EINVAL, "cgroupsPath `%s`: names the root cgroup", cgroups_path);
    }
  *out = p;
  return 0;
}

/* ---- hierarchies ---- */

static void
add_dir (struct sv_cgroup *cg, const struct sv_cgroup_backend *b, const char *mount,
         const char *controllers, const char *own)
{
  cg->dirs = xreallocarray (cg->dirs, cg->n_dirs + 1, sizeof *cg->dirs);
  cg->dirs[cg->n_dirs++] = (struct sv_cg_dir){
    .backend = b,
    .mount = xstrdup (mount),
    .controllers = xstrdup (controllers),
    .own = xstrdup (own),
  };
}

/* This process's cgroup in hierarchy CONTROLLERS ("" for v2), from
 * /proc/self/cgroup; "/" when not listed. */
static char *
own_cgroup (const char *proc_cgroup, const char *controllers)
{
  _cleanup_free_ char *copy = xstrdup (proc_cgroup);
  char *save = NULL;
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *c = strchr (line, ':');
      char *p = c ? strchr (c + 1, ':') : NULL;
      if (p == NULL)
        continue;
      *p = '\0';
      if (strcmp (c + 1, controllers) == 0)
        return xstrdup (p + 1);
    }
  return xstrdup ("/");
}

/* The controllers of a v1 mount from its super options ("rw,cpu,cpuacct"
 * -> "cpu,cpuacct"), in the order /proc/self/cgroup lists them. */
static char *
v1_controllers (const char *proc_cgroup, const char *super_opts)
{
  _cleanup_free_ char *copy = xstrdup (proc_cgroup);
  char *save = NULL;
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *c = strchr (line, ':');
      char *p = c ? strchr (c + 1, ':') : NULL;
      if (p == NULL || p == c + 1)
        continue;
      *p = '\0';
      _cleanup_free_ char *ctrls = xstrdup (c + 1);
      bool all = true;
      char *s2 = NULL;
      for (char *k = strtok_r (ctrls, ",", &s2); k && all; k = strtok_r (NULL, ",", &s2))
        {
          _cleanup_free_ char *opts = xasprintf (",%s,", super_opts);
          _cleanup_free_ char *needle = xasprintf (",%s,", k);
          all = strstr (opts, needle) != NULL;
        }
      if (all)
        return xstrdup (c + 1);
    }
  return NULL;
}

/* Add one mountinfo line's v1 hierarchy when it is a cgroup mount directly
 * under ROOT. */
static void
add_v1_mount (struct sv_cgroup *cg, const char *root, const char *proc_cgroup, char *line)
{
  char *fields[10] = { 0 };
  int n = 0;
  char *save = NULL;
  for (char *f = strtok_r (line, " ", &save); f && n < 10; f = strtok_r (NULL, " ", &save))
    fields[n++] = f;
  /* id parent maj:min root mountpoint opts [optional...] - fstype source super */
  int dash = -1;
  for (int i = 6; i < n; i++)
    if (strcmp (fields[i], "-") == 0)
      dash = i;
  if (dash < 0 || dash + 3 >= n || strcmp (fields[dash + 1], "cgroup") != 0)
    return;
  const char *mnt = fields[4], *slash = strrchr (mnt, '/');
  if (strncmp (mnt, root, strlen (root)) != 0 || slash != mnt + strlen (root))
    return;
  _cleanup_free_ char *ctrls = v1_controllers (proc_cgroup, fields[dash + 3]);
  if (ctrls == NULL)
    return;
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (strcmp (cg->dirs[i].controllers, ctrls) == 0)
      return; /* the same hierarchy mounted twice (cpu and cpu,cpuacct) */
  _cleanup_free_ char *own = own_cgroup (proc_cgroup, ctrls);
  /* A mount whose root is not "/" (in a cgroup namespace) shows a subtree. */
  const char *mroot = fields[3];
  const char *rel = own;
  if (strcmp (mroot, "/") != 0 && strncmp (own, mroot, strlen (mroot)) == 0)
    rel = own[strlen (mroot)] ? own + strlen (mroot) : "/";
  add_dir (cg, &sv_cgroup_v1_backend, mnt, ctrls, rel);
}

static int
find_v1 (struct sv_cgroup *cg, const char *root, const char *proc_cgroup, struct sv_err **err)
{
  _cleanup_free_ char *mountinfo = NULL;
  if (sv_read_file_at (AT_FDCWD, "/proc/self/mountinfo", &mountinfo, NULL, err) < 0)
    return -1;
  char *save = NULL;
  for (char *l = strtok_r (mountinfo, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    add_v1_mount (cg, root, proc_cgroup, l);
  if (cg->n_dirs == 0)
    return sv_err_make (err, ENOENT, "no cgroup v1 hierarchy is mounted under `%s`", root);
  return 0;
}

int
sv_cgroup_find_hierarchies (struct sv_cgroup *cg, const char *root, struct sv_err **err)
{
  _cleanup_free_ char *proc_cgroup = NULL;
  if (sv_read_file_at (AT_FDCWD, "/proc/self/cgroup", &proc_cgroup, NULL, err) < 0)
    return -1;
  if (cg->mode != SV_CGROUP_V2 && find_v1 (cg, root, proc_cgroup, err) < 0)
    return -1;
  _cleanup_free_ char *own = own_cgroup (proc_cgroup, "");
  if (cg->mode == SV_CGROUP_V2)
    add_dir (cg, &sv_cgroup_v2_backend, root, "", own);
  else if (cg->mode == SV_CGROUP_HYBRID)
    {
      _cleanup_free_ char *unified = xasprintf ("%s/unified", root);
      add_dir (cg, &sv_cgroup_v2_backend, unified, "", own);
    }
  return 0;
}

void
sv_cgroup_set_paths (struct sv_cgroup *cg, const char *resolved)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      struct sv_cg_dir *d = &cg->dirs[i];
      free (d->path);
      if (resolved[0] == '/')
        d->path = xstrdup (resolved);
      else
        d->path = xasprintf ("%s/%s", strcmp (d->own, "/") == 0 ? "" : d->own, resolved);
    }
}

char *
sv_cgroup_format_stored (const struct sv_cgroup *cg)
{
  bool same = true;
  for (size_t i = 1; i < cg->n_dirs; i++)
    same = same && strcmp (cg->dirs[i].path, cg->dirs[0].path) == 0;
  if (same)
    return xstrdup (cg->n_dirs ? cg->dirs[0].path : "/");
  char *s = xstrdup ("");
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      char *next
          = xasprintf ("%s%s%s:%s", s, i ? ";" : "", cg->dirs[i].controllers, cg->dirs[i].path);
      free (s);
      s = next;
    }
  return s;
}

static struct sv_cg_dir *
dir_by_controllers (struct sv_cgroup *cg, const char *controllers)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (strcmp (cg->dirs[i].controllers, controllers) == 0)
      return &cg->dirs[i];
  return NULL;
}

int
sv_cgroup_parse_stored (struct sv_cgroup *cg, const char *stored, struct sv_err **err)
{
  if (stored[0] == '/')
    {
      sv_cgroup_set_paths (cg, stored);
      return 0;
    }
  _cleanup_free_ char *copy = xstrdup (stored);
  char *save = NULL;
  for (char *e = strtok_r (copy, ";", &save); e; e = strtok_r (NULL, ";", &save))
    {
      char *colon = strchr (e, ':');
      if (colon == NULL || colon[1] != '/')
        return sv_err_make (err, EINVAL, "invalid stored cgroup path `%s`", stored);
      *colon = '\0';
      struct sv_cg_dir *d = dir_by_controllers (cg, e);
      if (d == NULL)
        continue; /* a hierarchy this host no longer has */
      free (d->path);
      d->path = xstrdup (colon + 1);
    }
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (cg->dirs[i].path == NULL)
      return sv_err_make (err, ENOENT, "stored cgroup path `%s` has no entry for `%s`", stored,
                          *cg->dirs[i].controllers ? cg->dirs[i].controllers : "cgroup2");
  return 0;
}

char *
sv_cg_dir_file (const struct sv_cg_dir *d, const char *name)
{
  const char *p = strcmp (d->path, "/") == 0 ? "" : d->path;
  if (name)
    return xasprintf ("%s%s/%s", d->mount, p, name);
  return xasprintf ("%s%s", d->mount, p);
}

int
sv_cg_dir_open (const struct sv_cg_dir *d, struct sv_err **err)
{
  _cleanup_free_ char *p = sv_cg_dir_file (d, NULL);
  int fd = open (p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "open `%s`", p);
  return fd;
}

bool
sv_cg_dir_has_v1 (const struct sv_cg_dir *d, const char *name)
{
  if (d->backend != &sv_cgroup_v1_backend || name == NULL)
    return false;
  _cleanup_free_ char *list = xasprintf (",%s,", d->controllers);
  _cleanup_free_ char *needle = xasprintf (",%s,", name);
  return strstr (list, needle) != NULL;
}

/* --mount as the docker CLI (opts.MountOpt) and dockerd read it. */
#include "engine/parse-internal.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The option groups that only fit one mount type. */
struct groups
{
  bool volume, bind, tmpfs;
  int64_t tmpfs_size;
  unsigned long tmpfs_mode;
};

static void
lower (char *s)
{
  for (; *s; s++)
    *s = (char)tolower ((unsigned char)*s);
}

static int
set_type (const char *val, struct sv_mount_spec *m, struct sv_err **err)
{
  if (strcmp (val, "bind") == 0)
    m->type = SV_MOUNT_BIND;
  else if (strcmp (val, "volume") == 0)
    m->type = SV_MOUNT_VOLUME;
  else if (strcmp (val, "tmpfs") == 0)
    m->type = SV_MOUNT_TMPFS;
  else if (val[0] == '\0')
    return sv_err_make (err, EINVAL, "type is required");
  else
    return sv_err_make (err, EINVAL, "invalid mount config for type \"%s\": mount type unknown",
                        val);
  return 0;
}

/* A "key" without "=": a flag. */
static int
flag_field (const char *field, const char *key, struct sv_mount_spec *m, struct groups *g,
            struct sv_err **err)
{
  if (strcmp (key, "readonly") == 0 || strcmp (key, "ro") == 0)
    m->readonly = true;
  else if (strcmp (key, "volume-nocopy") == 0)
    m->nocopy = g->volume = true;
  else if (strcmp (key, "bind-nonrecursive") == 0)
    m->nonrecursive = g->bind = true;
  else
    return sv_err_make (err, EINVAL, "invalid field '%s' must be a key=value pair", field);
  return 0;
}

static int
bool_value (const char *key, const char *val, bool *out, struct sv_err **err)
{
  if (!sv_parse_go_bool (val, out))
    return sv_err_make (err, EINVAL, "invalid value for %s: %s", key, val);
  return 0;
}

static int
tmpfs_field (const char *key, const char *val, struct groups *g, struct sv_err **err)
{
  g->tmpfs = true;
  if (strcmp (key, "tmpfs-size") == 0)
    {
      if (sv_parse_size (val, false, &g->tmpfs_size, NULL) < 0)
        return sv_err_make (err, EINVAL, "invalid value for %s: %s", key, val);
      return 0;
    }
  char *end;
  errno = 0;
  g->tmpfs_mode = strtoul (val, &end, 8);
  if (val[0] == '\0' || val[0] == '-' || *end || errno || g->tmpfs_mode > 0xffffffffUL)
    return sv_err_make (err, EINVAL, "invalid value for %s: %s", key, val);
  return 0;
}

static int
kv_field (const char *field, const char *key, const char *val, struct sv_mount_spec *m,
          struct groups *g, struct sv_err **err)
{
  if (strcmp (key, "type") == 0)
    {
      _cleanup_free_ char *t = xstrdup (val);
      lower (t);
      return set_type (t, m, err);
    }
  if (strcmp (key, "source") == 0 || strcmp (key, "src") == 0)
    {
      free (m->source);
      m->source = strncmp (val, "./", 2) == 0 || strcmp (val, ".") == 0 ? sv_parse_abs_path (val)
                                                                        : xstrdup (val);
      return 0;
    }
  if (strcmp (key, "target") == 0 || strcmp (key, "dst") == 0 || strcmp (key, "destination") == 0)
    {
      free (m->target);
      m->target = xstrdup (val);
      return 0;
    }
  if (strcmp (key, "readonly") == 0 || strcmp (key, "ro") == 0)
    return bool_value (key, val, &m->readonly, err);
  if (strcmp (key, "consistency") == 0)
    return 0; /* meaningful on macOS only */
  if (strcmp (key, "bind-propagation") == 0)
    {
      _cleanup_free_ char *p = xstrdup (val);
      lower (p);
      g->bind = true;
      m->propagation = sv_parse_propagation (p);
      if (m->propagation == NULL)
        return sv_err_make (
            err, EINVAL, "invalid mount config for type \"bind\": invalid propagation mode: %s", p);
      return 0;
    }
  if (strcmp (key, "bind-nonrecursive") == 0)
    return g->bind = true, bool_value (key, val, &m->nonrecursive, err);
  if (strcmp (key, "volume-nocopy") == 0)
    return g->volume = true, bool_value (key, val, &m->nocopy, err);
  if (strcmp (key, "tmpfs-size") == 0 || strcmp (key, "tmpfs-mode") == 0)
    return tmpfs_field (key, val, g, err);
  if (strncmp (key, "volume-", 7) == 0 || strncmp (key, "bind-", 5) == 0
      || strncmp (key, "tmpfs-", 6) == 0)
    return sv_err_make (err, ENOTSUP, "mount option '%s' is not supported by servin", key);
  return sv_err_make (err, EINVAL, "unexpected key '%s' in '%s'", key, field);
}

static int
apply_fields (char **fields, struct sv_mount_spec *m, struct groups *g, struct sv_err **err)
{
  for (char **f = fields; *f; f++)
    {
      char *eq = strchr (*f, '=');
      _cleanup_free_ char *key = eq ? xstrndup (*f, (size_t)(eq - *f)) : xstrdup (*f);
      lower (key);
      int r = eq ? kv_field (*f, key, eq + 1, m, g, err) : flag_field (*f, key, m, g, err);
      if (r < 0)
        return r;
    }
  return 0;
}

static int
check_groups (const struct sv_mount_spec *m, const struct groups *g, struct sv_err **err)
{
  static const char *const names[] = { "bind", "volume", "tmpfs" };
  const char *t = names[m->type];
  if (m->target == NULL || m->target[0] == '\0')
    return sv_err_make (err, EINVAL, "target is required");
  if (g->volume && m->type != SV_MOUNT_VOLUME)
    return sv_err_make (err, EINVAL, "cannot mix 'volume-*' options with mount type '%s'", t);
  if (g->bind && m->type != SV_MOUNT_BIND)
    return sv_err_make (err, EINVAL, "cannot mix 'bind-*' options with mount type '%s'", t);
  if (g->tmpfs && m->type != SV_MOUNT_TMPFS)
    return sv_err_make (err, EINVAL, "cannot mix 'tmpfs-*' options with mount type '%s'", t);
  return 0;
}

/* dockerd's ConvertTmpfsOptions, then the defaults and merging. */
static int
tmpfs_options (struct sv_mount_spec *m, const struct groups *g, struct sv_err **err)
{
  _cleanup_strv_ char **opts = sv_strv_dup ((char *const *)sv_tmpfs_default_options);
  if (m->readonly)
    sv_strv_append (&opts, "ro");
  if (g->tmpfs_mode)
    {
      _cleanup_free_ char *o = xasprintf ("mode=%lo", g->tmpfs_mode);
      sv_strv_append (&opts, o);
    }
  if (g->tmpfs_size)
    {
      static const struct
      {
        char suffix;
        int64_t div;
      } units[] = { { 'g', 1 << 30 }, { 'm', 1 << 20 }, { 'k', 1 << 10 } };
      int64_t size = g->tmpfs_size;
      char sfx[2] = { 0 };
      for (size_t i = 0; i < 3 && !sfx[0]; i++)
        if (size % units[i].div == 0)
          size /= units[i].div, sfx[0] = units[i].suffix;
      _cleanup_free_ char *o = xasprintf ("size=%lld%s", (long long)size, sfx);
      sv_strv_append (&opts, o);
    }
  return sv_tmpfs_merge (opts, &m->tmpfs_options, err);
}

int
sv_parse_mount (const char *s, struct sv_mount_spec *out, struct sv_err **err)
{
  _cleanup_strv_ char **fields = NULL;
  struct sv_mount_spec m = { .type = SV_MOUNT_VOLUME };
  struct groups g = { 0 };
  if (sv_parse_csv (s, &fields, err) < 0)
    return -1;
  int ret = apply_fields (fields, &m, &g, err);
  if (ret == 0)
    ret = check_groups (&m, &g, err);
  if (ret == 0)
    ret = sv_mount_validate (&m, err);
  if (ret == 0)
    ret = sv_mount_check_volume_name (&m, err);
  if (ret == 0 && m.type == SV_MOUNT_TMPFS)
    ret = tmpfs_options (&m, &g, err);
  if (ret < 0)
    {
      sv_mount_spec_clear (&m);
      return -1;
    }
  if (m.type == SV_MOUNT_BIND && m.propagation == NULL)
    m.propagation = "rprivate";
  *out = m;
  return 0;
}

/* -v / --volume as dockerd's linux mount parser (ParseMountRaw) reads it. */
#include "engine/parse-internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum mode_kind
{
  MODE_RW,
  MODE_LABEL,
  MODE_PROPAGATION,
  MODE_COPY,
  MODE_CONSISTENCY,
  N_MODE_KINDS,
};

static const struct
{
  const char *name;
  enum mode_kind kind;
} mode_table[] = {
  { "rw", MODE_RW },
  { "ro", MODE_RW },
  { "z", MODE_LABEL },
  { "Z", MODE_LABEL },
  { "private", MODE_PROPAGATION },
  { "rprivate", MODE_PROPAGATION },
  { "shared", MODE_PROPAGATION },
  { "rshared", MODE_PROPAGATION },
  { "slave", MODE_PROPAGATION },
  { "rslave", MODE_PROPAGATION },
  { "nocopy", MODE_COPY },
  { "consistent", MODE_CONSISTENCY },
  { "cached", MODE_CONSISTENCY },
  { "delegated", MODE_CONSISTENCY },
};

/* What the comma-separated MODE says; false when an option is unknown
 * or a kind appears twice (linuxValidMountMode). */
static bool
parse_mode (const char *mode, struct sv_mount_spec *m)
{
  int count[N_MODE_KINDS] = { 0 };
  _cleanup_free_ char *copy = xstrdup (mode);
  char *save = NULL;
  if (mode[0] == '\0')
    return true;
  for (char *o = strtok_r (copy, ",", &save); o; o = strtok_r (NULL, ",", &save))
    {
      size_t i, n = sizeof mode_table / sizeof mode_table[0];
      for (i = 0; i < n && strcmp (o, mode_table[i].name) != 0; i++)
        ;
      if (i == n || ++count[mode_table[i].kind] > 1)
        return false;
      if (strcmp (o, "ro") == 0)
        m->readonly = true;
      else if (mode_table[i].kind == MODE_PROPAGATION)
        m->propagation = sv_parse_propagation (o);
      else if (mode_table[i].kind == MODE_COPY)
        m->nocopy = true;
    }
  /* strtok_r skips empty options; docker refuses them ("ro,"). */
  return strstr (mode, ",,") == NULL && mode[0] != ',' && mode[strlen (mode) - 1] != ',';
}

/* Split S into up to 3 ':'-separated parts (splitRawSpec). */
static int
split_spec (const char *s, char *parts[3], struct sv_err **err)
{
  size_t n = 0;
  for (const char *p = s; *p; p++)
    n += *p == ':';
  if (n > 2 || s[0] == ':' || s[0] == '\0')
    return sv_err_make (err, EINVAL, "invalid volume specification: '%s'", s);
  const char *p = s;
  for (size_t i = 0; i <= n; i++)
    {
      size_t len = strcspn (p, ":");
      parts[i] = xstrndup (p, len);
      p += len + (p[len] == ':');
    }
  return (int)n + 1;
}

static void
free_parts (char *parts[3])
{
  for (int i = 0; i < 3; i++)
    free (parts[i]);
}

static int
fill_spec (const char *s, char *parts[3], int n, struct sv_mount_spec *m, struct sv_err **err)
{
  struct sv_mount_spec probe = { 0 };
  if (n == 2 && parse_mode (parts[1], &probe))
    return sv_err_make (err, EINVAL, "invalid volume specification: '%s'", s);
  const char *mode = n == 3 ? parts[2] : "";
  if (!parse_mode (mode, m))
    return sv_err_make (err, EINVAL, "invalid mode: %s", mode);
  if (n == 1)
    m->target = steal_pointer (&parts[0]);
  else
    {
      m->source = steal_pointer (&parts[0]);
      m->target = steal_pointer (&parts[1]);
    }
  if (m->source && m->source[0] == '.')
    {
      char *abs = sv_parse_abs_path (m->source);
      free (m->source);
      m->source = abs;
    }
  m->type = m->source && m->source[0] == '/' ? SV_MOUNT_BIND : SV_MOUNT_VOLUME;
  return 0;
}

int
sv_parse_volume (const char *s, struct sv_mount_spec *out, struct sv_err **err)
{
  char *parts[3] = { NULL, NULL, NULL };
  struct sv_mount_spec m = { 0 };
  int n = split_spec (s, parts, err);
  if (n < 0)
    return -1;
  int ret = fill_spec (s, parts, n, &m, err);
  free_parts (parts);
  if (ret == 0 && sv_mount_validate (&m, err) < 0)
    ret = sv_err_wrap (err, "invalid volume specification: '%s'", s);
  if (ret == 0)
    ret = sv_mount_check_volume_name (&m, err);
  if (ret < 0)
    {
      sv_mount_spec_clear (&m);
      return -1;
    }
  if (m.type == SV_MOUNT_BIND)
    {
      m.create_source = true;
      if (m.propagation == NULL)
        m.propagation = "rprivate";
    }
  *out = m;
  return 0;
}

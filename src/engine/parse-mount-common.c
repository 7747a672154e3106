/* What -v, --mount and --tmpfs share: dockerd's mount validation,
 * propagation names, relative host paths. */
#include "engine/parse-internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
sv_mount_spec_clear (struct sv_mount_spec *m)
{
  free (m->source);
  free (m->target);
  sv_strv_free (m->tmpfs_options);
  memset (m, 0, sizeof *m);
}

const char *
sv_parse_propagation (const char *s)
{
  static const char *const modes[]
      = { "private", "rprivate", "shared", "rshared", "slave", "rslave" };
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (strcmp (s, modes[i]) == 0)
      return modes[i];
  return NULL;
}

/* Append component C (LEN bytes) to the clean absolute path OUT. */
static void
push_component (char *out, const char *c, size_t len)
{
  if (len == 0 || (len == 1 && c[0] == '.'))
    return;
  if (len == 2 && c[0] == '.' && c[1] == '.')
    {
      char *slash = strrchr (out, '/');
      slash[slash == out ? 1 : 0] = '\0';
      return;
    }
  size_t n = strlen (out);
  if (out[n - 1] != '/')
    out[n++] = '/';
  memcpy (out + n, c, len);
  out[n + len] = '\0';
}

char *
sv_parse_abs_path (const char *path)
{
  _cleanup_free_ char *cwd = path[0] == '/' ? xstrdup ("/") : getcwd (NULL, 0);
  if (cwd == NULL)
    cwd = xstrdup ("/");
  _cleanup_free_ char *joined = xasprintf ("%s/%s", cwd, path);
  char *out = xmalloc (strlen (joined) + 2);
  strcpy (out, "/");
  for (const char *p = joined; *p;)
    {
      size_t len = strcspn (p, "/");
      push_component (out, p, len);
      p += len;
      p += *p == '/';
    }
  return out;
}

static const char *
type_name (enum sv_mount_type t)
{
  return t == SV_MOUNT_BIND ? "bind" : t == SV_MOUNT_VOLUME ? "volume" : "tmpfs";
}

/* The reason M is invalid, or NULL; static or in BUF. */
static const char *
invalid_reason (const struct sv_mount_spec *m, char *buf, size_t size)
{
  bool bind_opts = m->propagation || m->nonrecursive;
  if (m->target == NULL || m->target[0] == '\0')
    return "field Target must not be empty";
  if (strcmp (m->target, "/") == 0)
    return "invalid specification: destination can't be '/'";
  if (m->target[0] != '/')
    return snprintf (buf, size, "invalid mount path: '%s' mount path must be absolute", m->target),
           buf;
  switch (m->type)
    {
    case SV_MOUNT_BIND:
      if (m->source == NULL || m->source[0] == '\0')
        return "field Source must not be empty";
      if (m->source[0] != '/')
        return snprintf (buf, size, "invalid mount path: '%s' mount path must be absolute",
                         m->source),
               buf;
      return m->nocopy ? "field VolumeOptions must not be specified" : NULL;
    case SV_MOUNT_VOLUME:
      if (bind_opts)
        return "field BindOptions must not be specified";
      if (m->source == NULL && m->readonly)
        return "must not set ReadOnly mode when using anonymous volumes";
      return NULL;
    case SV_MOUNT_TMPFS:
      if (bind_opts)
        return "field BindOptions must not be specified";
      if (m->source)
        return "field Source must not be specified";
      return m->nocopy ? "field VolumeOptions must not be specified" : NULL;
    }
  return "mount type unknown";
}

int
sv_mount_validate (const struct sv_mount_spec *m, struct sv_err **err)
{
  char buf[4200];
  const char *why = invalid_reason (m, buf, sizeof buf);
  if (why)
    return sv_err_make (err, EINVAL, "invalid mount config for type \"%s\": %s",
                        type_name (m->type), why);
  return 0;
}

int
sv_mount_check_volume_name (const struct sv_mount_spec *m, struct sv_err **err)
{
  if (m->type == SV_MOUNT_VOLUME && m->source && !sv_name_valid (m->source))
    return sv_err_make (err, EINVAL,
                        "create %s: \"%s\" includes invalid characters for a local volume name, "
                        "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a "
                        "host directory, use absolute path",
                        m->source, m->source);
  return 0;
}

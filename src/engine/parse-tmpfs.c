/* --tmpfs, and the tmpfs option merging dockerd applies to every tmpfs
 * mount (pkg/mount MergeTmpfsOptions). */
#include "engine/parse-internal.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *const sv_tmpfs_default_options[] = { "noexec", "nosuid", "nodev", "rprivate", NULL };

/* Flag options; two names with the same group set the same flag, so the
 * later one wins (all propagation modes are one group). */
static const struct
{
  const char *name;
  int group;
} tmpfs_flags[] = {
  { "ro", 1 },          { "rw", 1 },           { "suid", 2 },         { "nosuid", 2 },
  { "dev", 3 },         { "nodev", 3 },        { "exec", 4 },         { "noexec", 4 },
  { "sync", 5 },        { "async", 5 },        { "dirsync", 6 },      { "remount", 7 },
  { "mand", 8 },        { "nomand", 8 },       { "atime", 9 },        { "noatime", 9 },
  { "diratime", 10 },   { "nodiratime", 10 },  { "bind", 11 },        { "rbind", 12 },
  { "relatime", 13 },   { "norelatime", 13 },  { "strictatime", 14 }, { "nostrictatime", 14 },
  { "unbindable", 15 }, { "runbindable", 15 }, { "private", 15 },     { "rprivate", 15 },
  { "shared", 15 },     { "rshared", 15 },     { "slave", 15 },       { "rslave", 15 },
};

static const char *const tmpfs_data_keys[]
    = { "size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol" };

#define N_FLAG_GROUPS 16

static int
flag_group (const char *o)
{
  for (size_t i = 0; i < sizeof tmpfs_flags / sizeof tmpfs_flags[0]; i++)
    if (strcmp (o, tmpfs_flags[i].name) == 0)
      return tmpfs_flags[i].group;
  return -1;
}

/* Index of the data key of "key=value" O, or -1. */
static int
data_key (const char *o)
{
  const char *eq = strchr (o, '=');
  if (eq == NULL)
    return -1;
  for (size_t i = 0; i < sizeof tmpfs_data_keys / sizeof tmpfs_data_keys[0]; i++)
    if (strlen (tmpfs_data_keys[i]) == (size_t)(eq - o)
        && strncmp (o, tmpfs_data_keys[i], (size_t)(eq - o)) == 0)
      return (int)i;
  return -1;
}

int
sv_tmpfs_merge (char *const *options, char ***out, struct sv_err **err)
{
  bool flag_seen[N_FLAG_GROUPS] = { false };
  bool data_seen[sizeof tmpfs_data_keys / sizeof tmpfs_data_keys[0]] = { false };
  size_t n = sv_strv_length (options), kept = 0;
  _cleanup_free_ const char **keep = xmalloc0 ((n + 1) * sizeof (char *));
  /* From the last to the first, so that the later option of a kind wins. */
  for (size_t i = n; i-- > 0;)
    {
      const char *o = options[i];
      int g = flag_group (o), k = g < 0 ? data_key (o) : -1;
      if (strcmp (o, "defaults") == 0)
        continue;
      if (g < 0 && k < 0)
        return sv_err_make (err, EINVAL, "Invalid tmpfs option [\"%s\"]", o);
      bool *seen = g >= 0 ? &flag_seen[g] : &data_seen[k];
      if (*seen)
        continue;
      *seen = true;
      keep[kept++] = o;
    }
  char **v = xmalloc0 ((kept + 1) * sizeof (char *));
  for (size_t i = 0; i < kept; i++)
    v[i] = xstrdup (keep[kept - 1 - i]);
  *out = v;
  return 0;
}

/* The destination checks dockerd makes for --tmpfs. */
static int
check_destination (const char *dest, struct sv_err **err)
{
  if (strcmp (dest, "/") == 0)
    return sv_err_make (err, EINVAL, "invalid specification: destination can't be '/'");
  if (dest[0] != '/')
    return sv_err_make (err, EINVAL, "invalid mount path: '%s' mount path must be absolute", dest);
  return 0;
}

int
sv_parse_tmpfs (const char *s, struct sv_mount_spec *out, struct sv_err **err)
{
  const char *colon = strchr (s, ':');
  _cleanup_free_ char *dest = colon ? xstrndup (s, (size_t)(colon - s)) : xstrdup (s);
  if (check_destination (dest, err) < 0)
    return -1;
  _cleanup_strv_ char **opts = sv_strv_dup ((char *const *)sv_tmpfs_default_options);
  if (colon && colon[1] != '\0')
    {
      _cleanup_free_ char *copy = xstrdup (colon + 1);
      for (char *p = copy, *comma;; p = comma + 1)
        {
          comma = strchr (p, ',');
          if (comma)
            *comma = '\0';
          sv_strv_append (&opts, p);
          if (comma == NULL)
            break;
        }
    }
  char **merged = NULL;
  if (sv_tmpfs_merge (opts, &merged, err) < 0)
    return -1;
  *out = (struct sv_mount_spec){
    .type = SV_MOUNT_TMPFS,
    .target = steal_pointer (&dest),
    .readonly = sv_strv_contains (merged, "ro"),
    .tmpfs_options = merged,
  };
  return 0;
}

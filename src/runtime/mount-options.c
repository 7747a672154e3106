/* Mount options (runtime-spec mounts[].options) to mount(2) flags,
 * propagation, recursive mount_setattr(2) attributes and fs data. */
#include "runtime/spec.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>

enum opt_kind
{
  OPT_FLAGS,       /* set/clear MS_* flags */
  OPT_PROPAGATION, /* replaces the propagation */
  OPT_RECURSIVE,   /* set/clear MOUNT_ATTR_* recursively */
  OPT_UNSUPPORTED, /* valid for other runtimes, refused by Servin */
};

struct mount_opt
{
  const char *name;
  enum opt_kind kind;
  unsigned long set, clr; /* MS_* (OPT_FLAGS) or MS_* propagation (OPT_PROPAGATION) */
  uint64_t attr_set, attr_clr;
};

/* atime settings of mount_setattr are an enum inside MOUNT_ATTR__ATIME: a
 * change must clear the whole field and set one value. */
#define RATIME(value) OPT_RECURSIVE, 0, 0, (value), MOUNT_ATTR__ATIME

static const struct mount_opt mount_opts[] = {
  { "defaults", OPT_FLAGS, 0, 0, 0, 0 },
  { "ro", OPT_FLAGS, MS_RDONLY, 0, 0, 0 },
  { "rw", OPT_FLAGS, 0, MS_RDONLY, 0, 0 },
  { "suid", OPT_FLAGS, 0, MS_NOSUID, 0, 0 },
  { "nosuid", OPT_FLAGS, MS_NOSUID, 0, 0, 0 },
  { "dev", OPT_FLAGS, 0, MS_NODEV, 0, 0 },
  { "nodev", OPT_FLAGS, MS_NODEV, 0, 0, 0 },
  { "exec", OPT_FLAGS, 0, MS_NOEXEC, 0, 0 },
  { "noexec", OPT_FLAGS, MS_NOEXEC, 0, 0, 0 },
  { "sync", OPT_FLAGS, MS_SYNCHRONOUS, 0, 0, 0 },
  { "async", OPT_FLAGS, 0, MS_SYNCHRONOUS, 0, 0 },
  { "dirsync", OPT_FLAGS, MS_DIRSYNC, 0, 0, 0 },
  { "remount", OPT_FLAGS, MS_REMOUNT, 0, 0, 0 },
  { "mand", OPT_FLAGS, MS_MANDLOCK, 0, 0, 0 },
  { "nomand", OPT_FLAGS, 0, MS_MANDLOCK, 0, 0 },
  { "atime", OPT_FLAGS, 0, MS_NOATIME, 0, 0 },
  { "noatime", OPT_FLAGS, MS_NOATIME, 0, 0, 0 },
  { "diratime", OPT_FLAGS, 0, MS_NODIRATIME, 0, 0 },
  { "nodiratime", OPT_FLAGS, MS_NODIRATIME, 0, 0, 0 },
  { "relatime", OPT_FLAGS, MS_RELATIME, 0, 0, 0 },
  { "norelatime", OPT_FLAGS, 0, MS_RELATIME, 0, 0 },
  { "strictatime", OPT_FLAGS, MS_STRICTATIME, 0, 0, 0 },
  { "nostrictatime", OPT_FLAGS, 0, MS_STRICTATIME, 0, 0 },
  { "lazytime", OPT_FLAGS, MS_LAZYTIME, 0, 0, 0 },
  { "nolazytime", OPT_FLAGS, 0, MS_LAZYTIME, 0, 0 },
  { "nosymfollow", OPT_FLAGS, MS_NOSYMFOLLOW, 0, 0, 0 },
  { "symfollow", OPT_FLAGS, 0, MS_NOSYMFOLLOW, 0, 0 },
  { "bind", OPT_FLAGS, MS_BIND, 0, 0, 0 },
  { "rbind", OPT_FLAGS, MS_BIND | MS_REC, 0, 0, 0 },
  { "silent", OPT_FLAGS, MS_SILENT, 0, 0, 0 },
  { "loud", OPT_FLAGS, 0, MS_SILENT, 0, 0 },
  { "shared", OPT_PROPAGATION, MS_SHARED, 0, 0, 0 },
  { "rshared", OPT_PROPAGATION, MS_SHARED | MS_REC, 0, 0, 0 },
  { "slave", OPT_PROPAGATION, MS_SLAVE, 0, 0, 0 },
  { "rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC, 0, 0, 0 },
  { "private", OPT_PROPAGATION, MS_PRIVATE, 0, 0, 0 },
  { "rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC, 0, 0, 0 },
  { "unbindable", OPT_PROPAGATION, MS_UNBINDABLE, 0, 0, 0 },
  { "runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC, 0, 0, 0 },
  { "rro", OPT_RECURSIVE, 0, 0, MOUNT_ATTR_RDONLY, 0 },
  { "rrw", OPT_RECURSIVE, 0, 0, 0, MOUNT_ATTR_RDONLY },
  { "rnosuid", OPT_RECURSIVE, 0, 0, MOUNT_ATTR_NOSUID, 0 },
  { "rsuid", OPT_RECURSIVE, 0, 0, 0, MOUNT_ATTR_NOSUID },
  { "rnodev", OPT_RECURSIVE, 0, 0, MOUNT_ATTR_NODEV, 0 },
  { "rdev", OPT_RECURSIVE, 0, 0, 0, MOUNT_ATTR_NODEV },
  { "rnoexec", OPT_RECURSIVE, 0, 0, MOUNT_ATTR_NOEXEC, 0 },
  { "rexec", OPT_RECURSIVE, 0, 0, 0, MOUNT_ATTR_NOEXEC },
  { "rnodiratime", OPT_RECURSIVE, 0, 0, MOUNT_ATTR_NODIRATIME, 0 },
  { "rdiratime", OPT_RECURSIVE, 0, 0, 0, MOUNT_ATTR_NODIRATIME },
  { "rnoatime", RATIME (MOUNT_ATTR_NOATIME) },
  { "ratime", RATIME (MOUNT_ATTR_RELATIME) },
  { "rrelatime", RATIME (MOUNT_ATTR_RELATIME) },
  { "rnorelatime", RATIME (MOUNT_ATTR_STRICTATIME) },
  { "rstrictatime", RATIME (MOUNT_ATTR_STRICTATIME) },
  { "rnosymfollow", OPT_RECURSIVE, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, 0 },
  { "rsymfollow", OPT_RECURSIVE, 0, 0, 0, MOUNT_ATTR_NOSYMFOLLOW },
  { "idmap", OPT_UNSUPPORTED, 0, 0, 0, 0 },
  { "ridmap", OPT_UNSUPPORTED, 0, 0, 0, 0 },
  { "tmpcopyup", OPT_UNSUPPORTED, 0, 0, 0, 0 },
};

static const struct mount_opt *
mount_opt_lookup (const char *name)
{
  for (size_t i = 0; i < sizeof mount_opts / sizeof mount_opts[0]; i++)
    if (strcmp (mount_opts[i].name, name) == 0)
      return &mount_opts[i];
  return NULL;
}

/* Append OPT to the ','-separated *DATA. */
static void
data_append (char **data, const char *opt)
{
  char *joined = *data ? xasprintf ("%s,%s", *data, opt) : xstrdup (opt);
  free (*data);
  *data = joined;
}

/* Apply one table entry; a later option overrides an earlier one. */
static void
mount_opt_apply (const struct mount_opt *o, struct sv_mount *m)
{
  switch (o->kind)
    {
    case OPT_FLAGS:
      m->flags = (m->flags & ~o->clr) | o->set;
      if (o->set & MS_BIND)
        m->is_bind = true;
      break;
    case OPT_PROPAGATION:
      m->propagation = o->set;
      break;
    case OPT_RECURSIVE:
      m->attr_set = (m->attr_set & ~o->attr_clr) | o->attr_set;
      m->attr_clr = (m->attr_clr & ~o->attr_set) | o->attr_clr;
      break;
    case OPT_UNSUPPORTED:
      break;
    }
}

int
sv_mount_parse_options (char **options, const char *path, struct sv_mount *m, struct sv_err **err)
{
  _cleanup_free_ char *data = NULL;
  struct sv_mount r = *m;

  r.data = NULL;
  if (r.type && strcmp (r.type, "bind") == 0)
    {
      r.is_bind = true;
      r.flags |= MS_BIND;
    }
  for (size_t i = 0; options && options[i]; i++)
    {
      const struct mount_opt *o = mount_opt_lookup (options[i]);
      if (o && o->kind == OPT_UNSUPPORTED)
        return sv_err_make (err, ENOTSUP, "%s[%zu]: mount option `%s` is not supported by servin",
                            path, i, options[i]);
      if (o)
        mount_opt_apply (o, &r);
      else if (options[i][0] != '\0')
        data_append (&data, options[i]);
    }
  free (m->data);
  r.data = steal_pointer (&data);
  *m = r;
  return 0;
}

const char *
sv_mount_option_name (size_t i)
{
  if (i >= sizeof mount_opts / sizeof mount_opts[0])
    return NULL;
  return mount_opts[i].name;
}

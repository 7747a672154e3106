/* --security-opt as dockerd's parseSecurityOpt reads it. */
#include "engine/parse-internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void
sv_security_opts_clear (struct sv_security_opts *o)
{
  free (o->seccomp_file);
  memset (o, 0, sizeof *o);
}

static int
apply_seccomp (const char *v, struct sv_security_opts *o, struct sv_err **err)
{
  free (o->seccomp_file);
  o->seccomp_file = NULL;
  if (strcmp (v, "unconfined") == 0)
    o->seccomp = SV_SECCOMP_UNCONFINED;
  else if (strcmp (v, "builtin") == 0 || v[0] == '\0')
    o->seccomp = SV_SECCOMP_DEFAULT;
  else
    {
      o->seccomp = SV_SECCOMP_FILE;
      o->seccomp_file = xstrdup (v);
    }
  return 0;
}

/* KEY=VALUE (or the deprecated KEY:VALUE) of OPT. */
static int
apply_kv (const char *opt, const char *k, const char *v, struct sv_security_opts *o,
          struct sv_err **err)
{
  if (strcmp (k, "seccomp") == 0)
    return apply_seccomp (v, o, err);
  if (strcmp (k, "no-new-privileges") == 0)
    {
      if (!sv_parse_go_bool (v, &o->no_new_privileges))
        return sv_err_make (err, EINVAL, "invalid --security-opt 2: \"%s\"", opt);
      return 0;
    }
  if (strcmp (k, "label") == 0)
    {
      if (strcmp (v, "disable") == 0)
        return 0;
      return sv_err_make (err, ENOTSUP,
                          "invalid --security-opt \"%s\": SELinux labels are not supported by "
                          "servin (only label=disable)",
                          opt);
    }
  if (strcmp (k, "apparmor") == 0)
    {
      if (strcmp (v, "unconfined") == 0)
        return 0;
      return sv_err_make (err, ENOTSUP,
                          "invalid --security-opt \"%s\": AppArmor profiles are not supported by "
                          "servin (only apparmor=unconfined)",
                          opt);
    }
  if (strcmp (k, "systempaths") == 0 && strcmp (v, "unconfined") == 0)
    {
      o->systempaths_unconfined = true;
      return 0;
    }
  return sv_err_make (err, EINVAL, "invalid --security-opt 2: \"%s\"", opt);
}

int
sv_parse_security_opt (const char *s, struct sv_security_opts *o, struct sv_err **err)
{
  if (strcmp (s, "no-new-privileges") == 0)
    {
      o->no_new_privileges = true;
      return 0;
    }
  if (strcmp (s, "disable") == 0) /* an old spelling of label=disable */
    return 0;
  const char *sep = strchr (s, '=');
  if (sep == NULL)
    sep = strchr (s, ':');
  if (sep == NULL)
    return sv_err_make (err, EINVAL, "invalid --security-opt 1: \"%s\"", s);
  _cleanup_free_ char *k = xstrndup (s, (size_t)(sep - s));
  return apply_kv (s, k, sep + 1, o, err);
}

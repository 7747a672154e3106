/* Resolving a container user ("name", "uid", "name:group", "uid:gid") the
 * way docker does: names are looked up in the image's /etc/passwd and
 * /etc/group (read inside the root, never the host's); a numeric id needs
 * no entry; without a group, the user's primary group (0 when the uid has
 * no passwd entry). */
#ifndef SV_ENGINE_USER_H
#define SV_ENGINE_USER_H

#include <sys/types.h>

#include "util/err.h"

/* ROOTFD is the container's root directory.  Fails with ENOENT
 * ("unable to find user NAME: no matching entries in passwd file"). */
int sv_resolve_user (int rootfd, const char *spec, uid_t *uid, gid_t *gid, struct sv_err **err);

#endif

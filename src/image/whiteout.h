/* OCI whiteouts and their two on-disk forms.
 *
 * An OCI layer deletes a path of a lower layer with an empty file named
 * `.wh.NAME` beside it, and hides everything lower layers put in a
 * directory with `.wh..wh..opq` inside it.  On disk, Servin turns them into
 * one of:
 *   - overlay form, for a layer directory used as an overlayfs lower dir:
 *     NAME becomes a 0:0 character device and an opaque directory gets the
 *     xattr trusted.overlay.opaque=y (user.overlay.opaque with
 *     SV_WHITEOUT_USERXATTR, for overlay mounted with "userxattr");
 *   - copy form, for layers applied one after the other onto one tree:
 *     NAME is deleted, and the opaque directory is emptied of what the
 *     lower layers put there.
 * sv_whiteout_to_oci() is the reverse, for export and commit.
 *
 * Every NAME is one path component; directories are fds (O_PATH is
 * enough unless said otherwise) and nothing here follows a symlink. */
#ifndef SV_WHITEOUT_H
#define SV_WHITEOUT_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/err.h"

#define SV_WHITEOUT_PREFIX ".wh."
#define SV_WHITEOUT_META_PREFIX ".wh..wh."
#define SV_WHITEOUT_OPAQUE ".wh..wh..opq"

/* Use user.overlay.* instead of trusted.overlay.* (rootless overlay). */
#define SV_WHITEOUT_USERXATTR 1u

enum sv_whiteout_kind
{
  SV_WHITEOUT_NONE = 0,   /* an ordinary name */
  SV_WHITEOUT_FILE,       /* .wh.NAME: delete NAME */
  SV_WHITEOUT_OPAQUE_DIR, /* .wh..wh..opq: hide the lower layers' content of this dir */
  SV_WHITEOUT_META,       /* another .wh..wh.* name (aufs bookkeeping): ignore it */
};

/* Classify the last path component BASE.  For SV_WHITEOUT_FILE, *target
 * (when not NULL) points into BASE at the hidden NAME.  Returns < 0 with
 * *err set when BASE is a whiteout of nothing (".wh.", ".wh..", ".wh..."). */
int sv_whiteout_parse (const char *base, const char **target, struct sv_err **err);

/* Overlay form: replace NAME in DIRFD (whatever it is) by a 0:0 character
 * device owned by UID:GID. */
int sv_whiteout_overlay_file (int dirfd, const char *name, uid_t uid, gid_t gid,
                              struct sv_err **err);
/* Overlay form: mark the directory open as DIRFD (not O_PATH) opaque. */
int sv_whiteout_overlay_opaque (int dirfd, unsigned flags, struct sv_err **err);

/* Copy form: delete NAME in DIRFD, recursively; a missing NAME is fine. */
int sv_whiteout_copy_file (int dirfd, const char *name, struct sv_err **err);

/* Decides, in copy form, whether the entry NAME of an opaque directory
 * belongs to the layer being applied (true: keep it). */
typedef bool (*sv_whiteout_keep_fn) (const char *name, void *data);
/* Copy form: delete every entry of the directory DIRFD for which KEEP
 * returns false (all of them when KEEP is NULL). */
int sv_whiteout_copy_opaque (int dirfd, sv_whiteout_keep_fn keep, void *data, struct sv_err **err);

/* The paths a layer wrote so far, for copy-form opaque whiteouts: in an
 * opaque directory, what the layer itself wrote stays, whatever the order
 * of the entries in the tar. */
struct sv_whiteout_seen;
struct sv_whiteout_seen *sv_whiteout_seen_new (void);
void sv_whiteout_seen_free (struct sv_whiteout_seen **s);
/* Record PATH (cleaned, relative to the root, no leading '/') and every
 * ancestor of it. */
void sv_whiteout_seen_add (struct sv_whiteout_seen *s, const char *path);
/* Whether the first LEN bytes of PATH were recorded. */
bool sv_whiteout_seen_has (const struct sv_whiteout_seen *s, const char *path, size_t len);

/* Reverse: is NAME in DIRFD an overlay whiteout?  Returns SV_WHITEOUT_NONE,
 * SV_WHITEOUT_FILE for a 0:0 character device (*oci_name = ".wh.NAME"), or
 * SV_WHITEOUT_OPAQUE_DIR for an opaque directory (*oci_name =
 * "NAME/.wh..wh..opq", to be emitted after the directory itself); *oci_name
 * is malloc'ed and set only when a whiteout is found.  < 0 on error. */
int sv_whiteout_to_oci (int dirfd, const char *name, unsigned flags, char **oci_name,
                        struct sv_err **err);

#endif

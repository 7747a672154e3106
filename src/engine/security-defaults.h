/* Docker's default security settings for `servin run`: the seccomp profile
 * (moby's profiles/seccomp/default.json), the capability set and the
 * --cap-add/--cap-drop rules (moby's oci/caps), and the masked and read-only
 * paths (moby's oci.DefaultLinuxSpec).
 *
 * Everything here is data plus the rules docker applies to it; nothing
 * touches a container.  A privileged container gets no seccomp profile and
 * no masked/read-only paths at all (docker's choice): that decision is the
 * caller's. */
#ifndef SV_ENGINE_SECURITY_DEFAULTS_H
#define SV_ENGINE_SECURITY_DEFAULTS_H

#include <jansson.h>

#include "util/err.h"

/* moby's default profile as an OCI linux.seccomp object, generated the way
 * docker generates it for one container: for the host's architecture, and
 * for CAPS, the container's capabilities ("CAP_SYS_ADMIN"...; NULL = none).
 * Rules that need a capability (mount with CAP_SYS_ADMIN, ptrace with
 * CAP_SYS_PTRACE, ...) are kept only when CAPS grants it; rules a capability
 * excludes (clone without namespace flags, clone3 -> ENOSYS) are dropped when
 * CAPS grants it.  On an architecture the profile does not know, the result
 * has no "architectures" (native only) and no architecture-specific rules.
 * Returns a new reference; never fails. */
json_t *sv_default_seccomp (char *const *caps);

/* The same for ARCH, a `uname -m` name ("x86_64", "aarch64", "armv7l",
 * "s390x", "ppc64le", "riscv64", "i686") or a Go name ("amd64", "arm64").
 * Fails with EINVAL "unsupported architecture `ARCH`" for others; *out is
 * written only on success. */
int sv_default_seccomp_for_arch (char *const *caps, const char *arch, json_t **out,
                                 struct sv_err **err);

/* docker's 14 default capabilities as "CAP_..." names.  Owned by the caller
 * (sv_strv_free). */
char **sv_default_caps (void);

/* Every capability this kernel and this process's bounding set have
 * (PR_CAPBSET_READ): what --privileged and --cap-add ALL grant.  A host whose
 * bounding set lacks e.g. CAP_SYS_RESOURCE leaves it out, so the runtime is
 * never asked for a capability it cannot give.  Owned by the caller. */
char **sv_all_caps (void);

/* Apply --cap-add ADD and --cap-drop DROP (either may be NULL) to *CAPS the
 * way docker does (moby oci.TweakCapabilities):
 *   - names are case-insensitive, with or without "CAP_"; "ALL" is special;
 *   - ADD has ALL: every capability of sv_all_caps() except those in DROP;
 *   - else DROP has ALL: exactly the capabilities in ADD;
 *   - else: *CAPS minus DROP, then plus ADD (so a name in both is kept).
 * The result has no duplicates and uses "CAP_..." names.  An unknown name
 * fails with EINVAL `unknown capability: "CAP_FOO"` and leaves *CAPS alone;
 * on success the old *CAPS is freed and replaced.  (Not sv_caps_apply: the
 * runtime's function of that name sets a process's capabilities.) */
int sv_caps_add_drop (char ***caps, char *const *add, char *const *drop, struct sv_err **err);

/* docker's linux.maskedPaths and linux.readonlyPaths, NULL-terminated. */
extern const char *const sv_default_masked_paths[];
extern const char *const sv_default_readonly_paths[];

#endif

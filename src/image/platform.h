/* Platforms ("linux/arm64/v8") as OCI indexes and `--platform` name them.
 *
 * Normal form (what sv_platform_normalize produces): os lowercase; arch in
 * Go's GOARCH spelling (x86_64 -> amd64, aarch64 -> arm64, armhf -> arm/v7,
 * armel -> arm/v6, i686 -> 386); arm64 without a variant is arm64/v8, arm
 * without one is arm/v7, and amd64/v1 is plain amd64 (so "" and "v1" agree,
 * as do "" and "v8" on arm64). */
#ifndef SV_IMAGE_PLATFORM_H
#define SV_IMAGE_PLATFORM_H

#include "util/err.h"

struct sv_platform
{
  char *os;
  char *arch;
  char *variant; /* NULL when none */
};

/* Parse "os", "arch", "os/arch" or "os/arch/variant" and normalise it.  A
 * lone component is taken as an OS when it is a known one (the arch is then
 * the host's), else as an architecture on linux. */
int sv_platform_parse (const char *s, struct sv_platform **out, struct sv_err **err);
/* The platform this process runs on (uname), normalised. */
int sv_platform_host (struct sv_platform **out, struct sv_err **err);
/* A normalised copy of OS/ARCH/VARIANT (VARIANT may be NULL or ""). */
struct sv_platform *sv_platform_new (const char *os, const char *arch, const char *variant);
void sv_platform_normalize (struct sv_platform *p);
/* "linux/arm64/v8"; owned by the caller. */
char *sv_platform_string (const struct sv_platform *p);

/* How well an image for HAVE serves WANTED, as containerd's
 * platforms.Only(WANTED) orders it: 0 when it cannot run there, otherwise
 * higher is better (an exact match beats an older variant of the same
 * arch, which beats 32-bit arm on arm64).  Both are normalised first. */
int sv_platform_match (const struct sv_platform *wanted, const struct sv_platform *have);

void sv_platform_free (struct sv_platform *p);

static inline void
sv_platform_freep (struct sv_platform **p)
{
  sv_platform_free (*p);
}
#define _cleanup_platform_ __attribute__ ((cleanup (sv_platform_freep)))

#endif

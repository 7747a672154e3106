/* Image references as docker and podman spell them, normalised the way
 * distribution/reference's ParseNormalizedNamed does:
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [ domain "/" ] path-component [ "/" path-component ]*
 *   domain    := host [ ":" port ]      host := dns-name | IPv4 | "[" IPv6 "]"
 *   path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag       := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *
 * The first component is a domain when it contains '.' or ':', is
 * "localhost", or has an uppercase letter (as distribution does: "Foo/bar"
 * names the registry "Foo").  Otherwise the domain is docker.io, and a
 * one-component path on docker.io gets "library/".  index.docker.io is
 * docker.io.  The path (with "library/") is at most 255 characters. */
#ifndef SV_IMAGE_REFERENCE_H
#define SV_IMAGE_REFERENCE_H

#include "util/err.h"

struct sv_ref
{
  char *domain; /* "docker.io", "localhost:5000", "[::1]:5000" */
  char *path;   /* "library/busybox" */
  char *tag;    /* "latest" when neither tag nor digest was given; else NULL if absent */
  char *digest; /* "sha256:<hex>" or NULL */
};

/* Parse and normalise S.  Both a tag and a digest are kept when both are
 * given (the digest is what a pull must fetch).  On failure *err reads
 * "invalid reference format: ..." and *out is untouched. */
int sv_ref_parse (const char *s, struct sv_ref **out, struct sv_err **err);
/* "docker.io/library/busybox:latest"; owned by the caller. */
char *sv_ref_string (const struct sv_ref *ref);
/* The short form docker prints: "busybox:latest", "user/app:1",
 * "quay.io/x/y@sha256:..."; owned by the caller. */
char *sv_ref_familiar (const struct sv_ref *ref);
/* "domain/path" without tag or digest; owned by the caller. */
char *sv_ref_name (const struct sv_ref *ref);
/* The host to contact: registry-1.docker.io for docker.io, else the domain. */
const char *sv_ref_registry_host (const struct sv_ref *ref);
void sv_ref_free (struct sv_ref *ref);

static inline void
sv_ref_freep (struct sv_ref **ref)
{
  sv_ref_free (*ref);
}
#define _cleanup_ref_ __attribute__ ((cleanup (sv_ref_freep)))

#endif

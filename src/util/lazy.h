/* Libraries loaded on first use.
 *
 * servin starts twice per `run` (the second time from a sealed copy of
 * itself) and most commands never talk to a registry or read a tarball,
 * yet libcurl and libarchive with their dependencies cost ~6 ms of dynamic
 * loading per start.  Their functions are therefore small shims
 * (image/curl-lazy.c, image/archive-lazy.c) that resolve the real symbol
 * on the first call. */
#ifndef SV_LAZY_H
#define SV_LAZY_H

struct sv_lazy_lib
{
  const char *soname; /* "libcurl.so.4" */
  void *handle;       /* set on first use */
};

/* The address of NAME in LIB, loading LIB first.  When the library or the
 * symbol is missing, prints one line naming them and exits 125: there is
 * no way to report an error through the shimmed API. */
void *sv_lazy_sym (struct sv_lazy_lib *lib, const char *name);

#endif

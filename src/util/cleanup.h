/* Scope-bound cleanup (systemd/crun style) and visible ownership moves. */
#ifndef SV_CLEANUP_H
#define SV_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void
sv_freep (void *p)
{
  free (*(void **)p);
}

static inline void
sv_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

static inline void
sv_fclosep (FILE **f)
{
  if (*f)
    fclose (*f);
}

static inline void
sv_closedirp (DIR **d)
{
  if (*d)
    closedir (*d);
}

/* A NULL-terminated vector of malloc'ed strings. */
static inline void
sv_strv_free (char **v)
{
  if (v == NULL)
    return;
  for (char **p = v; *p; p++)
    free (*p);
  free (v);
}

static inline void
sv_strv_freep (char ***v)
{
  sv_strv_free (*v);
}

#define _cleanup_(f) __attribute__ ((cleanup (f)))
#define _cleanup_free_ _cleanup_ (sv_freep)
#define _cleanup_close_ _cleanup_ (sv_closep)
#define _cleanup_fclose_ _cleanup_ (sv_fclosep)
#define _cleanup_closedir_ _cleanup_ (sv_closedirp)
#define _cleanup_strv_ _cleanup_ (sv_strv_freep)
#define _cleanup_err_ _cleanup_ (sv_err_free)
#define _cleanup_json_ _cleanup_ (sv_json_decrefp)

/* Take ownership of *pp, leaving NULL behind. */
#define steal_pointer(pp)                                                                          \
  ({                                                                                               \
    __typeof__ (*(pp)) _p = *(pp);                                                                 \
    *(pp) = NULL;                                                                                  \
    _p;                                                                                            \
  })

/* Take ownership of the fd in *fdp, leaving -1 behind. */
#define TAKE_FD(fdp)                                                                               \
  ({                                                                                               \
    int _fd = *(fdp);                                                                              \
    *(fdp) = -1;                                                                                   \
    _fd;                                                                                           \
  })

#endif

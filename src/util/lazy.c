#include "util/lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void *
sv_lazy_sym (struct sv_lazy_lib *lib, const char *name)
{
  pthread_mutex_lock (&lock);
  if (lib->handle == NULL)
    lib->handle = dlopen (lib->soname, RTLD_NOW | RTLD_LOCAL);
  void *p = lib->handle ? dlsym (lib->handle, name) : NULL;
  pthread_mutex_unlock (&lock);
  if (p == NULL)
    {
      fprintf (stderr, "servin: cannot load %s from %s: %s (install it: scripts/deps.sh)\n", name,
               lib->soname, dlerror ());
      exit (125);
    }
  return p;
}

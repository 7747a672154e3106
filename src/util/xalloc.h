/* Allocation that aborts on out-of-memory, so ENOMEM is not threaded
 * through every caller (the crun/bubblewrap policy). */
#ifndef SV_XALLOC_H
#define SV_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc (size_t size);
void *xmalloc0 (size_t size);
void *xrealloc (void *ptr, size_t size);
void *xreallocarray (void *ptr, size_t n, size_t size);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
char *xvasprintf (const char *fmt, va_list ap) __attribute__ ((format (printf, 1, 0)));

#endif

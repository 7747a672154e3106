/* libcurl, loaded on first use (see util/lazy.h).  One shim per function
 * the registry client calls; curl_easy_setopt forwards its one variadic
 * argument by the option's type, as curl.h encodes it in the number. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <stdarg.h>

#include "util/lazy.h"

static struct sv_lazy_lib curl = { .soname = "libcurl.so.4" };

#define RESOLVE(var, name)                                                                         \
  do                                                                                               \
    {                                                                                              \
      if (__atomic_load_n (&var, __ATOMIC_ACQUIRE) == NULL)                                        \
        __atomic_store_n (&var, (__typeof__ (var))sv_lazy_sym (&curl, name), __ATOMIC_RELEASE);    \
    }                                                                                              \
  while (0)

CURLcode
curl_global_init (long flags)
{
  static CURLcode (*f) (long);
  RESOLVE (f, "curl_global_init");
  return f (flags);
}

CURL *
curl_easy_init (void)
{
  static CURL *(*f) (void);
  RESOLVE (f, "curl_easy_init");
  return f ();
}

void
curl_easy_cleanup (CURL *h)
{
  static void (*f) (CURL *);
  RESOLVE (f, "curl_easy_cleanup");
  f (h);
}

CURLcode
curl_easy_perform (CURL *h)
{
  static CURLcode (*f) (CURL *);
  RESOLVE (f, "curl_easy_perform");
  return f (h);
}

const char *
curl_easy_strerror (CURLcode code)
{
  static const char *(*f) (CURLcode);
  RESOLVE (f, "curl_easy_strerror");
  return f (code);
}

char *
curl_easy_escape (CURL *h, const char *s, int len)
{
  static char *(*f) (CURL *, const char *, int);
  RESOLVE (f, "curl_easy_escape");
  return f (h, s, len);
}

void
curl_free (void *p)
{
  static void (*f) (void *);
  RESOLVE (f, "curl_free");
  f (p);
}

struct curl_slist *
curl_slist_append (struct curl_slist *l, const char *s)
{
  static struct curl_slist *(*f) (struct curl_slist *, const char *);
  RESOLVE (f, "curl_slist_append");
  return f (l, s);
}

void
curl_slist_free_all (struct curl_slist *l)
{
  static void (*f) (struct curl_slist *);
  RESOLVE (f, "curl_slist_free_all");
  f (l);
}

CURLcode
curl_easy_setopt (CURL *h, CURLoption option, ...)
{
  static CURLcode (*f) (CURL *, CURLoption, ...);
  RESOLVE (f, "curl_easy_setopt");
  va_list ap;
  va_start (ap, option);
  CURLcode r;
  if (option < CURLOPTTYPE_OBJECTPOINT)
    r = f (h, option, va_arg (ap, long));
  else if (option < CURLOPTTYPE_FUNCTIONPOINT)
    r = f (h, option, va_arg (ap, void *));
  else if (option < CURLOPTTYPE_OFF_T)
    r = f (h, option, va_arg (ap, void (*) (void)));
  else if (option < CURLOPTTYPE_BLOB)
    r = f (h, option, va_arg (ap, curl_off_t));
  else
    r = f (h, option, va_arg (ap, void *));
  va_end (ap);
  return r;
}

CURLcode
curl_easy_getinfo (CURL *h, CURLINFO info, ...)
{
  static CURLcode (*f) (CURL *, CURLINFO, ...);
  RESOLVE (f, "curl_easy_getinfo");
  va_list ap;
  va_start (ap, info);
  CURLcode r = f (h, info, va_arg (ap, void *));
  va_end (ap);
  return r;
}

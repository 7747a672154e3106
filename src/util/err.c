#include "err.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
ret_for (int code)
{
  return code > 0 ? -code : -1;
}

static int __attribute__ ((format (printf, 3, 0)))
err_vmake (struct sv_err **err, int code, const char *fmt, va_list ap)
{
  if (err == NULL)
    return ret_for (code);
  sv_err_free (err);
  struct sv_err *e = xmalloc0 (sizeof *e);
  e->code = code;
  e->msg = xvasprintf (fmt, ap);
  *err = e;
  return ret_for (code);
}

int
sv_err_make (struct sv_err **err, int code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int ret = err_vmake (err, code, fmt, ap);
  va_end (ap);
  return ret;
}

int
sv_err_make_plain (struct sv_err **err, int code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int ret = err_vmake (err, code, fmt, ap);
  va_end (ap);
  if (err && *err)
    (*err)->plain = true;
  return ret;
}

int
sv_err_errno (struct sv_err **err, const char *fmt, ...)
{
  int saved = errno;
  va_list ap;
  va_start (ap, fmt);
  int ret = err_vmake (err, saved, fmt, ap);
  va_end (ap);
  errno = saved;
  return ret;
}

int
sv_err_wrap (struct sv_err **err, const char *fmt, ...)
{
  if (err == NULL || *err == NULL)
    return -1;
  va_list ap;
  va_start (ap, fmt);
  char *ctx = xvasprintf (fmt, ap);
  va_end (ap);
  char *msg = xasprintf ("%s: %s", ctx, (*err)->msg);
  free (ctx);
  free ((*err)->msg);
  (*err)->msg = msg;
  return ret_for ((*err)->code);
}

void
sv_err_free (struct sv_err **err)
{
  if (err == NULL || *err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}

char *
sv_err_string (const struct sv_err *err)
{
  if (err == NULL)
    return xstrdup ("unknown error");
  if (err->code > 0 && !err->plain)
    return xasprintf ("%s: %s", err->msg, strerror (err->code));
  return xstrdup (err->msg);
}

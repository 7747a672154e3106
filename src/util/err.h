/* Servin's one error convention.
 *
 * A function that can fail returns int: < 0 on failure, >= 0 on success.  On
 * failure it fills *err (when err is not NULL) with an errno and a message;
 * on success it leaves *err untouched.  Callers add context on the way up
 * with sv_err_wrap() and only main() prints an error (sv_err_print) and turns
 * it into an exit status. */
#ifndef SV_ERR_H
#define SV_ERR_H

#include <stdarg.h>
#include <stdbool.h>

struct sv_err
{
  int code; /* errno, or 0 when the failure has no errno */
  char *msg;
  bool plain; /* the message says it all: no strerror(code) appended */
};

/* Fill *err with code and a formatted message; returns -1 (or -code when
 * code > 0) so that callers can write `return sv_err_make (...)`.  When
 * *err already holds an error, the old one is freed. */
int sv_err_make (struct sv_err **err, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* Like sv_err_make, for a message that already says what went wrong
 * ("no such image: x"): CODE is kept for callers to test, but
 * sv_err_string does not append strerror(CODE). */
int sv_err_make_plain (struct sv_err **err, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Same as sv_err_make with errno as the code. */
int sv_err_errno (struct sv_err **err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
/* Prefix the message of *err with "CONTEXT: "; returns the same value as
 * sv_err_make for *err's code.  No-op when err or *err is NULL. */
int sv_err_wrap (struct sv_err **err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void sv_err_free (struct sv_err **err);
/* The message with ": strerror(code)" appended when code != 0; owned by caller. */
char *sv_err_string (const struct sv_err *err);

#endif

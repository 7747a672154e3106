
#include "log.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = 2;
static enum sv_log_format log_format = SV_LOG_TEXT;
static bool log_debug = false;

int
sv_log_init (const char *path, enum sv_log_format format, bool debug)
{
  log_format = format;
  log_debug = debug;
  if (path == NULL || *path == '\0')
    return 0;
  int fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    return -errno;
  log_fd = fd;
  return 0;
}

bool
sv_log_debug_enabled (void)
{
  return log_debug;
}

bool
sv_log_to_file (void)
{
  return log_fd != 2;
}

static void __attribute__ ((format (printf, 2, 0)))
log_write (const char *level, const char *fmt, va_list ap)
{
  int saved = errno;
  char *msg = xvasprintf (fmt, ap);
  char *line;
  if (log_format == SV_LOG_JSON)
    {
      struct timespec ts;
      clock_gettime (CLOCK_REALTIME, &ts);
      struct tm tm;
      gmtime_r (&ts.tv_sec, &tm);
      char t[64];
      strftime (t, sizeof t, "%Y-%m-%dT%H:%M:%S", &tm);
      char stamp[96];
      snprintf (stamp, sizeof stamp, "%s.%09ldZ", t, ts.tv_nsec);
      json_t *j = json_pack ("{s:s,s:s,s:s}", "level", level, "msg", msg, "time", stamp);
      char *s = json_dumps (j, JSON_COMPACT);
      line = xasprintf ("%s\n", s);
      free (s);
      json_decref (j);
    }
  else if (log_fd == 2)
    line = xasprintf ("%s\n", msg);
  else
    line = xasprintf ("%s: %s\n", level, msg);
  (void)!write (log_fd, line, strlen (line));
  free (line);
  free (msg);
  errno = saved;
}

void
sv_log_error (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  log_write ("error", fmt, ap);
  va_end (ap);
}

void
sv_log_warning (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  log_write ("warning", fmt, ap);
  va_end (ap);
}

void
sv_debug (const char *fmt, ...)
{
  if (!log_debug)
    return;
  va_list ap;
  va_start (ap, fmt);
  log_write ("debug", fmt, ap);
  va_end (ap);
}

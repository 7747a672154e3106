/* Logging for the CLI faces and debug tracing.
 *
 * Library code reports failures through struct sv_err, never by printing;
 * it may only call sv_debug(), which writes nothing unless debugging was
 * enabled.  The runtime CLI writes to --log in runc's formats: text, or
 * JSON lines {"level","msg","time"} that conmon and containerd parse. */
#ifndef SV_LOG_H
#define SV_LOG_H

#include <stdbool.h>

enum sv_log_format
{
  SV_LOG_TEXT,
  SV_LOG_JSON,
};

/* PATH NULL means stderr.  Returns < 0 (errno) when PATH cannot be opened. */
int sv_log_init (const char *path, enum sv_log_format format, bool debug);
void sv_log_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void sv_log_warning (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void sv_debug (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
bool sv_log_debug_enabled (void);
/* True when errors go to a log file instead of stderr. */
bool sv_log_to_file (void);

#endif

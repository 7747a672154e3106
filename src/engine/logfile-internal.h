/* Pieces shared by the json-file log writer and reader (not public). */
#ifndef SV_ENGINE_LOGFILE_INTERNAL_H
#define SV_ENGINE_LOGFILE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "engine/logfile.h"
#include "util/xalloc.h"

/* A growable byte buffer; DATA is malloc'ed (free it), LEN bytes used. */
struct sv_log_buf
{
  char *data;
  size_t len, cap;
};

static inline void
sv_log_buf_reserve (struct sv_log_buf *b, size_t more)
{
  if (b->len + more <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more)
    cap *= 2;
  b->data = xrealloc (b->data, cap);
  b->cap = cap;
}

static inline void
sv_log_buf_append (struct sv_log_buf *b, const void *p, size_t n)
{
  sv_log_buf_reserve (b, n);
  memcpy (b->data + b->len, p, n);
  b->len += n;
}

static inline void
sv_log_buf_putc (struct sv_log_buf *b, char c)
{
  sv_log_buf_append (b, &c, 1);
}

/* One decoded entry; LOG points into storage owned by whoever decoded it. */
struct sv_log_entry
{
  enum sv_log_stream stream;
  const char *log;
  size_t len;
  int64_t time_ns;
};

/* Append to OUT the JSON line (with its final "\n") for LEN bytes of DATA,
 * plus "\n" when NEWLINE, escaped exactly as docker's jsonlog does. */
void sv_log_encode_entry (struct sv_log_buf *out, enum sv_log_stream stream, const char *data,
                          size_t len, bool newline, int64_t time_ns);

/* Decode one line of a log file (without its "\n").  Returns 0 and fills
 * *E (E->log is owned by *HOLDER, a jansson value to json_decref), or -1
 * when the line is not a valid entry. */
int sv_log_decode_entry (const char *line, size_t len, struct sv_log_entry *e, json_t **holder);

/* RFC3339 date-time ("2026-11-22T22:02:27.5Z", "...+01:00"); with
 * ALLOW_PARTIAL also "2026-11-22", "2026-11-22T10", "2026-11-22T10:00" and
 * no zone (local time), as `docker logs --since` accepts.  Returns 0 or -1. */
int sv_log_parse_rfc3339 (const char *s, size_t len, bool allow_partial, int64_t *ns);

#endif

/* docker's json-file log driver: one JSON object per line,
 *
 *   {"log":"line\n","stream":"stdout","time":"2026-11-22T22:02:27.123456789Z"}
 *
 * written by the per-container monitor (sv_log_writer) and read back by
 * `servin logs` (sv_log_read).  The files are byte-compatible with the ones
 * dockerd writes, so either can read the other's logs. */
#ifndef SV_ENGINE_LOGFILE_H
#define SV_ENGINE_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Servin's defaults (docker's own default is unlimited). */
#define SV_LOG_DEFAULT_MAX_SIZE (10 * 1024 * 1024)
#define SV_LOG_DEFAULT_MAX_FILES 3
/* A line longer than this is split into partial entries, as docker does. */
#define SV_LOG_MAX_LINE (16 * 1024)

enum sv_log_stream
{
  SV_LOG_STDOUT,
  SV_LOG_STDERR,
};

struct sv_log_writer;

/* Open (create, mode 0640, O_APPEND) the log file PATH.  MAX_SIZE <= 0
 * means no rotation; otherwise the file is rotated before an entry would
 * make it exceed MAX_SIZE bytes: PATH -> PATH.1 -> ... -> PATH.<MAX_FILES-1>,
 * the oldest dropped (MAX_FILES <= 1: PATH is truncated instead).  *OUT is
 * owned by the caller (sv_log_writer_close). */
int sv_log_writer_open (const char *path, int64_t max_size, int max_files,
                        struct sv_log_writer **out, struct sv_err **err);

/* Log LEN bytes the container wrote on STREAM.  Every complete line
 * (with its "\n"; "\r\n" is kept as is) becomes one entry written with one
 * write(2).  The rest waits in a per-stream buffer for its newline; once
 * SV_LOG_MAX_LINE bytes wait, they are written as a partial entry without
 * "\n" (docker's 16K split).  Invalid UTF-8 is stored as U+FFFD. */
int sv_log_writer_write (struct sv_log_writer *w, enum sv_log_stream stream, const char *data,
                         size_t len, struct sv_err **err);

/* Write the buffered partial lines of both streams, each with a "\n"
 * appended as docker does when a container exits mid-line. */
int sv_log_writer_flush (struct sv_log_writer *w, struct sv_err **err);

/* Close the file (without flushing) and free W; NULL is fine. */
void sv_log_writer_close (struct sv_log_writer *w);

struct sv_log_read_opts
{
  int64_t tail;     /* -1: all entries; N >= 0: the last N across rotated files */
  int64_t since_ns; /* unix time in ns; 0: no lower bound (entries before are skipped) */
  int64_t until_ns; /* 0: no upper bound; reading stops at the first entry after it */
  bool timestamps;  /* prefix each line with "<RFC3339Nano, 9 digits> " */
  bool follow;      /* keep reading as the log grows, across rotations */
  /* Follow mode stops once this returns false and the file is drained;
   * NULL follows until UNTIL_NS passes or an output fd fails. */
  bool (*still_running) (void *data);
  void *data;
};

/* Copy the entries of the log PATH (and its rotated PATH.1, PATH.2, ...)
 * to OUT_FD (stdout entries) and ERR_FD (stderr entries): the raw bytes
 * the container wrote.  Lines that are not valid entries are skipped.  A
 * missing PATH is an empty log.  Returns 0, or < 0 when a file cannot be
 * read or an output fd cannot be written (EPIPE when the reader went
 * away: the caller ignores SIGPIPE to get it instead of dying). */
int sv_log_read (const char *path, const struct sv_log_read_opts *o, int out_fd, int err_fd,
                 struct sv_err **err);

/* A `--since` / `--until` value as docker's `docker logs` accepts it:
 * RFC3339 with optional fraction and offset ("2026-11-22T10:00:00Z",
 * "2026-11-22T10:00:00.5+01:00"; a date or time without zone is local
 * time), unix seconds ("1700000000", "1700000000.5"), or a Go duration
 * relative to NOW_NS ("10m", "1h30m", "1.5h" -> now - d). */
int sv_log_parse_time (const char *s, int64_t now_ns, int64_t *out_ns, struct sv_err **err);

/* Format NS as RFC3339Nano in UTC into BUF (at least 36 bytes): with
 * FIXED, always 9 fraction digits (`logs -t`); otherwise trailing zeros
 * are trimmed (Go's time.RFC3339Nano, what the log file stores). */
void sv_log_format_time (int64_t ns, bool fixed, char *buf, size_t size);

#endif

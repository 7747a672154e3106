/* The json-file log writer: line splitting, one write(2) per entry, size
 * rotation. */
#include "engine/logfile-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct pending
{
  char buf[SV_LOG_MAX_LINE];
  size_t len;
  int64_t partial_ns; /* time of the first partial entry of this line, 0: none */
};

struct sv_log_writer
{
  char *path;
  int fd;
  int64_t size;
  int64_t max_size;
  int max_files;
  struct pending pend[2]; /* by enum sv_log_stream */
  struct sv_log_buf entry;
};

static int64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
open_log (struct sv_log_writer *w, struct sv_err **err)
{
  _cleanup_close_ int fd
      = open (w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    return sv_err_errno (err, "open log file `%s`", w->path);
  if (w->fd >= 0)
    close (w->fd);
  w->fd = TAKE_FD (&fd);
  w->size = st.st_size;
  return 0;
}

int
sv_log_writer_open (const char *path, int64_t max_size, int max_files, struct sv_log_writer **out,
                    struct sv_err **err)
{
  struct sv_log_writer *w = xmalloc0 (sizeof *w);
  w->path = xstrdup (path);
  w->fd = -1;
  w->max_size = max_size;
  w->max_files = max_files < 1 ? 1 : max_files;
  if (open_log (w, err) < 0)
    {
      sv_log_writer_close (w);
      return -1;
    }
  *out = w;
  return 0;
}

void
sv_log_writer_close (struct sv_log_writer *w)
{
  if (w == NULL)
    return;
  if (w->fd >= 0)
    close (w->fd);
  free (w->entry.data);
  free (w->path);
  free (w);
}

/* PATH.(N-2) -> PATH.(N-1), ..., PATH -> PATH.1 (replacing the oldest),
 * then a new PATH; with one file, PATH is truncated. */
static int
rotate (struct sv_log_writer *w, struct sv_err **err)
{
  if (w->max_files <= 1)
    {
      if (ftruncate (w->fd, 0) < 0)
        return sv_err_errno (err, "truncate log file `%s`", w->path);
      w->size = 0;
      return 0;
    }
  for (int i = w->max_files - 1; i >= 1; i--)
    {
      _cleanup_free_ char *from = i == 1 ? xstrdup (w->path) : xasprintf ("%s.%d", w->path, i - 1);
      _cleanup_free_ char *to = xasprintf ("%s.%d", w->path, i);
      if (rename (from, to) < 0 && errno != ENOENT)
        return sv_err_errno (err, "rotate log file `%s` to `%s`", from, to);
    }
  return open_log (w, err);
}

/* Encode and write one entry, rotating first when it would not fit. */
static int
emit (struct sv_log_writer *w, enum sv_log_stream stream, const char *data, size_t len,
      bool newline, int64_t ns, struct sv_err **err)
{
  w->entry.len = 0;
  sv_log_encode_entry (&w->entry, stream, data, len, newline, ns ? ns : now_ns ());
  if (w->max_size > 0 && w->size > 0 && w->size + (int64_t)w->entry.len > w->max_size
      && rotate (w, err) < 0)
    return -1;
  if (sv_write_all (w->fd, w->entry.data, w->entry.len) < 0)
    return sv_err_errno (err, "write log file `%s`", w->path);
  w->size += (int64_t)w->entry.len;
  return 0;
}

/* Consume the start of DATA (at most one line) for stream S; returns the
 * number of bytes consumed or < 0. */
static ssize_t
consume (struct sv_log_writer *w, enum sv_log_stream s, const char *data, size_t len,
         struct sv_err **err)
{
  struct pending *p = &w->pend[s];
  const char *nl = memchr (data, '\n', len);
  size_t content = nl ? (size_t)(nl - data) : len;
  size_t room = SV_LOG_MAX_LINE - p->len;
  if (nl && content < room)
    {
      int64_t ns = p->partial_ns;
      int r;
      p->partial_ns = 0;
      if (p->len == 0)
        r = emit (w, s, data, content, true, ns, err);
      else
        {
          memcpy (p->buf + p->len, data, content);
          r = emit (w, s, p->buf, p->len + content, true, ns, err);
          p->len = 0;
        }
      return r < 0 ? r : (ssize_t)(content + 1);
    }
  size_t n = content < room ? content : room;
  memcpy (p->buf + p->len, data, n);
  p->len += n;
  if (p->len == SV_LOG_MAX_LINE)
    {
      if (p->partial_ns == 0)
        p->partial_ns = now_ns ();
      p->len = 0;
      if (emit (w, s, p->buf, SV_LOG_MAX_LINE, false, p->partial_ns, err) < 0)
        return -1;
    }
  return (ssize_t)n;
}

int
sv_log_writer_write (struct sv_log_writer *w, enum sv_log_stream stream, const char *data,
                     size_t len, struct sv_err **err)
{
  if (stream != SV_LOG_STDOUT && stream != SV_LOG_STDERR)
    return sv_err_make (err, EINVAL, "invalid log stream %d", (int)stream);
  while (len > 0)
    {
      ssize_t n = consume (w, stream, data, len, err);
      if (n < 0)
        return -1;
      data += n;
      len -= (size_t)n;
    }
  return 0;
}

int
sv_log_writer_flush (struct sv_log_writer *w, struct sv_err **err)
{
  for (int s = SV_LOG_STDOUT; s <= SV_LOG_STDERR; s++)
    {
      struct pending *p = &w->pend[s];
      if (p->len == 0)
        {
          p->partial_ns = 0; /* a split line that ended exactly at 16K */
          continue;
        }
      int64_t ns = p->partial_ns;
      size_t n = p->len;
      p->len = 0;
      p->partial_ns = 0;
      if (emit (w, (enum sv_log_stream)s, p->buf, n, true, ns, err) < 0)
        return -1;
    }
  return 0;
}

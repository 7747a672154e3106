/* The json-file log reader behind `servin logs`: tail across rotated
 * files, since/until filtering, follow across rotations. */
#include "engine/logfile-internal.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK 65536
#define POLL_MS 100

struct reader
{
  const char *path;
  const struct sv_log_read_opts *o;
  int out_fd, err_fd;
  struct sv_log_buf line; /* bytes of an entry not yet terminated by "\n" */
};

enum
{
  CONTINUE = 0,
  STOP = 1, /* an entry after `until` */
};

static int
write_all (int fd, struct iovec *iov, int n)
{
  while (n > 0)
    {
      ssize_t r = writev (fd, iov, n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      for (; n > 0 && (size_t)r >= iov->iov_len; n--, iov++)
        r -= (ssize_t)iov->iov_len;
      if (n > 0)
        {
          iov->iov_base = (char *)iov->iov_base + r;
          iov->iov_len -= (size_t)r;
        }
    }
  return 0;
}

/* Filter and print one line of the file; returns CONTINUE, STOP or < 0. */
static int
handle_line (struct reader *r, const char *line, size_t len, struct sv_err **err)
{
  struct sv_log_entry e;
  _cleanup_json_ json_t *holder = NULL;
  if (sv_log_decode_entry (line, len, &e, &holder) < 0)
    return CONTINUE;
  if (r->o->since_ns && e.time_ns < r->o->since_ns)
    return CONTINUE;
  if (r->o->until_ns && e.time_ns > r->o->until_ns)
    return STOP;
  char ts[64];
  struct iovec iov[2];
  int n = 0;
  if (r->o->timestamps)
    {
      sv_log_format_time (e.time_ns, true, ts, sizeof ts - 1);
      strcat (ts, " ");
      iov[n++] = (struct iovec){ ts, strlen (ts) };
    }
  iov[n++] = (struct iovec){ (void *)e.log, e.len };
  int fd = e.stream == SV_LOG_STDERR ? r->err_fd : r->out_fd;
  if (write_all (fd, iov, n) < 0)
    return sv_err_errno (err, "write log output");
  return CONTINUE;
}

/* Read FD from its offset to EOF, handling each complete line. */
static int
drain (struct reader *r, int fd, struct sv_err **err)
{
  for (;;)
    {
      sv_log_buf_reserve (&r->line, READ_CHUNK);
      ssize_t n = read (fd, r->line.data + r->line.len, READ_CHUNK);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return sv_err_errno (err, "read log file `%s`", r->path);
      if (n == 0)
        return CONTINUE;
      size_t old = r->line.len, start = 0;
      r->line.len += (size_t)n;
      for (size_t i = old; i < r->line.len; i++)
        {
          if (r->line.data[i] != '\n')
            continue;
          int ret = handle_line (r, r->line.data + start, i - start, err);
          if (ret != CONTINUE)
            return ret;
          start = i + 1;
        }
      memmove (r->line.data, r->line.data + start, r->line.len - start);
      r->line.len -= start;
    }
}

/* Offset in FD (SIZE bytes) where the last *NEED complete lines start;
 * when the file holds fewer, returns 0 and lowers *NEED by its count. */
static off_t
tail_offset (int fd, off_t size, int64_t *need)
{
  char buf[READ_CHUNK];
  bool seen_nl = false; /* the last "\n" ends the last line: it starts none */
  off_t end = size;
  while (end > 0 && *need > 0)
    {
      off_t start = end > READ_CHUNK ? end - READ_CHUNK : 0;
      ssize_t n = pread (fd, buf, (size_t)(end - start), start);
      if (n <= 0)
        break;
      for (ssize_t i = n - 1; i >= 0; i--)
        {
          if (buf[i] != '\n')
            continue;
          if (seen_nl && --*need == 0)
            return start + i + 1;
          seen_nl = true;
        }
      end = start;
    }
  if (seen_nl && *need > 0)
    --*need;
  return 0;
}

/* The rotated files PATH.N .. PATH.1 then PATH, oldest first, opened;
 * a missing file ends the list (PATH itself may be missing: fd -1). */
static int *
open_files (const char *path, size_t *count)
{
  size_t n = 0;
  while (true)
    {
      _cleanup_free_ char *p = xasprintf ("%s.%zu", path, n + 1);
      if (access (p, F_OK) < 0)
        break;
      n++;
    }
  int *fds = xmalloc ((n + 1) * sizeof (int));
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *p = xasprintf ("%s.%zu", path, n - i);
      fds[i] = open (p, O_RDONLY | O_CLOEXEC);
    }
  fds[n] = open (path, O_RDONLY | O_CLOEXEC);
  *count = n + 1;
  return fds;
}

/* Seek every file to where output starts; returns the index of the
 * first file to read. */
static size_t
seek_tail (int *fds, size_t n, int64_t tail)
{
  size_t first = 0;
  for (size_t i = n; i-- > 0;)
    {
      struct stat st;
      if (fds[i] < 0 || fstat (fds[i], &st) < 0)
        continue;
      if (tail == 0)
        {
          (void)lseek (fds[i], st.st_size, SEEK_SET);
          return i;
        }
      off_t off = tail_offset (fds[i], st.st_size, &tail);
      (void)lseek (fds[i], off, SEEK_SET);
      first = i;
      if (tail == 0)
        break;
    }
  return first;
}

/* Print the existing content; on return *CUR holds the fd of PATH (or
 * -1), positioned at its end, for follow mode. */
static int
read_existing (struct reader *r, int *cur, struct sv_err **err)
{
  size_t n;
  int *fds = open_files (r->path, &n);
  size_t first = r->o->tail >= 0 ? seek_tail (fds, n, r->o->tail) : 0;
  int ret = CONTINUE;
  for (size_t i = first; i < n && ret == CONTINUE; i++)
    {
      if (fds[i] < 0)
        continue;
      r->line.len = 0;
      ret = drain (r, fds[i], err);
    }
  for (size_t i = 0; i + 1 < n; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  *cur = fds[n - 1];
  free (fds);
  return ret;
}

/* Whether PATH is now another file than FD (rotated, or created). */
static bool
replaced (const char *path, int fd)
{
  struct stat a, b;
  if (stat (path, &a) < 0)
    return false;
  if (fd < 0 || fstat (fd, &b) < 0)
    return true;
  return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

/* A file truncated under us (one-file rotation) is read from the start. */
static void
check_truncated (struct reader *r, int fd)
{
  struct stat st;
  off_t pos = lseek (fd, 0, SEEK_CUR);
  if (fstat (fd, &st) == 0 && pos > st.st_size)
    {
      (void)lseek (fd, 0, SEEK_SET);
      r->line.len = 0;
    }
}

static int
watch_dir (const char *path)
{
  int fd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0)
    return -1;
  _cleanup_free_ char *copy = xstrdup (path);
  if (inotify_add_watch (fd, dirname (copy),
                         IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE)
      < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* Sleep until the directory changes or POLL_MS pass. */
static void
wait_change (int ifd)
{
  struct pollfd p = { .fd = ifd, .events = POLLIN };
  if (poll (ifd >= 0 ? &p : NULL, ifd >= 0 ? 1 : 0, POLL_MS) > 0)
    {
      char buf[4096];
      while (read (ifd, buf, sizeof buf) > 0)
        ;
    }
}

static int64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Index N of the rotated file PATH.N that is the file FD, or 0 when it
 * is gone; *COUNT is the number of rotated files. */
static size_t
rotated_index (const char *path, int fd, size_t *count)
{
  struct stat me, st;
  size_t found = 0, n;
  bool have_me = fd >= 0 && fstat (fd, &me) == 0;
  for (n = 1;; n++)
    {
      _cleanup_free_ char *p = xasprintf ("%s.%zu", path, n);
      if (stat (p, &st) < 0)
        break;
      if (have_me && st.st_ino == me.st_ino && st.st_dev == me.st_dev)
        found = n;
    }
  *count = n - 1;
  return found;
}

/* PATH was rotated away from *CUR: finish *CUR (the writer may have added
 * to it just before renaming it), then every file rotated after it, and
 * leave *CUR on the new PATH.  Files the writer dropped meanwhile are lost. */
static int
next_file (struct reader *r, int *cur, struct sv_err **err)
{
  int ret = *cur >= 0 ? drain (r, *cur, err) : CONTINUE;
  size_t count, k = rotated_index (r->path, *cur, &count);
  if (k == 0)
    k = *cur >= 0 ? count + 1 : 1; /* *CUR dropped: all that is left is newer */
  if (*cur >= 0)
    close (*cur);
  *cur = -1;
  for (size_t i = k - 1; i >= 1 && ret == CONTINUE; i--)
    {
      _cleanup_free_ char *p = xasprintf ("%s.%zu", r->path, i);
      _cleanup_close_ int fd = open (p, O_RDONLY | O_CLOEXEC);
      r->line.len = 0;
      if (fd >= 0)
        ret = drain (r, fd, err);
    }
  r->line.len = 0;
  *cur = open (r->path, O_RDONLY | O_CLOEXEC);
  return ret;
}

static int
follow (struct reader *r, int *cur, struct sv_err **err)
{
  _cleanup_close_ int ifd = watch_dir (r->path);
  for (;;)
    {
      bool running = r->o->still_running ? r->o->still_running (r->o->data) : true;
      if (*cur >= 0)
        {
          check_truncated (r, *cur);
          int ret = drain (r, *cur, err);
          if (ret != CONTINUE)
            return ret;
        }
      if (replaced (r->path, *cur))
        {
          int ret = next_file (r, cur, err);
          if (ret != CONTINUE)
            return ret;
          continue;
        }
      if (!running || (r->o->until_ns && now_ns () > r->o->until_ns))
        return CONTINUE;
      wait_change (ifd);
    }
}

int
sv_log_read (const char *path, const struct sv_log_read_opts *o, int out_fd, int err_fd,
             struct sv_err **err)
{
  struct reader r = { .path = path, .o = o, .out_fd = out_fd, .err_fd = err_fd };
  _cleanup_close_ int cur = -1;
  int ret = read_existing (&r, &cur, err);
  if (ret == CONTINUE && o->follow)
    ret = follow (&r, &cur, err);
  free (r.line.data);
  return ret < 0 ? ret : 0;
}

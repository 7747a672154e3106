/* Unit tests for engine/logfile*.c: docker's json-file log driver. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/logfile.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/xalloc.h"

static char dir[64];

static int
setup (void **state)
{
  strcpy (dir, "/tmp/test-logfile-XXXXXX");
  assert_non_null (mkdtemp (dir));
  return 0;
}

static int
teardown (void **state)
{
  (void)sv_rm_rf_at (AT_FDCWD, dir, NULL);
  return 0;
}

static char *
path_in_dir (const char *name)
{
  return xasprintf ("%s/%s", dir, name);
}

static char *
slurp (const char *path)
{
  char *data = NULL;
  size_t len;
  if (sv_read_file_at (AT_FDCWD, path, &data, &len, NULL) < 0)
    return NULL;
  return data;
}

static struct sv_log_writer *
open_writer (const char *path, int64_t max_size, int max_files)
{
  struct sv_log_writer *w = NULL;
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_log_writer_open (path, max_size, max_files, &w, &err), 0);
  return w;
}

static void
write_str (struct sv_log_writer *w, enum sv_log_stream s, const char *str)
{
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_log_writer_write (w, s, str, strlen (str), &err), 0);
}

/* The "log" values of the entries in PATH, each checked for the fields
 * docker writes, in a vector. */
static char **
entries (const char *path, const char *want_stream)
{
  _cleanup_free_ char *data = slurp (path);
  assert_non_null (data);
  char **v = xmalloc0 (sizeof (char *));
  size_t n = 0;
  for (char *line = data, *nl; (nl = strchr (line, '\n')); line = nl + 1)
    {
      json_error_t jerr;
      json_t *j = json_loadb (line, (size_t)(nl - line), JSON_ALLOW_NUL, &jerr);
      assert_non_null (j);
      assert_string_equal (json_string_value (json_object_get (j, "stream")), want_stream);
      const char *t = json_string_value (json_object_get (j, "time"));
      assert_non_null (t);
      assert_int_equal (t[strlen (t) - 1], 'Z');
      v = xreallocarray (v, n + 2, sizeof (char *));
      v[n++] = xstrdup (json_string_value (json_object_get (j, "log")));
      v[n] = NULL;
      json_decref (j);
    }
  return v;
}

static void
test_lines_split_and_joined (void **state)
{
  _cleanup_free_ char *path = path_in_dir ("split.log");
  struct sv_log_writer *w = open_writer (path, 0, 1);
  write_str (w, SV_LOG_STDOUT, "one\ntwo\nthr");
  write_str (w, SV_LOG_STDOUT, "ee");
  write_str (w, SV_LOG_STDOUT, "\nwin\r\n\n");
  write_str (w, SV_LOG_STDOUT, "tail");
  _cleanup_strv_ char **before = entries (path, "stdout");
  assert_int_equal (sv_strv_length (before), 5);
  assert_string_equal (before[0], "one\n");
  assert_string_equal (before[1], "two\n");
  assert_string_equal (before[2], "three\n");
  assert_string_equal (before[3], "win\r\n");
  assert_string_equal (before[4], "\n");
  /* The unterminated "tail" is written at exit, with a "\n" as docker does. */
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_log_writer_flush (w, &err), 0);
  sv_log_writer_close (w);
  _cleanup_strv_ char **after = entries (path, "stdout");
  assert_string_equal (after[5], "tail\n");
  assert_null (after[6]);
}

/* Raw file bytes for a single entry, to check docker's exact escaping. */
static char *
raw_entry (const char *name, const char *data, size_t len)
{
  _cleanup_free_ char *path = path_in_dir (name);
  struct sv_log_writer *w = open_writer (path, 0, 1);
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_log_writer_write (w, SV_LOG_STDERR, data, len, &err), 0);
  sv_log_writer_close (w);
  _cleanup_free_ char *s = slurp (path);
  const char *end = strstr (s, "\",\"stream\":\"stderr\",\"time\":\"");
  assert_non_null (end);
  assert_int_equal (strncmp (s, "{\"log\":\"", 8), 0);
  return xstrndup (s + 8, (size_t)(end - s) - 8);
}

static void
test_json_escaping (void **state)
{
  static const char ctl[] = "\"q\" \\ \t\x01\x1f<>&\x7f\n";
  _cleanup_free_ char *a = raw_entry ("esc1.log", ctl, sizeof ctl - 1);
  assert_string_equal (a, "\\\"q\\\" \\\\ \\u0009\\u0001\\u001f\\u003c\\u003e\\u0026\x7f\\n");
  /* Valid UTF-8 is kept raw; U+2028/U+2029 are escaped. */
  static const char utf[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8\xe2\x80\xa9\n";
  _cleanup_free_ char *b = raw_entry ("esc2.log", utf, sizeof utf - 1);
  assert_string_equal (b, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\\u2028\\u2029\\n");
  /* Invalid UTF-8: a stray byte, a truncated sequence, an overlong form,
   * a surrogate, > U+10FFFF: each bad byte becomes U+FFFD as in Go. */
  static const char bad[] = "a\xff"
                            "b\xe2\x82"
                            "c\xc0\xaf"
                            "d\xed\xa0\x80"
                            "e\xf4\x90\x80\x80\n";
  _cleanup_free_ char *c = raw_entry ("esc3.log", bad, sizeof bad - 1);
  assert_string_equal (c, "a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffdd\\ufffd\\ufffd\\ufffde"
                          "\\ufffd\\ufffd\\ufffd\\ufffd\\n");
  /* A NUL byte survives the round trip through the file. */
  _cleanup_free_ char *d = raw_entry ("esc4.log", "x\0y\n", 4);
  assert_string_equal (d, "x\\u0000y\\n");
}

static void
test_long_line_split_at_16k (void **state)
{
  _cleanup_free_ char *path = path_in_dir ("long.log");
  struct sv_log_writer *w = open_writer (path, 0, 1);
  size_t n = 20000;
  _cleanup_free_ char *big = xmalloc (n + 2);
  memset (big, 'a', n);
  strcpy (big + n, "\n");
  /* In two writes, to show the split does not depend on write boundaries. */
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_log_writer_write (w, SV_LOG_STDERR, big, 10000, &err), 0);
  assert_int_equal (sv_log_writer_write (w, SV_LOG_STDERR, big + 10000, n + 1 - 10000, &err), 0);
  /* Exactly 16K bytes then "\n": docker writes the 16K partial, then "\n". */
  assert_int_equal (
      sv_log_writer_write (w, SV_LOG_STDERR, big + n - SV_LOG_MAX_LINE, SV_LOG_MAX_LINE + 1, &err),
      0);
  sv_log_writer_close (w);
  _cleanup_strv_ char **v = entries (path, "stderr");
  assert_int_equal (sv_strv_length (v), 4);
  assert_int_equal (strlen (v[0]), SV_LOG_MAX_LINE);
  assert_int_equal (strlen (v[1]), n - SV_LOG_MAX_LINE + 1);
  assert_int_equal (v[1][strlen (v[1]) - 1], '\n');
  assert_int_equal (strlen (v[2]), SV_LOG_MAX_LINE);
  assert_string_equal (v[3], "\n");
  /* The pieces of a split line share the first piece's time (docker). */
  _cleanup_free_ char *data = slurp (path);
  char *t1 = strstr (data, "\"time\":\"");
  char *t2 = strstr (t1 + 1, "\"time\":\"");
  assert_int_equal (strncmp (t1, t2, 40), 0);
}

static void
test_streams_buffered_separately (void **state)
{
  _cleanup_free_ char *path = path_in_dir ("streams.log");
  struct sv_log_writer *w = open_writer (path, 0, 1);
  write_str (w, SV_LOG_STDOUT, "out-");
  write_str (w, SV_LOG_STDERR, "err-");
  write_str (w, SV_LOG_STDOUT, "done\n");
  write_str (w, SV_LOG_STDERR, "done\n");
  sv_log_writer_close (w);
  _cleanup_free_ char *data = slurp (path);
  char *second = strchr (data, '\n') + 1;
  assert_non_null (strstr (data, "{\"log\":\"out-done\\n\",\"stream\":\"stdout\",\"time\":\""));
  const char *want2 = "{\"log\":\"err-done\\n\",\"stream\":\"stderr\",\"time\":\"";
  assert_int_equal (strncmp (second, want2, strlen (want2)), 0);
}

static bool
exists (const char *path)
{
  return access (path, F_OK) == 0;
}

static off_t
file_size (const char *path)
{
  struct stat st;
  assert_int_equal (stat (path, &st), 0);
  return st.st_size;
}

static void
write_numbered (struct sv_log_writer *w, int from, int to)
{
  for (int i = from; i < to; i++)
    {
      char line[32];
      snprintf (line, sizeof line, "line %04d\n", i);
      write_str (w, i % 3 == 0 ? SV_LOG_STDERR : SV_LOG_STDOUT, line);
    }
}

static void
test_rotation (void **state)
{
  _cleanup_free_ char *path = path_in_dir ("rot.log");
  _cleanup_free_ char *p1 = xasprintf ("%s.1", path);
  _cleanup_free_ char *p2 = xasprintf ("%s.2", path);
  _cleanup_free_ char *p3 = xasprintf ("%s.3", path);
  /* An entry is ~80 bytes: 3 per file. */
  struct sv_log_writer *w = open_writer (path, 250, 3);
  write_numbered (w, 0, 20);
  sv_log_writer_close (w);
  assert_true (exists (p1));
  assert_true (exists (p2));
  assert_false (exists (p3));
  assert_true (file_size (path) <= 250);
  assert_true (file_size (p1) <= 250);
  assert_true (file_size (p2) <= 250);
  /* The newest lines are in PATH, the oldest were dropped. */
  _cleanup_free_ char *cur = slurp (path);
  _cleanup_free_ char *old = slurp (p2);
  assert_non_null (strstr (cur, "line 0019"));
  assert_null (strstr (old, "line 0000"));
  assert_null (strstr (old, "line 0019"));

  /* One file: truncated instead of renamed. */
  _cleanup_free_ char *single = path_in_dir ("one.log");
  _cleanup_free_ char *single1 = xasprintf ("%s.1", single);
  w = open_writer (single, 250, 1);
  write_numbered (w, 0, 10);
  sv_log_writer_close (w);
  assert_false (exists (single1));
  assert_true (file_size (single) <= 250);
  _cleanup_free_ char *s = slurp (single);
  assert_non_null (strstr (s, "line 0009"));
}

/* Output of sv_log_read into two memfds: stdout and stderr entries. */
struct output
{
  char *out, *err;
};

static char *
memfd_contents (int fd)
{
  off_t size = lseek (fd, 0, SEEK_END);
  char *s = xmalloc ((size_t)size + 1);
  assert_int_equal (pread (fd, s, (size_t)size, 0), size);
  s[size] = '\0';
  return s;
}

static int
read_log (const char *path, const struct sv_log_read_opts *o, struct output *res)
{
  _cleanup_close_ int out = memfd_create ("out", MFD_CLOEXEC);
  _cleanup_close_ int errfd = memfd_create ("err", MFD_CLOEXEC);
  _cleanup_err_ struct sv_err *err = NULL;
  int ret = sv_log_read (path, o, out, errfd, &err);
  res->out = memfd_contents (out);
  res->err = memfd_contents (errfd);
  return ret;
}

static void
output_free (struct output *res)
{
  free (res->out);
  free (res->err);
}

static void
test_read_all_and_tail_across_rotation (void **state)
{
  _cleanup_free_ char *path = path_in_dir ("tail.log");
  struct sv_log_writer *w = open_writer (path, 250, 5);
  write_numbered (w, 0, 10);
  sv_log_writer_close (w);
  struct sv_log_read_opts o = { .tail = -1 };
  struct output res;
  assert_int_equal (read_log (path, &o, &res), 0);
  /* 10 lines over 4 files, all kept: stdout and stderr entries apart. */
  assert_string_equal (res.out, "line 0001\nline 0002\nline 0004\nline 0005\nline 0007\n"
                                "line 0008\n");
  assert_string_equal (res.err, "line 0000\nline 0003\nline 0006\nline 0009\n");
  output_free (&res);

  o.tail = 5; /* PATH holds only the last line(s): the rest from PATH.1, PATH.2 */
  assert_int_equal (read_log (path, &o, &res), 0);
  assert_string_equal (res.out, "line 0005\nline 0007\nline 0008\n");
  assert_string_equal (res.err, "line 0006\nline 0009\n");
  output_free (&res);

  o.tail = 0;
  assert_int_equal (read_log (path, &o, &res), 0);
  assert_string_equal (res.out, "");
  assert_string_equal (res.err, "");
  output_free (&res);

  o.tail = 1000;
  assert_int_equal (read_log (path, &o, &res), 0);
  assert_int_equal (strlen (res.out) + strlen (res.err), 100);
  output_free (&res);

  _cleanup_free_ char *missing = path_in_dir ("missing.log");
  o.tail = -1;
  assert_int_equal (read_log (missing, &o, &res), 0);
  assert_string_equal (res.out, "");
  output_free (&res);
}

/* A log file written by hand, as dockerd would, with fixed times. */
static const char handmade[]
    = "{\"log\":\"first\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-22T10:00:00.1Z\"}\n"
      "not json at all\n"
      "{\"log\":\"no stream\\n\",\"time\":\"2026-11-22T10:00:00Z\"}\n"
      "[1,2,3]\n"
      "{\"log\":\"bad time\\n\",\"stream\":\"stdout\",\"time\":\"yesterday\"}\n"
      "{\"log\":42,\"stream\":\"stdout\",\"time\":\"2026-11-22T10:00:00Z\"}\n"
      "{\"log\":\"bad stream\\n\",\"stream\":\"stdin\",\"time\":\"2026-11-22T10:00:00Z\"}\n"
      "{\"log\":\"second \\u00e9\\u0000\\n\",\"stream\":\"stderr\","
      "\"time\":\"2026-11-22T11:00:00.123456789+01:00\"}\n"
      "{\"log\":\"third\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-22T10:30:00Z\"}\n"
      "{\"log\":\"truncated\\n\",\"stream\":\"std";

static char *
write_handmade (const char *name)
{
  char *path = path_in_dir (name);
  assert_int_equal (sv_write_file_at (AT_FDCWD, path, handmade, sizeof handmade - 1, 0640, NULL),
                    0);
  return path;
}

static int64_t
ts (const char *s)
{
  int64_t ns;
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_log_parse_time (s, 0, &ns, &err), 0);
  return ns;
}

static void
test_malformed_lines_skipped (void **state)
{
  _cleanup_free_ char *path = write_handmade ("hand.log");
  struct sv_log_read_opts o = { .tail = -1 };
  struct output res;
  assert_int_equal (read_log (path, &o, &res), 0);
  assert_string_equal (res.out, "first\nthird\n");
  assert_memory_equal (res.err, "second \xc3\xa9\0\n", 11);
  output_free (&res);
}

static void
test_since_until_timestamps (void **state)
{
  _cleanup_free_ char *path = write_handmade ("since.log");
  struct sv_log_read_opts o = { .tail = -1, .since_ns = ts ("2026-11-22T10:00:00.1Z") };
  struct output res;
  assert_int_equal (read_log (path, &o, &res), 0);
  assert_string_equal (res.out, "first\nthird\n"); /* since is inclusive */
  output_free (&res);

  o.since_ns = ts ("2026-11-22T10:00:00.12Z");
  o.timestamps = true;
  assert_int_equal (read_log (path, &o, &res), 0);
  assert_string_equal (res.out, "2026-11-22T10:30:00.000000000Z third\n");
  assert_memory_equal (res.err, "2026-11-22T10:00:00.123456789Z second \xc3\xa9\0\n", 42);
  output_free (&res);

  /* until: reading stops at the first entry after it. */
  o = (struct sv_log_read_opts){ .tail = -1, .until_ns = ts ("2026-11-22T10:00:00.2Z") };
  assert_int_equal (read_log (path, &o, &res), 0);
  assert_string_equal (res.out, "first\n");
  output_free (&res);

  /* tail applies before since, as in docker. */
  o = (struct sv_log_read_opts){ .tail = 2, .since_ns = ts ("2026-11-22T10:20:00Z") };
  assert_int_equal (read_log (path, &o, &res), 0);
  assert_string_equal (res.out, "third\n");
  assert_string_equal (res.err, "");
  output_free (&res);
}

struct follow_state
{
  char *path;
  atomic_bool following; /* set by the reader's first still_running call */
  atomic_bool done;
};

static void *
writer_thread (void *arg)
{
  struct follow_state *fs = arg;
  /* 10 files of 400 bytes hold all 40 lines: none is dropped, however
   * slowly the reader is scheduled, yet PATH is renamed ~8 times. */
  struct sv_log_writer *w = open_writer (fs->path, 400, 10);
  while (!atomic_load (&fs->following))
    {
      struct timespec d = { 0, 1000 * 1000 };
      nanosleep (&d, NULL);
    }
  for (int i = 0; i < 40; i++)
    {
      write_numbered (w, i, i + 1);
      if (i % 4 == 0)
        {
          struct timespec d = { 0, 5 * 1000 * 1000 };
          nanosleep (&d, NULL);
        }
    }
  write_str (w, SV_LOG_STDOUT, "no newline at exit");
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_log_writer_flush (w, &err), 0);
  sv_log_writer_close (w);
  atomic_store (&fs->done, true);
  return NULL;
}

static bool
still_running (void *data)
{
  struct follow_state *fs = data;
  atomic_store (&fs->following, true);
  return !atomic_load (&fs->done);
}

static void
test_follow_with_rotation (void **state)
{
  struct follow_state fs = { .path = path_in_dir ("follow.log") };
  atomic_init (&fs.following, false);
  atomic_init (&fs.done, false);
  /* The log starts with one line, read before the writer starts. */
  struct sv_log_writer *w = open_writer (fs.path, 400, 10);
  write_str (w, SV_LOG_STDOUT, "before\n");
  sv_log_writer_close (w);

  pthread_t th;
  assert_int_equal (pthread_create (&th, NULL, writer_thread, &fs), 0);
  struct sv_log_read_opts o
      = { .tail = -1, .follow = true, .still_running = still_running, .data = &fs };
  struct output res;
  assert_int_equal (read_log (fs.path, &o, &res), 0);
  pthread_join (th, NULL);

  /* Every line, in order, although the file was renamed many times while
   * being followed. */
  struct sv_log_buf_check
  {
    char out[4096], err[4096];
  } want = { "before\n", "" };
  for (int i = 0; i < 40; i++)
    {
      char *dst = i % 3 == 0 ? want.err : want.out;
      snprintf (dst + strlen (dst), 32, "line %04d\n", i);
    }
  strcat (want.out, "no newline at exit\n");
  assert_string_equal (res.out, want.out);
  assert_string_equal (res.err, want.err);
  output_free (&res);
  free (fs.path);
}

static bool
never_running (void *data)
{
  return false;
}

static void
test_follow_stops_when_exited (void **state)
{
  _cleanup_free_ char *path = path_in_dir ("exited.log");
  struct sv_log_writer *w = open_writer (path, 0, 1);
  write_str (w, SV_LOG_STDOUT, "a\nb\n");
  sv_log_writer_close (w);
  struct sv_log_read_opts o = { .tail = 1, .follow = true, .still_running = never_running };
  struct output res;
  assert_int_equal (read_log (path, &o, &res), 0);
  assert_string_equal (res.out, "b\n");
  output_free (&res);
}

struct time_case
{
  const char *in;
  int64_t want; /* ns; for durations relative to NOW */
};

#define NOW (1800000000LL * 1000000000LL)
#define S(x) ((int64_t)(x)*1000000000LL)

static void
test_parse_time (void **state)
{
  static const struct time_case ok[] = {
    { "2026-11-22T10:00:00Z", S (1795341600) },
    { "2026-11-22T10:00:00.5Z", S (1795341600) + 500000000 },
    { "2026-11-22T10:00:00.123456789Z", S (1795341600) + 123456789 },
    { "2026-11-22T11:00:00+01:00", S (1795341600) },
    { "2026-11-22T05:30:00-04:30", S (1795341600) },
    { "2026-11-22T10:00Z", S (1795341600) },
    { "2026-11-22T10Z", S (1795341600) },
    { "2026-11-22Z", S (1795305600) },
    { "1700000000", S (1700000000) },
    { "1700000000.5", S (1700000000) + 500000000 },
    { "1700000000.000000001", S (1700000000) + 1 },
    { "10m", NOW - S (600) },
    { "1h30m", NOW - S (5400) },
    { "45s", NOW - S (45) },
    { "1.5h", NOW - S (5400) },
    { "300ms", NOW - 300000000 },
    { "-10m", NOW + S (600) },
    { "0", 0 },
    { "10", S (10) },
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    {
      int64_t ns = -1;
      _cleanup_err_ struct sv_err *err = NULL;
      if (sv_log_parse_time (ok[i].in, NOW, &ns, &err) < 0)
        fail_msg ("%s: %s", ok[i].in, err->msg);
      if (ns != ok[i].want)
        fail_msg ("%s: got %lld, want %lld", ok[i].in, (long long)ns, (long long)ok[i].want);
    }
  static const char *bad[] = {
    "",
    "yesterday",
    "10y",
    "2026-13-01T00:00:00Z",
    "2026-02-30",
    "10x",
    "2026-11-22T25:00Z",
    "1.2.3",
    "2026-11-22T10:00:00+1",
    "1h 30m",
    "1700000000.",
    "2026-11-22T10:00:00Zjunk",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      int64_t ns = 42;
      _cleanup_err_ struct sv_err *err = NULL;
      if (sv_log_parse_time (bad[i], NOW, &ns, &err) >= 0)
        fail_msg ("'%s' accepted as %lld", bad[i], (long long)ns);
      assert_non_null (err);
      assert_int_equal (ns, 42);
    }
  /* A local time (no zone) is the host's local time. */
  setenv ("TZ", "UTC", 1);
  tzset ();
  int64_t ns;
  assert_int_equal (sv_log_parse_time ("2026-11-22T10:00:00", NOW, &ns, NULL), 0);
  assert_int_equal (ns, S (1795341600));
}

static void
test_format_time (void **state)
{
  char buf[64];
  sv_log_format_time (S (1795341600) + 120000000, false, buf, sizeof buf);
  assert_string_equal (buf, "2026-11-22T10:00:00.12Z");
  sv_log_format_time (S (1795341600), false, buf, sizeof buf);
  assert_string_equal (buf, "2026-11-22T10:00:00Z");
  sv_log_format_time (S (1795341600) + 120000000, true, buf, sizeof buf);
  assert_string_equal (buf, "2026-11-22T10:00:00.120000000Z");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_lines_split_and_joined),
    cmocka_unit_test (test_json_escaping),
    cmocka_unit_test (test_long_line_split_at_16k),
    cmocka_unit_test (test_streams_buffered_separately),
    cmocka_unit_test (test_rotation),
    cmocka_unit_test (test_read_all_and_tail_across_rotation),
    cmocka_unit_test (test_malformed_lines_skipped),
    cmocka_unit_test (test_since_until_timestamps),
    cmocka_unit_test (test_follow_with_rotation),
    cmocka_unit_test (test_follow_stops_when_exited),
    cmocka_unit_test (test_parse_time),
    cmocka_unit_test (test_format_time),
  };
  return cmocka_run_group_tests (tests, setup, teardown);
}

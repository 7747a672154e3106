/* Unit tests for engine/parse*.c: `servin run` flag values with docker's
 * semantics and messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "engine/parse.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* Fail unless *ERR holds a message containing WANT. */
static void
expect_error (int ret, struct sv_err **errp, const char *input, const char *want)
{
  struct sv_err *err = *errp;
  if (ret >= 0)
    fail_msg ("'%s' accepted, want error '%s'", input, want);
  assert_non_null (err);
  if (strstr (err->msg, want) == NULL)
    fail_msg ("'%s': error '%s', want '%s'", input, err->msg, want);
}

static void
test_size (void **state)
{
  static const struct
  {
    const char *in;
    int64_t want;
  } ok[] = {
    { "0", 0 },           { "100", 100 },        { "32m", 32 << 20 }, { "32M", 32 << 20 },
    { "32mb", 32 << 20 }, { "32MiB", 32 << 20 }, { "1k", 1024 },      { "1.5g", 3LL << 29 },
    { "2 g", 2LL << 30 }, { "1t", 1LL << 40 },   { "1p", 1LL << 50 }, { "10b", 10 },
    { "0.5k", 512 },
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    {
      int64_t v = -42;
      _cleanup_err_ struct sv_err *err = NULL;
      if (sv_parse_size (ok[i].in, false, &v, &err) < 0)
        fail_msg ("%s: %s", ok[i].in, err->msg);
      if (v != ok[i].want)
        fail_msg ("%s: got %lld want %lld", ok[i].in, (long long)v, (long long)ok[i].want);
    }
  static const struct
  {
    const char *in, *msg;
  } bad[] = {
    { "", "invalid size: ''" },
    { "abc", "invalid size: 'abc'" },
    { "-1", "invalid size: '-1'" },
    { "-5m", "invalid size: '-5m'" },
    { "32x", "invalid suffix: 'x'" },
    { "32mbb", "invalid suffix: 'mbb'" },
    { "32bm", "invalid suffix: 'bm'" },
    { "32kx", "invalid suffix: 'kx'" },
    { "1.2.3m", "invalid size: '1.2.3m'" },
    { "m", "invalid size: 'm'" },
    { "100000p", "invalid size" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      int64_t v = -42;
      _cleanup_err_ struct sv_err *err = NULL;
      expect_error (sv_parse_size (bad[i].in, false, &v, &err), &err, bad[i].in, bad[i].msg);
      assert_int_equal (v, -42);
    }
  /* -1 only where unlimited is allowed (--memory-swap). */
  int64_t v;
  assert_int_equal (sv_parse_size ("-1", true, &v, NULL), 0);
  assert_int_equal (v, -1);
  assert_true (sv_parse_size ("-2", true, &v, NULL) < 0);
}

static void
test_cpus (void **state)
{
  long ncpu = sysconf (_SC_NPROCESSORS_ONLN);
  struct sv_cpu_quota q;
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (sv_parse_cpus ("0.5", &q, &err), 0);
  assert_int_equal (q.nano_cpus, 500000000);
  assert_int_equal (q.quota, 50000);
  assert_int_equal (q.period, 100000);
  assert_int_equal (sv_parse_cpus ("0.01", &q, &err), 0);
  assert_int_equal (q.quota, 1000);
  assert_int_equal (sv_parse_cpus ("0", &q, &err), 0);
  assert_int_equal (q.quota, 0);
  assert_int_equal (q.period, 0);
  char buf[32];
  snprintf (buf, sizeof buf, "%ld", ncpu);
  assert_int_equal (sv_parse_cpus (buf, &q, &err), 0);
  assert_int_equal (q.quota, ncpu * 100000);

  char range_msg[128];
  snprintf (range_msg, sizeof range_msg,
            "Range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs available", ncpu,
            ncpu);
  snprintf (buf, sizeof buf, "%ld.5", ncpu);
  static const char *range_bad[] = { "0.001", "-1", NULL };
  range_bad[2] = buf;
  for (size_t i = 0; i < 3; i++)
    {
      _cleanup_err_ struct sv_err *e = NULL;
      expect_error (sv_parse_cpus (range_bad[i], &q, &e), &e, range_bad[i], range_msg);
    }
  static const struct
  {
    const char *in, *msg;
  } bad[] = {
    { "abc", "failed to parse abc as a rational number" },
    { "", "failed to parse  as a rational number" },
    { "1.5x", "failed to parse 1.5x as a rational number" },
    { "0.0000000001", "value is too precise" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      _cleanup_err_ struct sv_err *e = NULL;
      expect_error (sv_parse_cpus (bad[i].in, &q, &e), &e, bad[i].in, bad[i].msg);
    }
}

static void
test_cpu_shares_and_cpuset (void **state)
{
  static const struct
  {
    const char *in;
    uint64_t want;
  } shares[] = { { "1024", 1024 }, { "0", 0 }, { "1", 2 }, { "-5", 2 }, { "999999", 262144 } };
  for (size_t i = 0; i < sizeof shares / sizeof shares[0]; i++)
    {
      uint64_t v;
      assert_int_equal (sv_parse_cpu_shares (shares[i].in, &v, NULL), 0);
      assert_int_equal (v, shares[i].want);
    }
  uint64_t v;
  _cleanup_err_ struct sv_err *err = NULL;
  expect_error (sv_parse_cpu_shares ("lots", &v, &err), &err, "lots",
                "strconv.ParseInt: parsing \"lots\": invalid syntax");

  static const char *good[] = { "0", "0-1", "0-1,3", "3,1", "0-3", "" };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    {
      _cleanup_err_ struct sv_err *e = NULL;
      if (sv_parse_cpuset (good[i], "0-3", &e) < 0)
        fail_msg ("%s: %s", good[i], e->msg);
    }
  static const struct
  {
    const char *in, *msg;
  } bad[] = {
    { "1-0", "Invalid value 1-0 for cpuset cpus: invalid format: 1-0" },
    { "a", "invalid format: a" },
    { "0,", "invalid format: 0," },
    { "0-", "invalid format: 0-" },
    { "-1", "invalid format: -1" },
    { "0--1", "invalid format" },
    { "0-4", "Requested CPUs are not available - requested 0-4, available: 0-3" },
    { "7", "Requested CPUs are not available - requested 7, available: 0-3" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      _cleanup_err_ struct sv_err *e = NULL;
      expect_error (sv_parse_cpuset (bad[i].in, "0-3", &e), &e, bad[i].in, bad[i].msg);
    }
  /* Against the host: CPU 0 is always there. */
  assert_int_equal (sv_parse_cpuset ("0", NULL, NULL), 0);
  assert_true (sv_parse_cpuset ("100000", NULL, NULL) < 0);
}

static void
test_ulimit (void **state)
{
  static const struct
  {
    const char *in;
    int resource;
    uint64_t soft, hard;
  } ok[] = {
    { "nofile=1024:2048", RLIMIT_NOFILE, 1024, 2048 },
    { "nproc=512", RLIMIT_NPROC, 512, 512 },
    { "core=-1", RLIMIT_CORE, RLIM_INFINITY, RLIM_INFINITY },
    { "memlock=1024:-1", RLIMIT_MEMLOCK, 1024, RLIM_INFINITY },
    { "rttime=1", RLIMIT_RTTIME, 1, 1 },
    { "msgqueue=0", RLIMIT_MSGQUEUE, 0, 0 },
    { "sigpending=7:8", RLIMIT_SIGPENDING, 7, 8 },
    { "stack=8192", RLIMIT_STACK, 8192, 8192 },
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    {
      struct sv_rlimit r;
      _cleanup_err_ struct sv_err *err = NULL;
      if (sv_parse_ulimit (ok[i].in, &r, &err) < 0)
        fail_msg ("%s: %s", ok[i].in, err->msg);
      assert_int_equal (r.resource, ok[i].resource);
      assert_true (r.soft == ok[i].soft);
      assert_true (r.hard == ok[i].hard);
    }
  static const struct
  {
    const char *in, *msg;
  } bad[] = {
    { "nofile", "invalid ulimit argument: nofile" },
    { "as=1", "invalid ulimit type: as" },
    { "NOFILE=1", "invalid ulimit type: NOFILE" },
    { "bogus=1", "invalid ulimit type: bogus" },
    { "nofile=2048:1024",
      "ulimit soft limit must be less than or equal to hard limit: 2048 > 1024" },
    { "nofile=-1:1024", "ulimit soft limit must be less than or equal to hard limit: -1 > 1024" },
    { "nofile=1:2:3", "too many limit value arguments - 1:2:3, can only have up to two" },
    { "nofile=x", "strconv.ParseInt: parsing \"x\": invalid syntax" },
    { "nofile=1:", "strconv.ParseInt: parsing \"\": invalid syntax" },
    { "nofile=-2", "invalid ulimit value -2" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      struct sv_rlimit r;
      _cleanup_err_ struct sv_err *err = NULL;
      expect_error (sv_parse_ulimit (bad[i].in, &r, &err), &err, bad[i].in, bad[i].msg);
    }
}

struct mount_case
{
  const char *in;
  enum sv_mount_type type;
  const char *source, *target;
  bool readonly;
  const char *propagation;
  bool nocopy;
};

static void
check_mount (const struct mount_case *c, const struct sv_mount_spec *m)
{
  assert_int_equal (m->type, c->type);
  if (c->source == NULL)
    assert_null (m->source);
  else
    assert_string_equal (m->source, c->source);
  assert_string_equal (m->target, c->target);
  assert_int_equal (m->readonly, c->readonly);
  if (c->propagation == NULL)
    assert_null (m->propagation);
  else
    assert_string_equal (m->propagation, c->propagation);
  assert_int_equal (m->nocopy, c->nocopy);
}

static void
test_volume (void **state)
{
  static const struct mount_case ok[] = {
    { "/src:/dst", SV_MOUNT_BIND, "/src", "/dst", false, "rprivate", false },
    { "/src:/dst:ro", SV_MOUNT_BIND, "/src", "/dst", true, "rprivate", false },
    { "/src:/dst:rw,Z", SV_MOUNT_BIND, "/src", "/dst", false, "rprivate", false },
    { "/src:/dst:ro,z,rshared", SV_MOUNT_BIND, "/src", "/dst", true, "rshared", false },
    { "/src:/dst:slave,cached", SV_MOUNT_BIND, "/src", "/dst", false, "slave", false },
    { "data:/var/lib/data", SV_MOUNT_VOLUME, "data", "/var/lib/data", false, NULL, false },
    { "my_vol.1-x:/d:ro,nocopy", SV_MOUNT_VOLUME, "my_vol.1-x", "/d", true, NULL, true },
    { "/anon", SV_MOUNT_VOLUME, NULL, "/anon", false, NULL, false },
    { "/tmp/../src/./a/:/dst", SV_MOUNT_BIND, "/tmp/../src/./a/", "/dst", false, "rprivate",
      false },
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    {
      struct sv_mount_spec m;
      _cleanup_err_ struct sv_err *err = NULL;
      if (sv_parse_volume (ok[i].in, &m, &err) < 0)
        fail_msg ("%s: %s", ok[i].in, err->msg);
      check_mount (&ok[i], &m);
      assert_int_equal (m.create_source, m.type == SV_MOUNT_BIND);
      sv_mount_spec_clear (&m);
    }
  /* A source starting with "." is relative to the current directory. */
  _cleanup_free_ char *cwd = getcwd (NULL, 0);
  _cleanup_free_ char *want = xasprintf ("%s/sub/dir", strcmp (cwd, "/") ? cwd : "");
  struct sv_mount_spec m;
  assert_int_equal (sv_parse_volume ("./sub/x/../dir:/d", &m, NULL), 0);
  assert_int_equal (m.type, SV_MOUNT_BIND);
  assert_string_equal (m.source, want);
  sv_mount_spec_clear (&m);

  static const struct
  {
    const char *in, *msg;
  } bad[] = {
    { "", "invalid volume specification: ''" },
    { ":/dst", "invalid volume specification: ':/dst'" },
    { "/a:/b:ro:x", "invalid volume specification: '/a:/b:ro:x'" },
    { "/foo:ro", "invalid volume specification: '/foo:ro'" },
    { "/a:/b:bogus", "invalid mode: bogus" },
    { "/a:/b:ro,rw", "invalid mode: ro,rw" },
    { "/a:/b:shared,slave", "invalid mode: shared,slave" },
    { "/a:/b:ro,", "invalid mode: ro," },
    { "/a:relative", "invalid volume specification: '/a:relative': invalid mount config for type "
                     "\"bind\": invalid mount path: 'relative' mount path must be absolute" },
    { "/a:/", "invalid mount config for type \"bind\": invalid specification: destination "
              "can't be '/'" },
    { "relative", "invalid mount path: 'relative' mount path must be absolute" },
    { "/a:/b:nocopy", "invalid mount config for type \"bind\": field VolumeOptions must not be "
                      "specified" },
    { "vol:/b:shared", "invalid mount config for type \"volume\": field BindOptions must not be "
                       "specified" },
    { "a:/b", "create a: \"a\" includes invalid characters for a local volume name, only "
              "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
              "directory, use absolute path" },
    { "~/x:/b", "\"~/x\" includes invalid characters for a local volume name" },
    { "my vol:/b", "\"my vol\" includes invalid characters" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      struct sv_mount_spec mm = { 0 };
      _cleanup_err_ struct sv_err *err = NULL;
      expect_error (sv_parse_volume (bad[i].in, &mm, &err), &err, bad[i].in, bad[i].msg);
      assert_null (mm.target);
    }
}

static void
test_mount (void **state)
{
  static const struct mount_case ok[] = {
    { "type=bind,source=/src,target=/dst", SV_MOUNT_BIND, "/src", "/dst", false, "rprivate" },
    { "type=bind,src=/src,dst=/dst,readonly", SV_MOUNT_BIND, "/src", "/dst", true, "rprivate" },
    { "type=bind,src=/s,destination=/d,ro=true,bind-propagation=rshared", SV_MOUNT_BIND, "/s", "/d",
      true, "rshared" },
    { "Type=BIND,SRC=/s,DST=/d,RO=0", SV_MOUNT_BIND, "/s", "/d", false, "rprivate" },
    { "type=volume,src=data,dst=/data,volume-nocopy", SV_MOUNT_VOLUME, "data", "/data", false, NULL,
      true },
    { "src=data,dst=/data,volume-nocopy=false", SV_MOUNT_VOLUME, "data", "/data" },
    { "dst=/anon", SV_MOUNT_VOLUME, NULL, "/anon" },
    { "type=bind,\"src=/a,b\",dst=/d", SV_MOUNT_BIND, "/a,b", "/d", false, "rprivate" },
    { "type=bind,\"src=/q\"\"uote\",dst=/d", SV_MOUNT_BIND, "/q\"uote", "/d", false, "rprivate" },
    { "type=bind,src=/s,dst=/d,consistency=cached", SV_MOUNT_BIND, "/s", "/d", false, "rprivate" },
    { "type=tmpfs,dst=/run", SV_MOUNT_TMPFS, NULL, "/run" },
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    {
      struct sv_mount_spec m;
      _cleanup_err_ struct sv_err *err = NULL;
      if (sv_parse_mount (ok[i].in, &m, &err) < 0)
        fail_msg ("%s: %s", ok[i].in, err->msg);
      check_mount (&ok[i], &m);
      assert_false (m.create_source); /* --mount never creates a missing source */
      sv_mount_spec_clear (&m);
    }

  struct sv_mount_spec m;
  assert_int_equal (
      sv_parse_mount ("type=tmpfs,dst=/run,tmpfs-size=64m,tmpfs-mode=1777,ro", &m, NULL), 0);
  _cleanup_free_ char *opts = NULL;
  for (char **o = m.tmpfs_options; *o; o++)
    {
      char *n = xasprintf ("%s%s%s", opts ? opts : "", opts ? "," : "", *o);
      free (opts);
      opts = n;
    }
  assert_string_equal (opts, "noexec,nosuid,nodev,rprivate,ro,mode=1777,size=64m");
  assert_true (m.readonly);
  sv_mount_spec_clear (&m);

  static const struct
  {
    const char *in, *msg;
  } bad[] = {
    { "type=bind,src=/s", "target is required" },
    { "type=,dst=/d", "type is required" },
    { "type=npipe,dst=/d", "invalid mount config for type \"npipe\": mount type unknown" },
    { "type=bind,dst=/d", "invalid mount config for type \"bind\": field Source must not be "
                          "empty" },
    { "type=bind,src=rel,dst=/d", "invalid mount path: 'rel' mount path must be absolute" },
    { "type=bind,src=/s,dst=/d,bogus", "invalid field 'bogus' must be a key=value pair" },
    { "type=bind,src=/s,dst=/d,foo=bar", "unexpected key 'foo' in 'foo=bar'" },
    { "type=bind,src=/s,dst=/d,ro=maybe", "invalid value for ro: maybe" },
    { "type=bind,src=/s,dst=/d,volume-nocopy", "cannot mix 'volume-*' options with mount type "
                                               "'bind'" },
    { "type=volume,dst=/d,bind-propagation=shared", "cannot mix 'bind-*' options with mount "
                                                    "type 'volume'" },
    { "type=bind,src=/s,dst=/d,tmpfs-size=1m", "cannot mix 'tmpfs-*' options with mount type "
                                               "'bind'" },
    { "type=bind,src=/s,dst=/d,bind-propagation=sideways", "invalid propagation mode: sideways" },
    { "type=tmpfs,dst=/d,tmpfs-size=huge", "invalid value for tmpfs-size: huge" },
    { "type=tmpfs,dst=/d,tmpfs-mode=999", "invalid value for tmpfs-mode: 999" },
    { "type=tmpfs,src=x,dst=/d", "field Source must not be specified" },
    { "type=volume,dst=/d,ro", "must not set ReadOnly mode when using anonymous volumes" },
    { "type=volume,src=a b,dst=/d", "\"a b\" includes invalid characters" },
    { "type=bind,src=/s\"x,dst=/d", "bare \" in non-quoted-field" },
    { "type=bind,\"src=/s,dst=/d", "extraneous or missing \" in quoted-field" },
    { "type=bind,src=/s,dst=/", "destination can't be '/'" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      struct sv_mount_spec mm = { 0 };
      _cleanup_err_ struct sv_err *err = NULL;
      expect_error (sv_parse_mount (bad[i].in, &mm, &err), &err, bad[i].in, bad[i].msg);
      assert_null (mm.target);
    }
}

static char *
joined (char **v)
{
  size_t n = 1;
  for (char **p = v; *p; p++)
    n += strlen (*p) + 1;
  char *s = xmalloc0 (n);
  for (char **p = v; *p; p++)
    {
      if (p != v)
        strcat (s, ",");
      strcat (s, *p);
    }
  return s;
}

static void
test_tmpfs (void **state)
{
  static const struct
  {
    const char *in, *target, *opts;
  } ok[] = {
    { "/run", "/run", "noexec,nosuid,nodev,rprivate" },
    { "/run:rw,size=64m,mode=1777", "/run", "noexec,nosuid,nodev,rprivate,rw,size=64m,mode=1777" },
    /* The later option of a kind wins. */
    { "/x:exec,size=1m,size=2m,ro", "/x", "nosuid,nodev,rprivate,exec,size=2m,ro" },
    { "/x:shared,uid=1000,gid=1000,nr_inodes=10", "/x",
      "noexec,nosuid,nodev,shared,uid=1000,gid=1000,nr_inodes=10" },
    { "/x:defaults", "/x", "noexec,nosuid,nodev,rprivate" },
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    {
      struct sv_mount_spec m;
      _cleanup_err_ struct sv_err *err = NULL;
      if (sv_parse_tmpfs (ok[i].in, &m, &err) < 0)
        fail_msg ("%s: %s", ok[i].in, err->msg);
      assert_int_equal (m.type, SV_MOUNT_TMPFS);
      assert_string_equal (m.target, ok[i].target);
      _cleanup_free_ char *o = joined (m.tmpfs_options);
      assert_string_equal (o, ok[i].opts);
      sv_mount_spec_clear (&m);
    }
  static const struct
  {
    const char *in, *msg;
  } bad[] = {
    { "/", "invalid specification: destination can't be '/'" },
    { "run", "invalid mount path: 'run' mount path must be absolute" },
    { "/run:bogus", "Invalid tmpfs option [\"bogus\"]" },
    { "/run:foo=1", "Invalid tmpfs option [\"foo=1\"]" },
    { "/run:rw,,size=1m", "Invalid tmpfs option [\"\"]" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      struct sv_mount_spec m = { 0 };
      _cleanup_err_ struct sv_err *err = NULL;
      expect_error (sv_parse_tmpfs (bad[i].in, &m, &err), &err, bad[i].in, bad[i].msg);
    }
}

static void
test_env (void **state)
{
  _cleanup_strv_ char **env = NULL;
  setenv ("SV_TEST_SET", "from cli", 1);
  unsetenv ("SV_TEST_UNSET");
  assert_int_equal (sv_parse_env ("A=1", &env, NULL), 0);
  assert_int_equal (sv_parse_env ("B=", &env, NULL), 0);
  assert_int_equal (sv_parse_env ("C=x=y", &env, NULL), 0);
  assert_int_equal (sv_parse_env ("SV_TEST_SET", &env, NULL), 0);
  assert_int_equal (sv_parse_env ("SV_TEST_UNSET", &env, NULL), 0);
  assert_int_equal (sv_parse_env ("A=2", &env, NULL), 0); /* the later one wins */
  _cleanup_free_ char *s = joined (env);
  assert_string_equal (s, "A=2,B=,C=x=y,SV_TEST_SET=from cli");
  _cleanup_err_ struct sv_err *err = NULL;
  expect_error (sv_parse_env ("=x", &env, &err), &err, "=x", "invalid environment variable: =x");
  sv_err_free (&err);
  expect_error (sv_parse_env ("", &env, &err), &err, "", "invalid environment variable: ");
}

static char *
write_tmp (const char *content)
{
  char *path = xstrdup ("/tmp/test-parse-XXXXXX");
  int fd = mkstemp (path);
  assert_true (fd >= 0);
  assert_int_equal (write (fd, content, strlen (content)), (ssize_t)strlen (content));
  close (fd);
  return path;
}

static void
test_env_file (void **state)
{
  setenv ("SV_TEST_SET", "from cli", 1);
  unsetenv ("SV_TEST_UNSET");
  _cleanup_free_ char *path = write_tmp ("\xef\xbb\xbf"
                                         "# comment\n"
                                         "\n"
                                         "   \n"
                                         "A=1\n"
                                         "  B = spaced value  \r\n"
                                         "C=\n"
                                         "SV_TEST_SET\n"
                                         "SV_TEST_UNSET\n"
                                         "\tD=x=y\n"
                                         "E=last");
  _cleanup_strv_ char **env = NULL;
  _cleanup_err_ struct sv_err *err = NULL;
  /* "B " has a space in the name. */
  expect_error (sv_parse_env_file (path, &env, &err), &err, path,
                "poorly formatted environment: variable 'B ' contains whitespaces");
  assert_null (env);
  unlink (path);

  _cleanup_free_ char *good = write_tmp ("\xef\xbb\xbf# comment\n\nA=1\nB= spaced value  \r\nC=\n"
                                         "SV_TEST_SET\nSV_TEST_UNSET\n\tD=x=y\nE=last");
  assert_int_equal (sv_parse_env_file (good, &env, NULL), 0);
  _cleanup_free_ char *s = joined (env);
  assert_string_equal (s, "A=1,B= spaced value  ,C=,SV_TEST_SET=from cli,D=x=y,E=last");
  /* Labels: bare keys are skipped. */
  _cleanup_strv_ char **labels = NULL;
  assert_int_equal (sv_parse_label_file (good, &labels, NULL), 0);
  _cleanup_free_ char *l = joined (labels);
  assert_string_equal (l, "A=1,B= spaced value  ,C=,D=x=y,E=last");
  unlink (good);

  static const struct
  {
    const char *content, *msg;
  } bad[] = {
    { "x y=1\n", "poorly formatted environment: variable 'x y' contains whitespaces" },
    { "=1\n", "poorly formatted environment: no variable name on line '=1'" },
    { "A=1\nB=\xff\n", "contains invalid utf8 bytes at line 2" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      _cleanup_free_ char *p = write_tmp (bad[i].content);
      _cleanup_strv_ char **v = NULL;
      _cleanup_err_ struct sv_err *e = NULL;
      expect_error (sv_parse_env_file (p, &v, &e), &e, bad[i].content, bad[i].msg);
      unlink (p);
    }
  _cleanup_err_ struct sv_err *e = NULL;
  assert_true (sv_parse_env_file ("/nonexistent/env", &env, &e) < 0);
  assert_int_equal (e->code, ENOENT);
}

static void
test_labels (void **state)
{
  _cleanup_strv_ char **labels = NULL;
  assert_int_equal (sv_parse_label ("a=b", &labels, NULL), 0);
  assert_int_equal (sv_parse_label ("com.example.flag", &labels, NULL), 0);
  assert_int_equal (sv_parse_label ("a=c d", &labels, NULL), 0);
  _cleanup_free_ char *s = joined (labels);
  assert_string_equal (s, "a=c d,com.example.flag=");
  static const struct
  {
    const char *in, *msg;
  } bad[] = {
    { "=x", "invalid label '=x': empty name" },
    { "  =x", "invalid label '  =x': empty name" },
    { "a b=x", "label 'a b' contains whitespaces" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      _cleanup_err_ struct sv_err *err = NULL;
      expect_error (sv_parse_label (bad[i].in, &labels, &err), &err, bad[i].in, bad[i].msg);
    }
}

static void
test_restart (void **state)
{
  static const struct
  {
    const char *in;
    enum sv_restart_mode mode;
    int retries;
  } ok[] = {
    { "no", SV_RESTART_NO, 0 },
    { "", SV_RESTART_NO, 0 },
    { "always", SV_RESTART_ALWAYS, 0 },
    { "unless-stopped", SV_RESTART_UNLESS_STOPPED, 0 },
    { "on-failure", SV_RESTART_ON_FAILURE, 0 },
    { "on-failure:5", SV_RESTART_ON_FAILURE, 5 },
    { "always:0", SV_RESTART_ALWAYS, 0 },
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    {
      struct sv_restart_policy p;
      _cleanup_err_ struct sv_err *err = NULL;
      if (sv_parse_restart (ok[i].in, &p, &err) < 0)
        fail_msg ("%s: %s", ok[i].in, err->msg);
      assert_int_equal (p.mode, ok[i].mode);
      assert_int_equal (p.max_retries, ok[i].retries);
    }
  assert_string_equal (sv_restart_mode_name (SV_RESTART_UNLESS_STOPPED), "unless-stopped");
  static const struct
  {
    const char *in, *msg;
  } bad[] = {
    { "sometimes", "invalid restart policy: unknown policy 'sometimes'; use one of 'no', "
                   "'always', 'on-failure', or 'unless-stopped'" },
    { ":3", "invalid restart policy format: no policy provided before colon" },
    { "on-failure:x", "invalid restart policy format: maximum retry count must be an integer" },
    { "on-failure:-1", "invalid restart policy: maximum retry count cannot be negative" },
    { "always:3", "invalid restart policy: maximum retry count can only be used with "
                  "'on-failure'" },
    { "no:-1", "can only be used with 'on-failure' and cannot be negative" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      struct sv_restart_policy p;
      _cleanup_err_ struct sv_err *err = NULL;
      expect_error (sv_parse_restart (bad[i].in, &p, &err), &err, bad[i].in, bad[i].msg);
    }
}

static void
test_publish (void **state)
{
  static const struct
  {
    const char *in;
    size_t n;
    const char *ip;
    uint16_t host, host_end, ctr;
    const char *proto;
  } ok[] = {
    { "80", 1, NULL, 0, 0, 80, "tcp" },
    { "8080:80", 1, NULL, 8080, 8080, 80, "tcp" },
    { "127.0.0.1:8080:80/udp", 1, "127.0.0.1", 8080, 8080, 80, "udp" },
    { "127.0.0.1::80", 1, "127.0.0.1", 0, 0, 80, "tcp" },
    { "[::1]:8080:80", 1, "::1", 8080, 8080, 80, "tcp" },
    { "::1:8080:80", 1, "::1", 8080, 8080, 80, "tcp" },
    { "80/SCTP", 1, NULL, 0, 0, 80, "sctp" },
    { "8000-8010:80", 1, NULL, 8000, 8010, 80, "tcp" },
    { "8000-8002:80-82", 3, NULL, 8000, 8000, 80, "tcp" },
    { "80-82", 3, NULL, 0, 0, 80, "tcp" },
    { "80/", 1, NULL, 0, 0, 80, "tcp" },
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    {
      struct sv_port_mapping *v = NULL;
      size_t n = 0;
      _cleanup_err_ struct sv_err *err = NULL;
      if (sv_parse_publish (ok[i].in, &v, &n, &err) < 0)
        fail_msg ("%s: %s", ok[i].in, err->msg);
      assert_int_equal (n, ok[i].n);
      if (ok[i].ip)
        assert_string_equal (v[0].host_ip, ok[i].ip);
      else
        assert_null (v[0].host_ip);
      assert_int_equal (v[0].host_port, ok[i].host);
      assert_int_equal (v[0].host_port_end, ok[i].host_end);
      assert_int_equal (v[0].container_port, ok[i].ctr);
      assert_string_equal (v[0].proto, ok[i].proto);
      sv_port_mappings_free (v, n);
    }
  /* A range maps port by port, appended to what was there. */
  struct sv_port_mapping *v = NULL;
  size_t n = 0;
  assert_int_equal (sv_parse_publish ("53:53/udp", &v, &n, NULL), 0);
  assert_int_equal (sv_parse_publish ("8000-8002:80-82", &v, &n, NULL), 0);
  assert_int_equal (n, 4);
  assert_int_equal (v[3].host_port, 8002);
  assert_int_equal (v[3].host_port_end, 8002);
  assert_int_equal (v[3].container_port, 82);
  sv_port_mappings_free (v, n);

  static const struct
  {
    const char *in, *msg;
  } bad[] = {
    { "", "no port specified: <empty>" },
    { "8080:", "no port specified: 8080:<empty>" },
    { "x", "invalid containerPort: x" },
    { "70000", "invalid containerPort: 70000" },
    { "y:80", "invalid hostPort: y" },
    { "90-80", "invalid containerPort: 90-80" },
    { "8000-8001:80-82", "invalid ranges specified for container and host Ports: 80-82 and "
                         "8000-8001" },
    { "80/icmp", "invalid proto: icmp" },
    { "300.1.1.1:80:80", "invalid IP address: 300.1.1.1" },
    { "[::1:80:80", "invalid IP address" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      struct sv_port_mapping *vv = NULL;
      size_t nn = 0;
      _cleanup_err_ struct sv_err *err = NULL;
      expect_error (sv_parse_publish (bad[i].in, &vv, &nn, &err), &err, bad[i].in, bad[i].msg);
      assert_int_equal (nn, 0);
    }
}

static void
test_expose (void **state)
{
  _cleanup_free_ struct sv_port *v = NULL;
  size_t n = 0;
  assert_int_equal (sv_parse_expose ("80", &v, &n, NULL), 0);
  assert_int_equal (sv_parse_expose ("53/udp", &v, &n, NULL), 0);
  assert_int_equal (sv_parse_expose ("8000-8002/tcp", &v, &n, NULL), 0);
  assert_int_equal (n, 5);
  assert_int_equal (v[0].port, 80);
  assert_string_equal (v[0].proto, "tcp");
  assert_int_equal (v[1].port, 53);
  assert_string_equal (v[1].proto, "udp");
  assert_int_equal (v[4].port, 8002);
  static const struct
  {
    const char *in, *msg;
  } bad[] = {
    { "80:80", "invalid port format for --expose: 80:80" },
    { "x", "invalid range format for --expose: x, error: invalid syntax" },
    { "90-80", "invalid range format for --expose: 90-80, error: invalid range specified" },
    { "80/gre", "invalid proto: gre" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      _cleanup_err_ struct sv_err *err = NULL;
      expect_error (sv_parse_expose (bad[i].in, &v, &n, &err), &err, bad[i].in, bad[i].msg);
      assert_int_equal (n, 5);
    }
}

static void
test_signal_and_timeout (void **state)
{
  static const struct
  {
    const char *in;
    int want;
  } ok[] = { { "9", 9 },
             { "KILL", SIGKILL },
             { "SIGKILL", SIGKILL },
             { "sigterm", SIGTERM },
             { "RTMIN+3", 0 /* checked below */ } };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    {
      int sig;
      _cleanup_err_ struct sv_err *err = NULL;
      if (sv_parse_signal (ok[i].in, &sig, &err) < 0)
        fail_msg ("%s: %s", ok[i].in, err->msg);
      assert_int_equal (sig, ok[i].want ? ok[i].want : SIGRTMIN + 3);
    }
  static const char *bad[] = { "0", "", "NOPE", "SIG", "-9", "9x" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      int sig;
      _cleanup_err_ struct sv_err *err = NULL;
      char want[32];
      snprintf (want, sizeof want, "Invalid signal: %s", bad[i]);
      expect_error (sv_parse_signal (bad[i], &sig, &err), &err, bad[i], want);
    }
  int t;
  assert_int_equal (sv_parse_timeout ("10", &t, NULL), 0);
  assert_int_equal (t, 10);
  assert_int_equal (sv_parse_timeout ("-1", &t, NULL), 0);
  assert_int_equal (t, -1);
  static const char *bad_t[] = { "", "1.5", "10s", "x", "99999999999" };
  for (size_t i = 0; i < sizeof bad_t / sizeof bad_t[0]; i++)
    {
      _cleanup_err_ struct sv_err *err = NULL;
      expect_error (sv_parse_timeout (bad_t[i], &t, &err), &err, bad_t[i], "invalid syntax");
    }
}

static void
test_security_opt (void **state)
{
  struct sv_security_opts o = { 0 };
  assert_int_equal (sv_parse_security_opt ("no-new-privileges", &o, NULL), 0);
  assert_true (o.no_new_privileges);
  assert_int_equal (sv_parse_security_opt ("no-new-privileges=false", &o, NULL), 0);
  assert_false (o.no_new_privileges);
  assert_int_equal (sv_parse_security_opt ("no-new-privileges:true", &o, NULL), 0);
  assert_true (o.no_new_privileges);
  assert_int_equal (sv_parse_security_opt ("seccomp=unconfined", &o, NULL), 0);
  assert_int_equal (o.seccomp, SV_SECCOMP_UNCONFINED);
  assert_int_equal (sv_parse_security_opt ("seccomp=/etc/profile.json", &o, NULL), 0);
  assert_int_equal (o.seccomp, SV_SECCOMP_FILE);
  assert_string_equal (o.seccomp_file, "/etc/profile.json");
  assert_int_equal (sv_parse_security_opt ("seccomp=builtin", &o, NULL), 0);
  assert_int_equal (o.seccomp, SV_SECCOMP_DEFAULT);
  assert_null (o.seccomp_file);
  assert_int_equal (sv_parse_security_opt ("label=disable", &o, NULL), 0);
  assert_int_equal (sv_parse_security_opt ("label:disable", &o, NULL), 0);
  assert_int_equal (sv_parse_security_opt ("apparmor=unconfined", &o, NULL), 0);
  assert_int_equal (sv_parse_security_opt ("systempaths=unconfined", &o, NULL), 0);
  assert_true (o.systempaths_unconfined);
  sv_security_opts_clear (&o);

  static const struct
  {
    const char *in, *msg;
  } bad[] = {
    { "bogus", "invalid --security-opt 1: \"bogus\"" },
    { "foo=bar", "invalid --security-opt 2: \"foo=bar\"" },
    { "no-new-privileges=maybe", "invalid --security-opt 2: \"no-new-privileges=maybe\"" },
    { "label=user:USER", "SELinux labels are not supported" },
    { "label=level:s0:c100,c200", "SELinux labels are not supported" },
    { "apparmor=docker-default", "AppArmor profiles are not supported" },
    { "systempaths=confined", "invalid --security-opt 2" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      _cleanup_err_ struct sv_err *err = NULL;
      expect_error (sv_parse_security_opt (bad[i].in, &o, &err), &err, bad[i].in, bad[i].msg);
    }
  sv_security_opts_clear (&o);
}

static void
test_pull_and_network (void **state)
{
  enum sv_pull_policy p;
  assert_int_equal (sv_parse_pull ("missing", &p, NULL), 0);
  assert_int_equal (p, SV_PULL_MISSING);
  assert_int_equal (sv_parse_pull ("always", &p, NULL), 0);
  assert_int_equal (p, SV_PULL_ALWAYS);
  assert_int_equal (sv_parse_pull ("never", &p, NULL), 0);
  assert_int_equal (p, SV_PULL_NEVER);
  _cleanup_err_ struct sv_err *err = NULL;
  expect_error (sv_parse_pull ("sometimes", &p, &err), &err, "sometimes",
                "invalid pull option: 'sometimes': must be one of \"always\", \"missing\" or "
                "\"never\"");

  static const struct
  {
    const char *in;
    enum sv_network_mode mode;
    const char *name;
  } ok[] = {
    { "none", SV_NET_NONE, NULL },      { "host", SV_NET_HOST, NULL },
    { "bridge", SV_NET_BRIDGE, NULL },  { "default", SV_NET_BRIDGE, NULL },
    { "", SV_NET_BRIDGE, NULL },        { "container:web", SV_NET_CONTAINER, "web" },
    { "mynet", SV_NET_NAMED, "mynet" },
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    {
      struct sv_network n;
      assert_int_equal (sv_parse_network (ok[i].in, &n, NULL), 0);
      assert_int_equal (n.mode, ok[i].mode);
      if (ok[i].name)
        assert_string_equal (n.name, ok[i].name);
      else
        assert_null (n.name);
      sv_network_clear (&n);
    }
  struct sv_network n;
  sv_err_free (&err);
  expect_error (sv_parse_network ("container:", &n, &err), &err,
                "container:", "invalid container format container:<name|id>");
  sv_err_free (&err);
  expect_error (sv_parse_network ("ns:/proc/1/ns/net", &n, &err), &err,
                "ns:", "invalid network mode: ns:/proc/1/ns/net");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_size),
    cmocka_unit_test (test_cpus),
    cmocka_unit_test (test_cpu_shares_and_cpuset),
    cmocka_unit_test (test_ulimit),
    cmocka_unit_test (test_volume),
    cmocka_unit_test (test_mount),
    cmocka_unit_test (test_tmpfs),
    cmocka_unit_test (test_env),
    cmocka_unit_test (test_env_file),
    cmocka_unit_test (test_labels),
    cmocka_unit_test (test_restart),
    cmocka_unit_test (test_publish),
    cmocka_unit_test (test_expose),
    cmocka_unit_test (test_signal_and_timeout),
    cmocka_unit_test (test_security_opt),
    cmocka_unit_test (test_pull_and_network),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}

/* Unit tests for image/whiteout.c: classifying OCI whiteout names, their
 * overlay form (0:0 char device, opaque xattr) and its reverse, the copy
 * form (delete, empty an opaque directory but for what the layer wrote),
 * and the set of written paths that decides what an opaque directory keeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/whiteout.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

struct box
{
  char base[64];
  int fd; /* O_RDONLY on base */
};

static int
box_setup (void **state)
{
  struct box *b = xmalloc0 (sizeof *b);
  strcpy (b->base, "/tmp/sv-whiteout-XXXXXX");
  assert_non_null (mkdtemp (b->base));
  b->fd = open (b->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true (b->fd >= 0);
  *state = b;
  return 0;
}

static int
box_teardown (void **state)
{
  struct box *b = *state;
  close (b->fd);
  assert_int_equal (sv_rm_rf_at (AT_FDCWD, b->base, NULL), 0);
  free (b);
  return 0;
}

static void
touch (int dfd, const char *path)
{
  assert_int_equal (sv_write_file_at (dfd, path, "x", 1, 0644, NULL), 0);
}

static bool
exists (int dfd, const char *path)
{
  return faccessat (dfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static void
test_parse (void **state)
{
  const char *t = NULL;
  assert_int_equal (sv_whiteout_parse ("file", &t, NULL), SV_WHITEOUT_NONE);
  assert_int_equal (sv_whiteout_parse (".whx", &t, NULL), SV_WHITEOUT_NONE);
  assert_int_equal (sv_whiteout_parse ("", &t, NULL), SV_WHITEOUT_NONE);
  assert_null (t);
  assert_int_equal (sv_whiteout_parse (".wh.f1", &t, NULL), SV_WHITEOUT_FILE);
  assert_string_equal (t, "f1");
  assert_int_equal (sv_whiteout_parse (".wh..hidden", &t, NULL), SV_WHITEOUT_FILE);
  assert_string_equal (t, ".hidden");
  assert_int_equal (sv_whiteout_parse (".wh..wh..opq", NULL, NULL), SV_WHITEOUT_OPAQUE_DIR);
  assert_int_equal (sv_whiteout_parse (".wh..wh.plnk", NULL, NULL), SV_WHITEOUT_META);
  assert_int_equal (sv_whiteout_parse (".wh..wh.aufs", NULL, NULL), SV_WHITEOUT_META);
  const char *bad[] = { ".wh.", ".wh..", ".wh..." };
  for (size_t i = 0; i < 3; i++)
    {
      _cleanup_err_ struct sv_err *err = NULL;
      assert_true (sv_whiteout_parse (bad[i], &t, &err) < 0);
      assert_int_equal (err->code, EINVAL);
      assert_non_null (strstr (err->msg, bad[i]));
    }
}

/* The whiteout replaces a file, a directory tree and a symlink alike. */
static void
test_overlay_file (void **state)
{
  struct box *b = *state;
  if (geteuid () != 0)
    {
      print_message ("SKIP: mknod of a whiteout device needs root here\n");
      skip ();
    }
  touch (b->fd, "f");
  assert_int_equal (sv_mkdir_p_at (b->fd, "d/sub", 0755, NULL), 0);
  touch (b->fd, "d/sub/x");
  assert_int_equal (symlinkat ("/etc", b->fd, "l"), 0);
  const char *names[] = { "f", "d", "l", "missing" };
  for (size_t i = 0; i < 4; i++)
    {
      assert_int_equal (sv_whiteout_overlay_file (b->fd, names[i], 12, 34, NULL), 0);
      struct stat st;
      assert_int_equal (fstatat (b->fd, names[i], &st, AT_SYMLINK_NOFOLLOW), 0);
      assert_true (S_ISCHR (st.st_mode));
      assert_int_equal (st.st_rdev, makedev (0, 0));
      assert_int_equal (st.st_uid, 12);
      assert_int_equal (st.st_gid, 34);
      _cleanup_free_ char *oci = NULL;
      assert_int_equal (sv_whiteout_to_oci (b->fd, names[i], 0, &oci, NULL), SV_WHITEOUT_FILE);
      _cleanup_free_ char *want = xasprintf (".wh.%s", names[i]);
      assert_string_equal (oci, want);
    }
  assert_true (exists (AT_FDCWD, "/etc/passwd"));
}

static void
check_opaque (struct box *b, unsigned flags, const char *xattr)
{
  assert_int_equal (mkdirat (b->fd, "o", 0755), 0);
  _cleanup_close_ int o = openat (b->fd, "o", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_int_equal (sv_whiteout_overlay_opaque (o, flags, NULL), 0);
  char v[4] = "";
  assert_int_equal (fgetxattr (o, xattr, v, sizeof v), 1);
  assert_int_equal (v[0], 'y');
  _cleanup_free_ char *oci = NULL;
  assert_int_equal (sv_whiteout_to_oci (b->fd, "o", flags, &oci, NULL), SV_WHITEOUT_OPAQUE_DIR);
  assert_string_equal (oci, "o/.wh..wh..opq");
}

static void
test_overlay_opaque_trusted (void **state)
{
  if (geteuid () != 0)
    {
      print_message ("SKIP: trusted.* xattrs need CAP_SYS_ADMIN\n");
      skip ();
    }
  check_opaque (*state, 0, "trusted.overlay.opaque");
}

static void
test_overlay_opaque_user (void **state)
{
  check_opaque (*state, SV_WHITEOUT_USERXATTR, "user.overlay.opaque");
}

/* Ordinary files, directories, other devices and links are no whiteouts. */
static void
test_to_oci_none (void **state)
{
  struct box *b = *state;
  touch (b->fd, "f");
  assert_int_equal (mkdirat (b->fd, "d", 0755), 0);
  assert_int_equal (symlinkat ("f", b->fd, "l"), 0);
  assert_int_equal (mkfifoat (b->fd, "p", 0644), 0);
  const char *names[] = { "f", "d", "l", "p" };
  for (size_t i = 0; i < 4; i++)
    {
      char *oci = NULL;
      assert_int_equal (sv_whiteout_to_oci (b->fd, names[i], 0, &oci, NULL), SV_WHITEOUT_NONE);
      assert_null (oci);
    }
  if (geteuid () == 0)
    {
      assert_int_equal (mknodat (b->fd, "null", S_IFCHR | 0666, makedev (1, 3)), 0);
      char *oci = NULL;
      assert_int_equal (sv_whiteout_to_oci (b->fd, "null", 0, &oci, NULL), SV_WHITEOUT_NONE);
    }
  _cleanup_err_ struct sv_err *err = NULL;
  char *oci = NULL;
  assert_true (sv_whiteout_to_oci (b->fd, "missing", 0, &oci, &err) < 0);
  assert_int_equal (err->code, ENOENT);
}

/* Copy form: a file, a tree, a symlink (not its target), a missing name. */
static void
test_copy_file (void **state)
{
  struct box *b = *state;
  touch (b->fd, "f");
  assert_int_equal (sv_mkdir_p_at (b->fd, "d/sub", 0755, NULL), 0);
  touch (b->fd, "d/sub/x");
  assert_int_equal (sv_mkdir_p_at (b->fd, "keep", 0755, NULL), 0);
  touch (b->fd, "keep/y");
  _cleanup_free_ char *target = xasprintf ("%s/keep", b->base);
  assert_int_equal (symlinkat (target, b->fd, "l"), 0);
  const char *names[] = { "f", "d", "l", "missing" };
  for (size_t i = 0; i < 4; i++)
    {
      assert_int_equal (sv_whiteout_copy_file (b->fd, names[i], NULL), 0);
      assert_false (exists (b->fd, names[i]));
    }
  assert_true (exists (b->fd, "keep/y"));
}

static bool
keep_new (const char *name, void *data)
{
  return strncmp (name, "new", 3) == 0;
}

static void
test_copy_opaque (void **state)
{
  struct box *b = *state;
  assert_int_equal (sv_mkdir_p_at (b->fd, "o/lowerdir/deep", 0755, NULL), 0);
  touch (b->fd, "o/lower");
  touch (b->fd, "o/new1");
  assert_int_equal (sv_mkdir_p_at (b->fd, "o/newdir", 0755, NULL), 0);
  touch (b->fd, "o/newdir/z");
  assert_int_equal (symlinkat (b->base, b->fd, "o/lowerlink"), 0);
  _cleanup_close_ int o = openat (b->fd, "o", O_PATH | O_DIRECTORY | O_CLOEXEC);
  assert_int_equal (sv_whiteout_copy_opaque (o, keep_new, NULL, NULL), 0);
  assert_false (exists (b->fd, "o/lowerdir"));
  assert_false (exists (b->fd, "o/lower"));
  assert_false (exists (b->fd, "o/lowerlink"));
  assert_true (exists (b->fd, "o/new1"));
  assert_true (exists (b->fd, "o/newdir/z"));
  assert_true (exists (b->fd, "o")); /* the directory itself stays */
  assert_int_equal (sv_whiteout_copy_opaque (o, NULL, NULL, NULL), 0);
  assert_false (exists (b->fd, "o/new1"));
  assert_false (exists (b->fd, "o/newdir"));
}

static void
test_seen (void **state)
{
  struct sv_whiteout_seen *s = sv_whiteout_seen_new ();
  sv_whiteout_seen_add (s, "a/b/c");
  assert_true (sv_whiteout_seen_has (s, "a", 1));
  assert_true (sv_whiteout_seen_has (s, "a/b", 3));
  assert_true (sv_whiteout_seen_has (s, "a/b/c", 5));
  assert_true (sv_whiteout_seen_has (s, "a/bxyz", 3)); /* LEN bytes only */
  assert_false (sv_whiteout_seen_has (s, "a/bc", 4));
  assert_false (sv_whiteout_seen_has (s, "b", 1));
  /* Enough paths to grow the table several times. */
  for (int i = 0; i < 5000; i++)
    {
      char p[32];
      snprintf (p, sizeof p, "dir%d/file%d", i % 17, i);
      sv_whiteout_seen_add (s, p);
    }
  for (int i = 0; i < 5000; i++)
    {
      char p[32];
      int n = snprintf (p, sizeof p, "dir%d/file%d", i % 17, i);
      assert_true (sv_whiteout_seen_has (s, p, (size_t)n));
    }
  assert_true (sv_whiteout_seen_has (s, "dir16", 5));
  assert_false (sv_whiteout_seen_has (s, "dir17", 5));
  assert_false (sv_whiteout_seen_has (s, "dir1/file2", 10));
  assert_true (sv_whiteout_seen_has (s, "a/b/c", 5));
  sv_whiteout_seen_free (&s);
  assert_null (s);
  sv_whiteout_seen_free (&s);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown (f, box_setup, box_teardown)
    cmocka_unit_test (test_parse), T (test_overlay_file),        T (test_overlay_opaque_trusted),
    T (test_overlay_opaque_user),  T (test_to_oci_none),         T (test_copy_file),
    T (test_copy_opaque),          cmocka_unit_test (test_seen),
#undef T
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}

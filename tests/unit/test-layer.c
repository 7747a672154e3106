/* Unit tests for image/layer.c: layers built in memory with libarchive's
 * writer are unpacked into a fresh directory, and the resulting tree is
 * compared with what it must be, entry by entry.  Hostile layers must be
 * refused with an error naming the entry, or contained under the
 * destination; a sentinel directory beside the destination proves that
 * nothing was written outside.  Three layers with whiteouts are unpacked
 * for overlayfs and mounted, and applied in copy mode, with the same view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/layer.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define TAR_CAP (8 * 1024 * 1024)
#define MTIME 1500000000

/* ---- building layers ---- */

struct tar
{
  struct archive *a;
  char *buf;
  size_t used;
};

/* FILTER is ARCHIVE_FILTER_NONE, _GZIP or _ZSTD; returns false when this
 * libarchive cannot write it. */
static bool
tar_open (struct tar *t, int filter)
{
  t->buf = xmalloc (TAR_CAP);
  t->used = 0;
  t->a = archive_write_new ();
  assert_non_null (t->a);
  assert_int_equal (archive_write_set_format_pax_restricted (t->a), ARCHIVE_OK);
  int r = ARCHIVE_OK;
  if (filter == ARCHIVE_FILTER_GZIP)
    r = archive_write_add_filter_gzip (t->a);
  else if (filter == ARCHIVE_FILTER_ZSTD)
    r = archive_write_add_filter_zstd (t->a);
  if (r != ARCHIVE_OK)
    {
      archive_write_free (t->a);
      free (t->buf);
      return false;
    }
  assert_int_equal (archive_write_set_bytes_in_last_block (t->a, 1), ARCHIVE_OK);
  assert_int_equal (archive_write_open_memory (t->a, t->buf, TAR_CAP, &t->used), ARCHIVE_OK);
  return true;
}

static struct archive_entry *
entry_new (const char *path, mode_t mode)
{
  struct archive_entry *e = archive_entry_new ();
  archive_entry_set_pathname (e, path);
  archive_entry_set_mode (e, mode);
  archive_entry_set_mtime (e, MTIME, 0);
  archive_entry_set_uid (e, 0);
  archive_entry_set_gid (e, 0);
  return e;
}

static void
tar_write (struct tar *t, struct archive_entry *e, const char *data, size_t len)
{
  assert_int_equal (archive_write_header (t->a, e), ARCHIVE_OK);
  if (len > 0)
    assert_int_equal (archive_write_data (t->a, data, len), (ssize_t)len);
  archive_entry_free (e);
}

static void
add_dir (struct tar *t, const char *path, mode_t perm)
{
  tar_write (t, entry_new (path, S_IFDIR | perm), NULL, 0);
}

static void
add_file (struct tar *t, const char *path, mode_t perm, const char *data)
{
  struct archive_entry *e = entry_new (path, S_IFREG | perm);
  archive_entry_set_size (e, (la_int64_t)strlen (data));
  tar_write (t, e, data, strlen (data));
}

static void
add_symlink (struct tar *t, const char *path, const char *target)
{
  struct archive_entry *e = entry_new (path, S_IFLNK | 0777);
  archive_entry_set_symlink (e, target);
  tar_write (t, e, NULL, 0);
}

static void
add_hardlink (struct tar *t, const char *path, const char *target)
{
  struct archive_entry *e = entry_new (path, S_IFREG | 0644);
  archive_entry_set_hardlink (e, target);
  archive_entry_set_size (e, 0);
  tar_write (t, e, NULL, 0);
}

static void
add_node (struct tar *t, const char *path, mode_t mode, unsigned maj, unsigned min)
{
  struct archive_entry *e = entry_new (path, mode);
  archive_entry_set_rdevmajor (e, maj);
  archive_entry_set_rdevminor (e, min);
  tar_write (t, e, NULL, 0);
}

/* Finish the archive; returns a memfd holding it, at offset 0. */
static int
tar_fd (const char *buf, size_t len)
{
  int fd = memfd_create ("layer", MFD_CLOEXEC);
  assert_true (fd >= 0);
  assert_int_equal (write (fd, buf, len), (ssize_t)len);
  assert_int_equal (lseek (fd, 0, SEEK_SET), 0);
  return fd;
}

static int
tar_close (struct tar *t)
{
  assert_int_equal (archive_write_close (t->a), ARCHIVE_OK);
  archive_write_free (t->a);
  int fd = tar_fd (t->buf, t->used);
  free (t->buf);
  return fd;
}

/* ---- the sandbox: BASE/dest is unpacked into, BASE/outside must stay empty ---- */

struct box
{
  char base[64];
  char dest[96];
  char outside[96];
  int destfd;
};

static int
box_setup (void **state)
{
  struct box *b = xmalloc0 (sizeof *b);
  strcpy (b->base, "/tmp/sv-layer-XXXXXX");
  assert_non_null (mkdtemp (b->base));
  snprintf (b->dest, sizeof b->dest, "%s/dest", b->base);
  snprintf (b->outside, sizeof b->outside, "%s/outside", b->base);
  assert_int_equal (mkdir (b->dest, 0755), 0);
  assert_int_equal (mkdir (b->outside, 0755), 0);
  b->destfd = open (b->dest, O_PATH | O_DIRECTORY | O_CLOEXEC);
  assert_true (b->destfd >= 0);
  *state = b;
  return 0;
}

static int
box_teardown (void **state)
{
  struct box *b = *state;
  close (b->destfd);
  assert_int_equal (sv_rm_rf_at (AT_FDCWD, b->base, NULL), 0);
  free (b);
  return 0;
}

static void
assert_outside_untouched (const struct box *b)
{
  _cleanup_closedir_ DIR *d = opendir (b->outside);
  assert_non_null (d);
  struct dirent *de;
  while ((de = readdir (d)))
    if (strcmp (de->d_name, ".") && strcmp (de->d_name, ".."))
      fail_msg ("`%s/%s` was written outside the destination", b->outside, de->d_name);
}

/* ---- describing a tree ---- */

struct lines
{
  char **v;
  size_t n;
};

static void
walk (int dfd, const char *prefix, struct lines *l)
{
  int fd = openat (dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true (fd >= 0);
  DIR *d = fdopendir (fd);
  assert_non_null (d);
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (!strcmp (de->d_name, ".") || !strcmp (de->d_name, ".."))
        continue;
      _cleanup_free_ char *p
          = *prefix ? xasprintf ("%s/%s", prefix, de->d_name) : xstrdup (de->d_name);
      struct stat st;
      assert_int_equal (fstatat (fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW), 0);
      char *line;
      if (S_ISLNK (st.st_mode))
        {
          char t[4096] = "";
          assert_true (readlinkat (fd, de->d_name, t, sizeof t - 1) > 0);
          line = xasprintf ("l %s -> %s", p, t);
        }
      else if (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode))
        line = xasprintf ("%c %s %u:%u", S_ISCHR (st.st_mode) ? 'c' : 'b', p, major (st.st_rdev),
                          minor (st.st_rdev));
      else
        line = xasprintf ("%c %s",
                          S_ISDIR (st.st_mode)    ? 'd'
                          : S_ISFIFO (st.st_mode) ? 'p'
                                                  : 'f',
                          p);
      l->v = xreallocarray (l->v, l->n + 1, sizeof *l->v);
      l->v[l->n++] = line;
      if (S_ISDIR (st.st_mode))
        {
          _cleanup_close_ int sub = openat (fd, de->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
          walk (sub, p, l);
        }
    }
  closedir (d);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* The tree under DFD, one sorted line per entry, joined with '\n'. */
static char *
tree (int dfd)
{
  struct lines l = { NULL, 0 };
  walk (dfd, "", &l);
  if (l.n > 0)
    qsort (l.v, l.n, sizeof *l.v, cmp_str);
  char *s = xstrdup ("");
  for (size_t i = 0; i < l.n; i++)
    {
      char *n = xasprintf ("%s%s%s", s, i ? "\n" : "", l.v[i]);
      free (s);
      free (l.v[i]);
      s = n;
    }
  free (l.v);
  return s;
}

static void
assert_tree (int dfd, const char *expected)
{
  _cleanup_free_ char *got = tree (dfd);
  if (strcmp (got, expected) != 0)
    fail_msg ("tree differs:\n--- got\n%s\n--- expected\n%s", got, expected);
}

static char *
read_at (int dfd, const char *path)
{
  char *s = NULL;
  assert_int_equal (sv_read_file_at (dfd, path, &s, NULL, NULL), 0);
  return s;
}

static void
sha256_hex (const void *data, size_t len, char out[SV_LAYER_DIFF_ID_LEN])
{
  unsigned char md[32];
  unsigned int n = 0;
  assert_int_equal (EVP_Digest (data, len, md, &n, EVP_sha256 (), NULL), 1);
  int off = snprintf (out, SV_LAYER_DIFF_ID_LEN, "sha256:");
  for (unsigned i = 0; i < n; i++)
    off += snprintf (out + off, SV_LAYER_DIFF_ID_LEN - (size_t)off, "%02x", md[i]);
}

/* Unpack FD (closed here) into B with O; returns the result, the error in *ERR. */
static int
unpack (struct box *b, int fd, const struct sv_layer_opts *o, struct sv_layer_stats *st,
        struct sv_err **err)
{
  int ret = sv_layer_unpack (fd, b->destfd, o, st, err);
  close (fd);
  return ret;
}

/* Expect refusal with ERRNO_ and a message containing every NEEDLE. */
static void
assert_refused (struct box *b, int fd, const struct sv_layer_opts *o, int errno_,
                const char *needle1, const char *needle2)
{
  _cleanup_err_ struct sv_err *err = NULL;
  int ret = unpack (b, fd, o, NULL, &err);
  assert_true (ret < 0);
  assert_non_null (err);
  print_message ("refused as expected: %s\n", err->msg);
  assert_int_equal (err->code, errno_);
  assert_non_null (strstr (err->msg, needle1));
  if (needle2)
    assert_non_null (strstr (err->msg, needle2));
  assert_outside_untouched (b);
}

/* ---- a normal tree ---- */

static const char normal_tree[] = "d d\n"
                                  "d d/sub\n"
                                  "f d/f\n"
                                  "f d/h\n"
                                  "f d/sub/x\n"
                                  "l d/l -> f\n"
                                  "p d/p";

static void
write_normal (struct tar *t)
{
  add_dir (t, "d/", 0750);
  add_file (t, "d/f", 0640, "hello\n");
  add_symlink (t, "d/l", "f");
  add_hardlink (t, "d/h", "d/f");
  add_node (t, "d/p", S_IFIFO | 0600, 0, 0);
  add_dir (t, "d/sub", 0500);
  struct archive_entry *e = entry_new ("d/sub/x", S_IFREG | 04755);
  archive_entry_set_uid (e, 1000);
  archive_entry_set_gid (e, 2000);
  archive_entry_set_mtime (e, MTIME + 7, 123456789);
  archive_entry_xattr_add_entry (e, "user.servin", "v", 1);
  archive_entry_xattr_add_entry (e, "security.selinux", "x", 1);
  archive_entry_set_size (e, 3);
  tar_write (t, e, "xyz", 3);
}

static void
check_normal (struct box *b, const struct sv_layer_stats *st)
{
  assert_tree (b->destfd, normal_tree);
  _cleanup_free_ char *f = read_at (b->destfd, "d/f");
  assert_string_equal (f, "hello\n");
  struct stat s1, s2;
  assert_int_equal (fstatat (b->destfd, "d/f", &s1, 0), 0);
  assert_int_equal (fstatat (b->destfd, "d/h", &s2, 0), 0);
  assert_int_equal (s1.st_ino, s2.st_ino);
  assert_int_equal (s1.st_mode & 07777, 0640);
  assert_int_equal (s1.st_mtim.tv_sec, MTIME);
  assert_int_equal (fstatat (b->destfd, "d/sub/x", &s1, 0), 0);
  assert_int_equal (s1.st_mode & 07777, 04755);
  assert_int_equal (s1.st_uid, 1000);
  assert_int_equal (s1.st_gid, 2000);
  assert_int_equal (s1.st_mtim.tv_sec, MTIME + 7);
  assert_int_equal (s1.st_mtim.tv_nsec, 123456789);
  /* Directories get their mode and time after their content is written. */
  assert_int_equal (fstatat (b->destfd, "d", &s1, 0), 0);
  assert_int_equal (s1.st_mode & 07777, 0750);
  assert_int_equal (s1.st_mtim.tv_sec, MTIME);
  assert_int_equal (fstatat (b->destfd, "d/sub", &s1, 0), 0);
  assert_int_equal (s1.st_mode & 07777, 0500);
  assert_int_equal (s1.st_mtim.tv_sec, MTIME);
  assert_int_equal (st->entries, 7);
  assert_int_equal (st->files, 2);
  assert_int_equal (st->dirs, 2);
  assert_int_equal (st->symlinks, 1);
  assert_int_equal (st->hardlinks, 1);
  assert_int_equal (st->bytes, 9);
  assert_outside_untouched (b);
}

static void
test_normal_tree (void **state)
{
  struct box *b = *state;
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  write_normal (&t);
  assert_int_equal (archive_write_close (t.a), ARCHIVE_OK);
  char want[SV_LAYER_DIFF_ID_LEN], got[SV_LAYER_DIFF_ID_LEN] = "";
  sha256_hex (t.buf, t.used, want);
  int fd = tar_close (&t);
  struct sv_layer_opts o = { .xattrs = SV_LAYER_XATTR_USER, .diff_id_out = got };
  struct sv_layer_stats st;
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (unpack (b, fd, &o, &st, &err), 0);
  check_normal (b, &st);
  assert_string_equal (got, want);
  char v[8] = "";
  _cleanup_free_ char *x = xasprintf ("%s/d/sub/x", b->dest);
  assert_int_equal (getxattr (x, "user.servin", v, sizeof v), 1);
  assert_int_equal (v[0], 'v');
  assert_int_equal (getxattr (x, "security.selinux", v, sizeof v), -1);
}

/* The same tree compressed with FILTER: detected, and the diff_id is the
 * hash of the uncompressed stream. */
static void
check_compressed (struct box *b, int filter, enum sv_layer_compression c, const char *name)
{
  struct tar plain, t;
  if (!tar_open (&t, filter))
    {
      print_message ("SKIP: this libarchive cannot write %s\n", name);
      skip ();
    }
  assert_true (tar_open (&plain, ARCHIVE_FILTER_NONE));
  write_normal (&plain);
  write_normal (&t);
  assert_int_equal (archive_write_close (plain.a), ARCHIVE_OK);
  char want[SV_LAYER_DIFF_ID_LEN], got[SV_LAYER_DIFF_ID_LEN] = "";
  sha256_hex (plain.buf, plain.used, want);
  close (tar_close (&plain));
  assert_int_equal (archive_write_close (t.a), ARCHIVE_OK);
  int fd_auto = tar_fd (t.buf, t.used), fd_named = tar_fd (t.buf, t.used);
  close (tar_close (&t));
  struct sv_layer_opts o = { .diff_id_out = got };
  struct sv_layer_stats st;
  assert_int_equal (unpack (b, fd_auto, &o, &st, NULL), 0);
  check_normal (b, &st);
  assert_string_equal (got, want);
  /* Named explicitly, on a fresh tree. */
  assert_int_equal (sv_rm_rf_at (AT_FDCWD, b->dest, NULL), 0);
  assert_int_equal (mkdir (b->dest, 0755), 0);
  close (b->destfd);
  b->destfd = open (b->dest, O_PATH | O_DIRECTORY | O_CLOEXEC);
  o.compression = c;
  memset (got, 0, sizeof got);
  assert_int_equal (unpack (b, fd_named, &o, &st, NULL), 0);
  check_normal (b, &st);
  assert_string_equal (got, want);
}

static void
test_gzip (void **state)
{
  check_compressed (*state, ARCHIVE_FILTER_GZIP, SV_LAYER_COMPRESSION_GZIP, "gzip");
}

static void
test_zstd (void **state)
{
  check_compressed (*state, ARCHIVE_FILTER_ZSTD, SV_LAYER_COMPRESSION_ZSTD, "zstd");
}

/* LEN bytes of BUF as one gzip member, in a new buffer of *N bytes. */
static char *
gzip_member (const char *buf, size_t len, size_t *n)
{
  size_t cap = 2 * len + 4096;
  char *out = xmalloc (cap);
  struct archive *a = archive_write_new ();
  assert_non_null (a);
  assert_int_equal (archive_write_add_filter_gzip (a), ARCHIVE_OK);
  assert_int_equal (archive_write_set_format_raw (a), ARCHIVE_OK);
  assert_int_equal (archive_write_set_bytes_in_last_block (a, 1), ARCHIVE_OK);
  assert_int_equal (archive_write_open_memory (a, out, cap, n), ARCHIVE_OK);
  struct archive_entry *e = entry_new ("raw", S_IFREG | 0644);
  archive_entry_set_size (e, (la_int64_t)len);
  assert_int_equal (archive_write_header (a, e), ARCHIVE_OK);
  assert_int_equal (archive_write_data (a, buf, len), (ssize_t)len);
  archive_entry_free (e);
  assert_int_equal (archive_write_close (a), ARCHIVE_OK);
  archive_write_free (a);
  return out;
}

/* The normal tree's uncompressed tar and its diff_id. */
static char *
normal_tar (size_t *len, char want[SV_LAYER_DIFF_ID_LEN])
{
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  write_normal (&t);
  assert_int_equal (archive_write_close (t.a), ARCHIVE_OK);
  assert_int_equal (archive_write_free (t.a), ARCHIVE_OK);
  sha256_hex (t.buf, t.used, want);
  *len = t.used;
  return t.buf;
}

/* A gzip stream of two members (as concatenated or parallel compressors
 * write) is one stream; zeros after the last member are ignored; a pipe
 * works as well as a file. */
static void
test_gzip_members (void **state)
{
  struct box *b = *state;
  char want[SV_LAYER_DIFF_ID_LEN], got[SV_LAYER_DIFF_ID_LEN] = "";
  size_t len, n1, n2;
  _cleanup_free_ char *plain = normal_tar (&len, want);
  size_t half = len / 2 + 7;
  _cleanup_free_ char *m1 = gzip_member (plain, half, &n1);
  _cleanup_free_ char *m2 = gzip_member (plain + half, len - half, &n2);
  _cleanup_free_ char *cat = xmalloc (n1 + n2 + 512);
  memcpy (cat, m1, n1);
  memcpy (cat + n1, m2, n2);
  memset (cat + n1 + n2, 0, 512);
  int p[2];
  assert_int_equal (pipe2 (p, O_CLOEXEC), 0);
  assert_true (n1 + n2 + 512 < 65536);
  assert_int_equal (write (p[1], cat, n1 + n2 + 512), (ssize_t)(n1 + n2 + 512));
  close (p[1]);
  struct sv_layer_opts o = { .compression = SV_LAYER_COMPRESSION_GZIP, .diff_id_out = got };
  struct sv_layer_stats st;
  _cleanup_err_ struct sv_err *err = NULL;
  assert_int_equal (unpack (b, p[0], &o, &st, &err), 0);
  check_normal (b, &st);
  assert_string_equal (got, want);
}

/* A truncated gzip stream, or one whose CRC-32 does not match, is refused. */
static void
test_gzip_corrupt (void **state)
{
  struct box *b = *state;
  char want[SV_LAYER_DIFF_ID_LEN];
  size_t len, n;
  _cleanup_free_ char *plain = normal_tar (&len, want);
  _cleanup_free_ char *gz = gzip_member (plain, len, &n);
  assert_refused (b, tar_fd (gz, n - 12), NULL, EILSEQ, "truncated gzip", NULL);
  gz[n - 8] ^= 0x55; /* the trailer's CRC-32 */
  assert_refused (b, tar_fd (gz, n), NULL, EILSEQ, "gzip checksum", NULL);
}

/* A plain tar announced as gzip is refused rather than silently read. */
static void
test_wrong_compression (void **state)
{
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  add_file (&t, "f", 0644, "x");
  struct sv_layer_opts o = { .compression = SV_LAYER_COMPRESSION_GZIP };
  assert_refused (*state, tar_close (&t), &o, EILSEQ, "not gzip-compressed", NULL);
  assert_true (tar_open (&t, ARCHIVE_FILTER_GZIP));
  add_file (&t, "f", 0644, "x");
  o.compression = SV_LAYER_COMPRESSION_NONE;
  _cleanup_err_ struct sv_err *err = NULL;
  assert_true (unpack (*state, tar_close (&t), &o, NULL, &err) < 0);
  print_message ("refused as expected: %s\n", err->msg);
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  add_file (&t, "f", 0644, "x");
  assert_int_equal (unpack (*state, tar_close (&t), &o, NULL, NULL), 0);
}

static void
test_sparse_file (void **state)
{
  struct box *b = *state;
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  struct archive_entry *e = entry_new ("sparse", S_IFREG | 0644);
  archive_entry_set_size (e, 4 << 20);
  archive_entry_sparse_add_entry (e, 1 << 20, 4);
  archive_entry_sparse_add_entry (e, (4 << 20) - 4, 4);
  /* The writer takes the logical content and drops the holes. */
  _cleanup_free_ char *content = xmalloc0 (4 << 20);
  memcpy (content + (1 << 20), "abcd", 4);
  memcpy (content + (4 << 20) - 4, "wxyz", 4);
  tar_write (&t, e, content, 4 << 20);
  struct sv_layer_stats st;
  assert_int_equal (unpack (b, tar_close (&t), NULL, &st, NULL), 0);
  _cleanup_close_ int fd = openat (b->destfd, "sparse", O_RDONLY | O_CLOEXEC);
  struct stat s;
  assert_int_equal (fstat (fd, &s), 0);
  assert_int_equal (s.st_size, 4 << 20);
  assert_true (s.st_blocks * 512 < (1 << 20)); /* holes stayed holes */
  char buf[4];
  assert_int_equal (pread (fd, buf, 4, 1 << 20), 4);
  assert_memory_equal (buf, "abcd", 4);
  assert_int_equal (pread (fd, buf, 4, (4 << 20) - 4), 4);
  assert_memory_equal (buf, "wxyz", 4);
  assert_int_equal (pread (fd, buf, 4, 0), 4);
  assert_memory_equal (buf, "\0\0\0\0", 4);
  assert_int_equal (st.bytes, 4 << 20);
}

/* A large file crosses the write buffer and keeps every byte. */
static void
test_large_file (void **state)
{
  struct box *b = *state;
  size_t n = 3 * 1024 * 1024 + 17;
  _cleanup_free_ char *data = xmalloc (n + 1);
  for (size_t i = 0; i < n; i++)
    data[i] = (char)('a' + (i * 7 + i / 4096) % 26);
  data[n] = '\0';
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_GZIP));
  add_file (&t, "big", 0644, data);
  assert_int_equal (unpack (b, tar_close (&t), NULL, NULL, NULL), 0);
  char *got = NULL;
  size_t len = 0;
  assert_int_equal (sv_read_file_at (b->destfd, "big", &got, &len, NULL), 0);
  assert_int_equal (len, n);
  assert_memory_equal (got, data, n);
  free (got);
}

/* ---- hostile layers ---- */

static void
test_absolute_path_contained (void **state)
{
  struct box *b = *state;
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  _cleanup_free_ char *abs = xasprintf ("%s/abs", b->outside);
  add_file (&t, abs, 0644, "in");
  add_file (&t, "/etc/servin-test", 0644, "in");
  add_file (&t, "./a/../b//./c", 0644, "in");
  assert_int_equal (unpack (b, tar_close (&t), NULL, NULL, NULL), 0);
  _cleanup_free_ char *in = read_at (b->destfd, abs + 1);
  assert_string_equal (in, "in");
  assert_int_equal (access ("/etc/servin-test", F_OK), -1);
  _cleanup_free_ char *c = read_at (b->destfd, "b/c");
  assert_string_equal (c, "in");
  assert_outside_untouched (b);
}

static void
test_dotdot_refused (void **state)
{
  struct box *b = *state;
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  add_file (&t, "ok", 0644, "x");
  add_file (&t, "a/../../outside/evil", 0644, "x");
  assert_refused (b, tar_close (&t), NULL, EPERM, "`a/../../outside/evil`", "escapes");
  assert_tree (b->destfd, "f ok");
}

/* A symlink to a directory outside, then a file written through it: the
 * file lands inside the tree.  Same with a relative "../" link. */
static void
test_symlink_escape_contained (void **state)
{
  struct box *b = *state;
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  add_symlink (&t, "evil", b->outside);
  add_file (&t, "evil/file", 0644, "x");
  add_symlink (&t, "up", "../outside");
  add_file (&t, "up/file2", 0644, "y");
  add_symlink (&t, "deep", "../../../../../../../..");
  add_dir (&t, "deep/sub", 0755);
  add_file (&t, "deep/sub/file3", 0644, "z");
  assert_int_equal (unpack (b, tar_close (&t), NULL, NULL, NULL), 0);
  assert_outside_untouched (b);
  _cleanup_free_ char *in = xasprintf ("%s/file", b->outside);
  _cleanup_free_ char *x = read_at (b->destfd, in + 1);
  assert_string_equal (x, "x");
  _cleanup_free_ char *y = read_at (b->destfd, "outside/file2");
  assert_string_equal (y, "y");
  _cleanup_free_ char *z = read_at (b->destfd, "sub/file3");
  assert_string_equal (z, "z");
}

/* A file entry named like an existing symlink replaces the link and is
 * never written through it. */
static void
test_symlink_replaced_not_followed (void **state)
{
  struct box *b = *state;
  _cleanup_free_ char *victim = xasprintf ("%s/victim", b->base);
  assert_int_equal (sv_write_file_at (AT_FDCWD, victim, "orig", 4, 0644, NULL), 0);
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  add_symlink (&t, "l", victim);
  add_file (&t, "l", 0644, "new");
  add_symlink (&t, "l2", "../victim");
  add_dir (&t, "l2", 0755);
  assert_int_equal (unpack (b, tar_close (&t), NULL, NULL, NULL), 0);
  _cleanup_free_ char *v = read_at (AT_FDCWD, victim);
  assert_string_equal (v, "orig");
  assert_tree (b->destfd, "d l2\nf l");
}

static void
test_hardlink_outside_refused (void **state)
{
  struct box *b = *state;
  struct stat before, after;
  assert_int_equal (stat ("/etc/passwd", &before), 0);
  const char *targets[] = { "/etc/passwd", "../../../../etc/passwd", "etc/passwd" };
  for (size_t i = 0; i < 3; i++)
    {
      struct tar t;
      assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
      /* Resolved in the tree, /etc is this link itself: a loop. */
      add_symlink (&t, "etc", "/etc");
      add_hardlink (&t, "pw", targets[i]);
      assert_refused (b, tar_close (&t), NULL, i == 1 ? EPERM : ELOOP, "`pw`", targets[i]);
      assert_int_equal (faccessat (b->destfd, "pw", F_OK, AT_SYMLINK_NOFOLLOW), -1);
    }
  assert_int_equal (stat ("/etc/passwd", &after), 0);
  assert_int_equal (before.st_nlink, after.st_nlink);
}

static void
test_devices (void **state)
{
  struct box *b = *state;
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  add_node (&t, "null", S_IFCHR | 0666, 1, 3);
  add_node (&t, "sda", S_IFBLK | 0660, 8, 0);
  add_file (&t, "f", 0644, "x");
  struct sv_layer_stats st;
  assert_int_equal (unpack (b, tar_close (&t), NULL, &st, NULL), 0);
  assert_int_equal (st.skipped_devices, 2);
  assert_tree (b->destfd, "f f");
  if (geteuid () != 0)
    {
      print_message ("SKIP: creating devices needs root\n");
      skip ();
    }
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  add_node (&t, "null", S_IFCHR | 0666, 1, 3);
  add_node (&t, "sda", S_IFBLK | 0660, 8, 0);
  struct sv_layer_opts o = { .allow_devices = true };
  assert_int_equal (unpack (b, tar_close (&t), &o, &st, NULL), 0);
  assert_int_equal (st.skipped_devices, 0);
  assert_tree (b->destfd, "b sda 8:0\nc null 1:3\nf f");
  struct stat s;
  assert_int_equal (fstatat (b->destfd, "null", &s, AT_SYMLINK_NOFOLLOW), 0);
  assert_int_equal (s.st_mode & 07777, 0666);
}

/* A ustar header for a file NAME whose size field says 1 TiB (base-256). */
static int
huge_header_fd (const char *name)
{
  char h[512 * 3] = { 0 };
  strcpy (h, name);
  memcpy (h + 100, "0000644", 8);
  memcpy (h + 108, "0000000", 8);
  memcpy (h + 116, "0000000", 8);
  h[124] = (char)0x80;
  h[135 - 5] = 1; /* 1 << 40 */
  memcpy (h + 136, "00000000000", 12);
  h[156] = '0';
  memcpy (h + 257, "ustar", 6);
  memcpy (h + 263, "00", 2);
  memset (h + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; i++)
    sum += (unsigned char)h[i];
  snprintf (h + 148, 8, "%06o", sum);
  return tar_fd (h, sizeof h);
}

static void
test_size_caps (void **state)
{
  struct box *b = *state;
  assert_refused (b, huge_header_fd ("huge"), NULL, EFBIG, "`huge`", "over the limit");
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  add_file (&t, "ten", 0644, "0123456789");
  add_file (&t, "eleven", 0644, "0123456789A");
  struct sv_layer_opts o = { .max_entry_size = 10 };
  assert_refused (b, tar_close (&t), &o, EFBIG, "`eleven`", "over the limit of 10");
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  add_file (&t, "a", 0644, "0123456789");
  add_file (&t, "b", 0644, "0123456789");
  o = (struct sv_layer_opts){ .max_total_size = 15 };
  assert_refused (b, tar_close (&t), &o, EFBIG, "`b`", "total size");
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  for (int i = 0; i < 4; i++)
    {
      char n[8];
      snprintf (n, sizeof n, "e%d", i);
      add_file (&t, n, 0644, "");
    }
  o = (struct sv_layer_opts){ .max_entries = 3 };
  assert_refused (b, tar_close (&t), &o, EFBIG, "`e3`", "more than 3 entries");
}

static void
test_path_too_long (void **state)
{
  struct box *b = *state;
  _cleanup_free_ char *comp = xmalloc (300);
  memset (comp, 'c', 299);
  comp[299] = '\0';
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  add_file (&t, comp, 0644, "x");
  assert_refused (b, tar_close (&t), NULL, ENAMETOOLONG, "component longer", NULL);
  _cleanup_free_ char *path = xmalloc (6000);
  path[0] = '\0';
  for (int i = 0; i < 1000; i++)
    strcat (path, "abcd/");
  strcat (path, "f");
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  add_file (&t, path, 0644, "x");
  assert_refused (b, tar_close (&t), NULL, ENAMETOOLONG, "path longer", NULL);
}

static void
test_id_mapping (void **state)
{
  struct box *b = *state;
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  struct archive_entry *e = entry_new ("f", S_IFREG | 0644);
  archive_entry_set_uid (e, 1000);
  archive_entry_set_gid (e, 5);
  tar_write (&t, e, NULL, 0);
  add_dir (&t, "d", 0755);
  struct sv_id_map map = { 0, 100000, 65536 };
  struct sv_layer_opts o = { .uid_map = &map, .n_uid_map = 1, .gid_map = &map, .n_gid_map = 1 };
  assert_int_equal (unpack (b, tar_close (&t), &o, NULL, NULL), 0);
  struct stat s;
  assert_int_equal (fstatat (b->destfd, "f", &s, 0), 0);
  assert_int_equal (s.st_uid, 101000);
  assert_int_equal (s.st_gid, 100005);
  assert_int_equal (fstatat (b->destfd, "d", &s, 0), 0);
  assert_int_equal (s.st_uid, 100000);
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  e = entry_new ("g", S_IFREG | 0644);
  archive_entry_set_uid (e, 70000);
  tar_write (&t, e, NULL, 0);
  assert_refused (b, tar_close (&t), &o, EINVAL, "`g`", "uid 70000 is not in the ID mapping");
}

static void
test_garbage_refused (void **state)
{
  struct box *b = *state;
  char junk[2048];
  for (size_t i = 0; i < sizeof junk; i++)
    junk[i] = (char)(i * 31 + 7);
  _cleanup_err_ struct sv_err *err = NULL;
  assert_true (unpack (b, tar_fd (junk, sizeof junk), NULL, NULL, &err) < 0);
  assert_non_null (err);
  print_message ("refused as expected: %s\n", err->msg);
  assert_tree (b->destfd, "");
}

/* ---- three layers with whiteouts ---- */

static int
layer1 (void)
{
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  add_dir (&t, "a", 0755);
  add_file (&t, "a/f1", 0644, "1");
  add_file (&t, "a/f2", 0644, "2");
  add_dir (&t, "b", 0755);
  add_file (&t, "b/x", 0644, "x");
  return tar_close (&t);
}

/* Deletes a/f1; b is opaque with a new y (written before the opaque
 * marker, which copy mode must not delete). */
static int
layer2 (void)
{
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_GZIP));
  add_dir (&t, "a", 0755);
  add_file (&t, "a/.wh.f1", 0644, "");
  add_dir (&t, "b", 0755);
  add_file (&t, "b/y", 0644, "y");
  add_file (&t, "b/.wh..wh..opq", 0644, "");
  add_file (&t, ".wh..wh.plnk", 0644, "");
  return tar_close (&t);
}

static int
layer3 (void)
{
  struct tar t;
  assert_true (tar_open (&t, ARCHIVE_FILTER_NONE));
  add_file (&t, "c", 0644, "c");
  return tar_close (&t);
}

static const char merged_tree[] = "d a\nd b\nf a/f2\nf b/y\nf c";

/* In a child with its own mount namespace, mount the overlay read-only
 * and send the merged tree back; exit 77 when overlay cannot be mounted. */
static void
overlay_child (const char *base, int wfd)
{
  if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    _exit (77);
  char *merged = xasprintf ("%s/merged", base);
  char *opts = xasprintf ("lowerdir=%s/l3:%s/l2:%s/l1", base, base, base);
  if (mkdir (merged, 0755) < 0 || mount ("overlay", merged, "overlay", MS_RDONLY, opts) < 0)
    _exit (77);
  int fd = open (merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
  char *s = tree (fd);
  ssize_t n = write (wfd, s, strlen (s));
  _exit (n == (ssize_t)strlen (s) ? 0 : 1);
}

static void
check_overlay_mount (const char *base)
{
  if (geteuid () != 0)
    {
      print_message ("SKIP: mounting overlayfs needs root\n");
      skip ();
    }
  int p[2];
  assert_int_equal (pipe2 (p, O_CLOEXEC), 0);
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      close (p[0]);
      overlay_child (base, p[1]);
    }
  close (p[1]);
  char buf[4096] = "";
  size_t len = 0;
  ssize_t n;
  while ((n = read (p[0], buf + len, sizeof buf - 1 - len)) > 0)
    len += (size_t)n;
  close (p[0]);
  int status;
  assert_int_equal (waitpid (pid, &status, 0), pid);
  assert_true (WIFEXITED (status));
  if (WEXITSTATUS (status) == 77)
    {
      print_message ("SKIP: overlayfs cannot be mounted here\n");
      skip ();
    }
  assert_int_equal (WEXITSTATUS (status), 0);
  assert_string_equal (buf, merged_tree);
}

static int
open_layer_dir (const char *base, const char *name)
{
  _cleanup_free_ char *p = xasprintf ("%s/%s", base, name);
  assert_int_equal (mkdir (p, 0755), 0);
  int fd = open (p, O_PATH | O_DIRECTORY | O_CLOEXEC);
  assert_true (fd >= 0);
  return fd;
}

static void
test_three_layers_overlay (void **state)
{
  struct box *b = *state;
  int (*layers[3]) (void) = { layer1, layer2, layer3 };
  const char *names[3] = { "l1", "l2", "l3" };
  for (int i = 0; i < 3; i++)
    {
      _cleanup_close_ int dfd = open_layer_dir (b->base, names[i]);
      int src = layers[i]();
      struct sv_layer_stats st;
      _cleanup_err_ struct sv_err *err = NULL;
      int ret = sv_layer_unpack (src, dfd, NULL, &st, &err);
      close (src);
      if (ret < 0)
        fail_msg ("unpack %s: %s", names[i], err->msg);
      assert_int_equal (st.whiteouts, i == 1 ? 2 : 0);
    }
  _cleanup_free_ char *p1 = xasprintf ("%s/l1", b->base), *p2 = xasprintf ("%s/l2", b->base);
  _cleanup_close_ int d1 = open (p1, O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int d2 = open (p2, O_PATH | O_DIRECTORY | O_CLOEXEC);
  assert_tree (d1, "d a\nd b\nf a/f1\nf a/f2\nf b/x");
  assert_tree (d2, "c a/f1 0:0\nd a\nd b\nf b/y");
  _cleanup_free_ char *bdir = xasprintf ("%s/l2/b", b->base);
  _cleanup_free_ char *adir = xasprintf ("%s/l2/a", b->base);
  char v[4] = "";
  assert_int_equal (getxattr (bdir, "trusted.overlay.opaque", v, sizeof v), 1);
  assert_int_equal (v[0], 'y');
  assert_int_equal (getxattr (adir, "trusted.overlay.opaque", v, sizeof v), -1);
  check_overlay_mount (b->base);
}

static void
test_three_layers_copy (void **state)
{
  struct box *b = *state;
  int (*layers[3]) (void) = { layer1, layer2, layer3 };
  struct sv_layer_opts o = { .mode = SV_LAYER_MODE_COPY };
  for (int i = 0; i < 3; i++)
    {
      _cleanup_err_ struct sv_err *err = NULL;
      if (unpack (b, layers[i](), &o, NULL, &err) < 0)
        fail_msg ("apply layer %d: %s", i + 1, err->msg);
    }
  assert_tree (b->destfd, merged_tree);
  assert_outside_untouched (b);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown (f, box_setup, box_teardown)
    T (test_normal_tree),
    T (test_gzip),
    T (test_zstd),
    T (test_wrong_compression),
    T (test_gzip_members),
    T (test_gzip_corrupt),
    T (test_sparse_file),
    T (test_large_file),
    T (test_absolute_path_contained),
    T (test_dotdot_refused),
    T (test_symlink_escape_contained),
    T (test_symlink_replaced_not_followed),
    T (test_hardlink_outside_refused),
    T (test_devices),
    T (test_size_caps),
    T (test_path_too_long),
    T (test_id_mapping),
    T (test_garbage_refused),
    T (test_three_layers_overlay),
    T (test_three_layers_copy),
#undef T
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}

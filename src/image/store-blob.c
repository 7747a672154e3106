/* Blobs: verified while written, invisible until complete. */
#include "image/digest.h"
#include "image/store-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct sv_blob_writer
{
  struct sv_store *store;
  char *expected; /* NULL: accept any */
  int64_t expected_size;
  int algo;
  int dir_fd;     /* blobs/ALGO */
  int fd;         /* O_TMPFILE, or a named temp file when that is missing */
  char *tmp_name; /* the named temp file, when used */
  int64_t size;
  struct sv_hasher *hasher;
};

bool
sv_store_has_blob (struct sv_store *s, const char *digest, int64_t *size)
{
  const char *algo, *hex;
  if (store_blob_name (digest, &algo, &hex, NULL) < 0)
    return false;
  _cleanup_free_ char *path = xasprintf ("%s/%s", algo, hex);
  struct stat st;
  if (fstatat (s->blobs_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG (st.st_mode))
    return false;
  if (size)
    *size = st.st_size;
  return true;
}

int
sv_store_open_blob (struct sv_store *s, const char *digest, struct sv_err **err)
{
  const char *algo, *hex;
  if (store_blob_name (digest, &algo, &hex, err) < 0)
    return -1;
  _cleanup_free_ char *path = xasprintf ("%s/%s", algo, hex);
  int fd = openat (s->blobs_fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return sv_err_errno (err, "blob %s", digest);
  return fd;
}

int
sv_store_read_blob (struct sv_store *s, const char *digest, size_t max, char **buf, size_t *len,
                    struct sv_err **err)
{
  _cleanup_close_ int fd = sv_store_open_blob (s, digest, err);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat (fd, &st) < 0)
    return sv_err_errno (err, "blob %s", digest);
  if ((uint64_t)st.st_size > max)
    return sv_err_make (err, EFBIG, "blob %s: %lld bytes, more than the %zu allowed", digest,
                        (long long)st.st_size, max);
  size_t n = (size_t)st.st_size, got = 0;
  _cleanup_free_ char *b = xmalloc (n + 1);
  while (got < n)
    {
      ssize_t r = pread (fd, b + got, n - got, (off_t)got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return r < 0 ? sv_err_errno (err, "read blob %s", digest)
                     : sv_err_make (err, EIO, "read blob %s: short read", digest);
      got += (size_t)r;
    }
  b[n] = '\0';
  *len = n;
  *buf = steal_pointer (&b);
  return 0;
}

char *
sv_store_blob_path (struct sv_store *s, const char *digest)
{
  const char *algo, *hex;
  if (store_blob_name (digest, &algo, &hex, NULL) < 0)
    return NULL;
  return xasprintf ("%s/blobs/%s/%s", s->root, algo, hex);
}

/* Open the temporary file: unnamed when the file system allows it, so a
 * crash leaves nothing behind. */
static int
writer_open_tmp (struct sv_blob_writer *w, struct sv_err **err)
{
  w->fd = openat (w->dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
  if (w->fd >= 0)
    return 0;
  if (errno != EOPNOTSUPP && errno != EISDIR)
    return sv_err_errno (err, "create a temporary blob");
  w->tmp_name = xasprintf (".tmp-%d-%p", (int)getpid (), (void *)w);
  w->fd = openat (w->dir_fd, w->tmp_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (w->fd < 0)
    return sv_err_errno (err, "create a temporary blob");
  return 0;
}

int
sv_blob_writer_new (struct sv_store *s, const char *expected_digest, int64_t expected_size,
                    struct sv_blob_writer **out, struct sv_err **err)
{
  int algo = SV_DIGEST_SHA256;
  if (expected_digest && (algo = sv_digest_parse (expected_digest, NULL, err)) < 0)
    return -1;
  if (store_lock_for_write (s, err) < 0)
    return -1;
  _cleanup_close_ int dir_fd
      = openat (s->blobs_fd, sv_digest_algo_name (algo), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    return sv_err_errno (err, "open blobs/%s", sv_digest_algo_name (algo));
  struct sv_blob_writer *w = xmalloc0 (sizeof *w);
  w->store = s;
  w->expected = expected_digest ? xstrdup (expected_digest) : NULL;
  w->expected_size = expected_size;
  w->algo = algo;
  w->dir_fd = TAKE_FD (&dir_fd);
  w->fd = -1;
  if (writer_open_tmp (w, err) < 0 || sv_hasher_new (algo, &w->hasher, err) < 0)
    {
      sv_blob_writer_free (w);
      return -1;
    }
  *out = w;
  return 0;
}

int
sv_blob_writer_write (struct sv_blob_writer *w, const void *buf, size_t len, struct sv_err **err)
{
  if (w->expected_size >= 0 && w->size + (int64_t)len > w->expected_size)
    return sv_err_make_plain (err, EBADMSG, "blob %s: more than the expected %lld bytes",
                              w->expected ? w->expected : "(new)", (long long)w->expected_size);
  if (sv_write_all (w->fd, buf, len) < 0)
    return sv_err_errno (err, "write blob");
  w->size += (int64_t)len;
  return sv_hasher_update (w->hasher, buf, len, err);
}

int
sv_blob_writer_reset (struct sv_blob_writer *w, struct sv_err **err)
{
  sv_hasher_free (w->hasher);
  w->hasher = NULL;
  w->size = 0;
  if (ftruncate (w->fd, 0) < 0 || lseek (w->fd, 0, SEEK_SET) < 0)
    return sv_err_errno (err, "reset blob");
  return sv_hasher_new (w->algo, &w->hasher, err);
}

int64_t
sv_blob_writer_size (const struct sv_blob_writer *w)
{
  return w->size;
}

/* Give the verified temporary file its name; an existing blob wins (it is
 * complete: only verified files get names). */
static int
writer_link (struct sv_blob_writer *w, const char *hex, struct sv_err **err)
{
  if (w->tmp_name)
    {
      if (renameat (w->dir_fd, w->tmp_name, w->dir_fd, hex) < 0)
        return sv_err_errno (err, "store blob");
      free (steal_pointer (&w->tmp_name));
      return 0;
    }
  char proc[64];
  snprintf (proc, sizeof proc, "/proc/self/fd/%d", w->fd);
  if (linkat (AT_FDCWD, proc, w->dir_fd, hex, AT_SYMLINK_FOLLOW) < 0 && errno != EEXIST)
    return sv_err_errno (err, "store blob");
  return 0;
}

int
sv_blob_writer_commit (struct sv_blob_writer *w, char **digest, struct sv_err **err)
{
  _cleanup_free_ char *actual = NULL;
  struct sv_hasher *h = steal_pointer (&w->hasher);
  int r = sv_hasher_final (h, &actual, err);
  sv_hasher_free (h);
  if (r < 0)
    return -1;
  if (w->expected_size >= 0 && w->size != w->expected_size)
    return sv_err_make_plain (err, EBADMSG, "blob %s: got %lld bytes, expected %lld",
                              w->expected ? w->expected : actual, (long long)w->size,
                              (long long)w->expected_size);
  if (w->expected && sv_digest_verify (w->expected, actual, err) < 0)
    return -1;
  const char *hex = strchr (actual, ':') + 1;
  if (writer_link (w, hex, err) < 0)
    return -1;
  if (digest)
    *digest = steal_pointer (&actual);
  return 0;
}

void
sv_blob_writer_free (struct sv_blob_writer *w)
{
  if (w == NULL)
    return;
  if (w->tmp_name)
    unlinkat (w->dir_fd, w->tmp_name, 0);
  if (w->fd >= 0)
    close (w->fd);
  if (w->dir_fd >= 0)
    close (w->dir_fd);
  sv_hasher_free (w->hasher);
  free (w->tmp_name);
  free (w->expected);
  free (w);
}

int
sv_store_put_blob (struct sv_store *s, const void *buf, size_t len, const char *expected_digest,
                   char **digest, struct sv_err **err)
{
  struct sv_blob_writer *w = NULL;
  if (sv_blob_writer_new (s, expected_digest, (int64_t)len, &w, err) < 0)
    return -1;
  int r = sv_blob_writer_write (w, buf, len, err);
  if (r == 0)
    r = sv_blob_writer_commit (w, digest, err);
  sv_blob_writer_free (w);
  return r;
}

int
sv_store_put_blob_fd (struct sv_store *s, int fd, const char *expected_digest,
                      int64_t expected_size, char **digest, struct sv_err **err)
{
  struct sv_blob_writer *w = NULL;
  if (sv_blob_writer_new (s, expected_digest, expected_size, &w, err) < 0)
    return -1;
  enum
  {
    BUF_SIZE = 1 << 16
  };
  _cleanup_free_ char *buf = xmalloc (BUF_SIZE);
  int r = 0;
  for (;;)
    {
      ssize_t n = read (fd, buf, BUF_SIZE);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          r = sv_err_errno (err, "read blob");
          break;
        }
      if (n == 0 || (r = sv_blob_writer_write (w, buf, (size_t)n, err)) < 0)
        break;
    }
  if (r == 0)
    r = sv_blob_writer_commit (w, digest, err);
  sv_blob_writer_free (w);
  return r;
}

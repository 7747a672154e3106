/* The decompressing, hashing source of a layer stream (see layer.c).
 *
 * A thread decompresses the layer and hashes what comes out (the diff_id)
 * into a ring of RING_SLOTS blocks, while the tar reader consumes them and
 * writes files: on two cores, decompression overlaps with the file system
 * work, as with `tar -xzf`, whose gzip runs in another process.  gzip goes
 * through ISA-L (layer-gzip.c); zstd, xz, bzip2 and uncompressed layers
 * through a libarchive "raw" reader.
 *
 * The first bytes of the input are peeked to tell gzip from the rest, so
 * SRC_FD can be a pipe.  The ring: the thread fills slot[head % N] while
 * head - tail < N, the reader holds slot[tail % N] from one read callback
 * to the next; head and tail only grow, under the lock. */
#include "image/layer-internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define RING_SLOTS 8

struct source
{
  struct input in;
  struct sv_gunzip *gz;      /* gzip: ISA-L decodes */
  struct archive *raw;       /* otherwise: libarchive's filters and "raw" format */
  const unsigned char *pend; /* raw: what is left of libarchive's block */
  size_t pend_len;
  int64_t next_off; /* raw: the offset of its next block */
  bool raw_eof;
  EVP_MD_CTX *md; /* NULL when no diff_id is wanted */
  char diff_id[SV_LAYER_DIFF_ID_LEN];

  pthread_t thread;
  bool started;
  pthread_mutex_t lock;
  pthread_cond_t produced, consumed;
  unsigned char *slots; /* RING_SLOTS blocks of READ_BLOCK_SIZE */
  size_t len[RING_SLOTS];
  uint64_t head; /* blocks filled by the thread */
  uint64_t tail; /* blocks given back by the reader */
  bool held;     /* the reader holds block tail */
  bool done;     /* the thread has finished: the end, or perr */
  bool cancel;   /* the reader gave up */
  struct sv_err *perr;
};

/* ---- libarchive ---- */

void
sv_layer_archive_read_freep (struct archive **a)
{
  if (*a)
    archive_read_free (*a);
}

int
sv_layer_archive_err (struct archive *a, struct sv_err **err, const char *what)
{
  int code = archive_errno (a) > 0 ? archive_errno (a) : EIO;
  const char *msg = archive_error_string (a);
  return sv_err_make (err, code, "%s: %s", what, msg ? msg : "unknown libarchive error");
}

/* ---- the compressed input ---- */

ssize_t
sv_layer_input_need (struct input *in, size_t want)
{
  if (in->len - in->off >= want || in->eof)
    return (ssize_t)(in->len - in->off);
  memmove (in->buf, in->buf + in->off, in->len - in->off);
  in->len -= in->off;
  in->off = 0;
  while (in->len < want && !in->eof)
    {
      ssize_t r = read (in->fd, in->buf + in->len, READ_BLOCK_SIZE - in->len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      in->eof = r == 0;
      in->len += (size_t)r;
    }
  return (ssize_t)in->len;
}

/* Map FD from its offset to its end when it is a regular file (and set
 * its offset to the end, as if read); false when it is not mapped. */
static bool
input_map (struct input *in)
{
  struct stat st;
  off_t pos = lseek (in->fd, 0, SEEK_CUR);
  if (pos < 0 || fstat (in->fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_size <= pos)
    return false;
  void *p = mmap (NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, in->fd, 0);
  if (p == MAP_FAILED)
    return false;
  (void)madvise (p, (size_t)st.st_size, MADV_SEQUENTIAL);
  (void)lseek (in->fd, 0, SEEK_END);
  *in = (struct input){ .fd = in->fd,
                        .buf = p,
                        .off = (size_t)pos,
                        .len = (size_t)st.st_size,
                        .map_len = (size_t)st.st_size,
                        .eof = true };
  return true;
}

static void
input_free (struct input *in)
{
  if (in->map_len > 0)
    munmap (in->buf, in->map_len);
  else
    free (in->buf);
}

/* libarchive's read callback on the input (DATA is the struct input). */
static la_ssize_t
input_read (struct archive *a, void *data, const void **buf)
{
  struct input *in = data;
  if (sv_layer_input_need (in, 1) < 0)
    {
      archive_set_error (a, errno, "read layer");
      return -1;
    }
  *buf = in->buf + in->off;
  size_t n = in->len - in->off;
  in->off = in->len;
  return (la_ssize_t)n;
}

/* ---- choosing the decompressor ---- */

static const struct
{
  enum sv_layer_compression c;
  int filter;
  const char *name;
} compressions[] = {
  { SV_LAYER_COMPRESSION_NONE, ARCHIVE_FILTER_NONE, "uncompressed" },
  { SV_LAYER_COMPRESSION_GZIP, ARCHIVE_FILTER_GZIP, "gzip" },
  { SV_LAYER_COMPRESSION_ZSTD, ARCHIVE_FILTER_ZSTD, "zstd" },
};

static const char *
compression_name (enum sv_layer_compression c)
{
  for (size_t i = 0; i < sizeof compressions / sizeof compressions[0]; i++)
    if (compressions[i].c == c)
      return compressions[i].name;
  return "auto";
}

/* Register the filters for C; ARCHIVE_WARN (an external program would do
 * the work) is accepted. */
static int
raw_filters (struct archive *a, enum sv_layer_compression c, struct sv_err **err)
{
  int r = ARCHIVE_OK;
  if (c == SV_LAYER_COMPRESSION_AUTO)
    {
      (void)archive_read_support_filter_gzip (a);
      (void)archive_read_support_filter_zstd (a);
      (void)archive_read_support_filter_xz (a);
      (void)archive_read_support_filter_bzip2 (a);
    }
  else if (c == SV_LAYER_COMPRESSION_GZIP)
    r = archive_read_support_filter_gzip (a);
  else if (c == SV_LAYER_COMPRESSION_ZSTD)
    r = archive_read_support_filter_zstd (a);
  if (r < ARCHIVE_WARN)
    return sv_layer_archive_err (a, err, "no support for the layer's compression");
  return 0;
}

/* The detected filter must be the one the caller announced. */
static int
raw_check_filter (struct source *s, enum sv_layer_compression c, struct sv_err **err)
{
  if (c == SV_LAYER_COMPRESSION_AUTO)
    return 0;
  int code = archive_filter_count (s->raw) > 0 ? archive_filter_code (s->raw, 0) : -1;
  for (size_t i = 0; i < sizeof compressions / sizeof compressions[0]; i++)
    if (compressions[i].c == c && compressions[i].filter == code)
      return 0;
  return sv_err_make (err, EILSEQ, "layer is not %s-compressed", compression_name (c));
}

static int
raw_open (struct source *s, enum sv_layer_compression c, struct sv_err **err)
{
  s->raw = archive_read_new ();
  if (s->raw == NULL)
    return sv_err_make (err, ENOMEM, "archive_read_new");
  int ret = raw_filters (s->raw, c, err);
  if (ret < 0)
    return ret;
  if (archive_read_support_format_raw (s->raw) != ARCHIVE_OK
      || archive_read_open (s->raw, &s->in, NULL, input_read, NULL) != ARCHIVE_OK)
    return sv_layer_archive_err (s->raw, err, "open layer stream");
  struct archive_entry *e;
  int r = archive_read_next_header (s->raw, &e);
  if (r == ARCHIVE_EOF)
    s->raw_eof = true;
  else if (r < ARCHIVE_WARN)
    return sv_layer_archive_err (s->raw, err, "read layer stream");
  return raw_check_filter (s, c, err);
}

/* gzip goes to ISA-L, everything else to libarchive. */
static int
source_decoder (struct source *s, enum sv_layer_compression c, struct sv_err **err)
{
  ssize_t n = sv_layer_input_need (&s->in, 3);
  if (n < 0)
    return sv_err_errno (err, "read layer");
  const unsigned char *p = s->in.buf + s->in.off;
  bool gzip = n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8;
  if (gzip && (c == SV_LAYER_COMPRESSION_AUTO || c == SV_LAYER_COMPRESSION_GZIP))
    {
      s->gz = sv_gunzip_new ();
      return 0;
    }
  if (c == SV_LAYER_COMPRESSION_GZIP)
    return sv_err_make (err, EILSEQ, "layer is not gzip-compressed");
  return raw_open (s, c, err);
}

/* ---- the thread: decompress and hash ---- */

/* Fill BUF from libarchive's blocks, which must follow each other. */
static ssize_t
raw_fill (struct source *s, unsigned char *buf, size_t cap, struct sv_err **err)
{
  size_t n = 0;
  while (n < cap && (s->pend_len > 0 || !s->raw_eof))
    {
      if (s->pend_len == 0)
        {
          const void *blk;
          size_t len;
          la_int64_t off;
          int r = archive_read_data_block (s->raw, &blk, &len, &off);
          if (r == ARCHIVE_EOF)
            s->raw_eof = true;
          else if (r < ARCHIVE_WARN)
            return sv_layer_archive_err (s->raw, err, "read layer stream");
          else if (off != s->next_off)
            return sv_err_make (err, EIO, "decompressor skipped bytes at %" PRId64, s->next_off);
          else
            {
              s->next_off += (int64_t)len;
              s->pend = blk;
              s->pend_len = len;
            }
          continue;
        }
      size_t k = s->pend_len < cap - n ? s->pend_len : cap - n;
      memcpy (buf + n, s->pend, k);
      s->pend += k;
      s->pend_len -= k;
      n += k;
    }
  return (ssize_t)n;
}

/* The next block of the uncompressed stream into BUF, hashed: returns its
 * length, 0 at the end, < 0 with *err set. */
static ssize_t
produce (struct source *s, unsigned char *buf, struct sv_err **err)
{
  ssize_t n = s->gz ? sv_gunzip_read (s->gz, &s->in, buf, READ_BLOCK_SIZE, err)
                    : raw_fill (s, buf, READ_BLOCK_SIZE, err);
  if (n > 0 && s->md && EVP_DigestUpdate (s->md, buf, (size_t)n) != 1)
    return sv_err_make (err, EIO, "sha256 update failed");
  return n;
}

static int
digest_final (struct source *s, struct sv_err **err)
{
  if (s->md == NULL)
    return 0;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex (s->md, md, &len) != 1 || len != 32)
    return sv_err_make (err, EIO, "sha256 final failed");
  char hex[65];
  for (unsigned i = 0; i < len; i++)
    snprintf (hex + 2 * i, 3, "%02x", md[i]);
  snprintf (s->diff_id, sizeof s->diff_id, "sha256:%s", hex);
  return 0;
}

/* A free block to fill, or NULL when the reader gave up. */
static unsigned char *
ring_wait_free (struct source *s)
{
  pthread_mutex_lock (&s->lock);
  while (!s->cancel && s->head - s->tail >= RING_SLOTS)
    pthread_cond_wait (&s->consumed, &s->lock);
  unsigned char *buf = s->cancel ? NULL : s->slots + (s->head % RING_SLOTS) * READ_BLOCK_SIZE;
  pthread_mutex_unlock (&s->lock);
  return buf;
}

static void
ring_publish (struct source *s, size_t len)
{
  pthread_mutex_lock (&s->lock);
  s->len[s->head % RING_SLOTS] = len;
  s->head++;
  pthread_cond_signal (&s->produced);
  pthread_mutex_unlock (&s->lock);
}

static void
ring_done (struct source *s, struct sv_err *err)
{
  pthread_mutex_lock (&s->lock);
  s->perr = err;
  s->done = true;
  pthread_cond_signal (&s->produced);
  pthread_mutex_unlock (&s->lock);
}

static void *
producer (void *data)
{
  struct source *s = data;
  struct sv_err *err = NULL;
  for (;;)
    {
      unsigned char *buf = ring_wait_free (s);
      if (buf == NULL)
        break;
      ssize_t n = produce (s, buf, &err);
      if (n == 0)
        (void)digest_final (s, &err);
      if (n <= 0)
        break;
      ring_publish (s, (size_t)n);
    }
  ring_done (s, err);
  return NULL;
}

/* Start the thread with every signal blocked: they go to the caller's. */
static int
source_start (struct source *s, struct sv_err **err)
{
  sigset_t all, old;
  sigfillset (&all);
  pthread_sigmask (SIG_SETMASK, &all, &old);
  int r = pthread_create (&s->thread, NULL, producer, s);
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  if (r != 0)
    return sv_err_make (err, r, "start the decompressing thread");
  s->started = true;
  return 0;
}

static void
source_join (struct source *s)
{
  if (!s->started)
    return;
  pthread_mutex_lock (&s->lock);
  s->cancel = true;
  pthread_cond_signal (&s->consumed);
  pthread_mutex_unlock (&s->lock);
  pthread_join (s->thread, NULL);
  s->started = false;
}

/* ---- the reader's side ---- */

/* Give back the block held, and take the next one: returns its length, 0
 * at the end, -1 when the thread failed (s->perr). */
static ssize_t
ring_next (struct source *s, const void **buf)
{
  pthread_mutex_lock (&s->lock);
  if (s->held)
    {
      s->tail++;
      s->held = false;
      pthread_cond_signal (&s->consumed);
    }
  while (s->head == s->tail && !s->done)
    pthread_cond_wait (&s->produced, &s->lock);
  ssize_t n = s->perr ? -1 : 0;
  if (s->head != s->tail)
    {
      *buf = s->slots + (s->tail % RING_SLOTS) * READ_BLOCK_SIZE;
      n = (ssize_t)s->len[s->tail % RING_SLOTS];
      s->held = true;
    }
  pthread_mutex_unlock (&s->lock);
  return n;
}

la_ssize_t
sv_layer_source_read (struct archive *tar, void *data, const void **buf)
{
  struct source *s = data;
  ssize_t n = ring_next (s, buf);
  if (n < 0)
    archive_set_error (tar, s->perr->code > 0 ? s->perr->code : EIO, "%s", s->perr->msg);
  return n;
}

int
sv_layer_source_finish (struct source *s, char *out, struct sv_err **err)
{
  const void *buf;
  ssize_t n;
  while ((n = ring_next (s, &buf)) > 0)
    ;
  if (n < 0)
    return sv_err_make (err, s->perr->code > 0 ? s->perr->code : EIO, "read layer stream: %s",
                        s->perr->msg);
  source_join (s);
  if (out && s->md)
    memcpy (out, s->diff_id, sizeof s->diff_id);
  return 0;
}

/* ---- life cycle ---- */

static struct source *
source_new (int fd)
{
  struct source *s = xmalloc0 (sizeof *s);
  s->in.fd = fd;
  if (!input_map (&s->in))
    s->in.buf = xmalloc (READ_BLOCK_SIZE);
  s->slots = xmalloc ((size_t)RING_SLOTS * READ_BLOCK_SIZE);
  pthread_mutex_init (&s->lock, NULL);
  pthread_cond_init (&s->produced, NULL);
  pthread_cond_init (&s->consumed, NULL);
  return s;
}

void
sv_layer_source_free (struct source *s)
{
  if (s == NULL)
    return;
  source_join (s);
  pthread_mutex_destroy (&s->lock);
  pthread_cond_destroy (&s->produced);
  pthread_cond_destroy (&s->consumed);
  sv_err_free (&s->perr);
  sv_gunzip_free (s->gz);
  sv_layer_archive_read_freep (&s->raw);
  EVP_MD_CTX_free (s->md);
  free (s->slots);
  input_free (&s->in);
  free (s);
}

void
sv_layer_source_freep (struct source **s)
{
  sv_layer_source_free (*s);
}

int
sv_layer_source_open (int fd, const struct sv_layer_opts *o, struct source **out,
                      struct sv_err **err)
{
  _cleanup_ (sv_layer_source_freep) struct source *s = source_new (fd);
  int ret = source_decoder (s, o->compression, err);
  if (ret < 0)
    return ret;
  if (o->diff_id_out)
    {
      s->md = EVP_MD_CTX_new ();
      if (s->md == NULL || EVP_DigestInit_ex (s->md, EVP_sha256 (), NULL) != 1)
        return sv_err_make (err, EIO, "sha256 init failed");
    }
  ret = source_start (s, err);
  if (ret < 0)
    return ret;
  *out = steal_pointer (&s);
  return 0;
}

/* A cache of compiled seccomp filters (see sv_seccomp_compile_cached).
 *
 *   CACHE/.seccomp-cache/HASH   "SVSC1\n", u32 key length, key,
 *                               u32 flags, u16 instructions, instructions
 *
 * KEY is "ARCH libseccomp MAJ.MIN.MIC\n" + the canonical profile; HASH is
 * its 64-bit FNV-1a in hex (a file name, never trusted: the key is
 * compared whole).  Entries are written to a temporary file and renamed. */
#include "runtime/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define CACHE_DIR ".seccomp-cache"
#define MAGIC "SVSC1\n"
#define MAX_ENTRY (4u << 20)

static char *
cache_key (const struct sv_seccomp *s)
{
  struct utsname u;
  const struct scmp_version *v = seccomp_version ();
  if (uname (&u) < 0 || v == NULL || sv_seccomp_source (s) == NULL)
    return NULL;
  return xasprintf ("%s libseccomp %u.%u.%u\n%s", u.machine, v->major, v->minor, v->micro,
                    sv_seccomp_source (s));
}

static char *
cache_name (const char *key)
{
  uint64_t h = 1469598103934665603ull;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++)
    h = (h ^ *p) * 1099511628211ull;
  return xasprintf ("%016llx", (unsigned long long)h);
}

/* The cached filter for KEY, or NULL. */
static struct sv_seccomp_bpf *
cache_load (int dirfd, const char *name, const char *key)
{
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  if (sv_read_file_at (dirfd, name, &buf, &len, NULL) < 0 || len > MAX_ENTRY)
    return NULL;
  size_t klen = strlen (key), off = sizeof MAGIC - 1;
  uint32_t n, flags;
  uint16_t insns;
  if (len < off + 4 || memcmp (buf, MAGIC, off) != 0)
    return NULL;
  memcpy (&n, buf + off, 4);
  off += 4;
  if (n != klen || len < off + n + 6 || memcmp (buf + off, key, klen) != 0)
    return NULL;
  off += n;
  memcpy (&flags, buf + off, 4);
  memcpy (&insns, buf + off + 4, 2);
  off += 6;
  if (insns == 0 || len != off + (size_t)insns * sizeof (struct sock_filter))
    return NULL;
  return sv_seccomp_bpf_new (buf + off, insns, flags);
}

static void
cache_store (int dirfd, const char *name, const char *key, const struct sv_seccomp_bpf *bpf)
{
  const void *insns;
  unsigned short n;
  unsigned int flags;
  sv_seccomp_bpf_get (bpf, &insns, &n, &flags);
  uint32_t klen = (uint32_t)strlen (key), f = flags;
  uint16_t count = n;
  size_t size = sizeof MAGIC - 1 + 4 + klen + 6 + (size_t)n * sizeof (struct sock_filter);
  _cleanup_free_ char *buf = xmalloc (size);
  char *p = buf;
  memcpy (p, MAGIC, sizeof MAGIC - 1), p += sizeof MAGIC - 1;
  memcpy (p, &klen, 4), p += 4;
  memcpy (p, key, klen), p += klen;
  memcpy (p, &f, 4), p += 4;
  memcpy (p, &count, 2), p += 2;
  memcpy (p, insns, (size_t)n * sizeof (struct sock_filter));
  sv_write_file_atomic_at (dirfd, name, buf, size, 0600, NULL);
}

int
sv_seccomp_compile_cached (const struct sv_seccomp *s, int cache_dirfd, struct sv_seccomp_bpf **out,
                           struct sv_err **err)
{
  _cleanup_free_ char *key = cache_dirfd >= 0 ? cache_key (s) : NULL;
  if (key == NULL)
    return sv_seccomp_compile (s, out, err);
  if (mkdirat (cache_dirfd, CACHE_DIR, 0700) < 0 && errno != EEXIST)
    return sv_seccomp_compile (s, out, err);
  _cleanup_close_ int dirfd = openat (cache_dirfd, CACHE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_free_ char *name = cache_name (key);
  if (dirfd >= 0 && (*out = cache_load (dirfd, name, key)) != NULL)
    return 0;
  if (sv_seccomp_compile (s, out, err) < 0)
    return -1;
  if (dirfd >= 0)
    cache_store (dirfd, name, key, *out);
  return 0;
}

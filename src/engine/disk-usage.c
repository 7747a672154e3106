#include "engine/disk-usage.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

/* Inodes with more than one link, counted once. */
struct seen
{
  struct
  {
    dev_t dev;
    ino_t ino;
  } * v;
  size_t n, cap;
};

static bool
seen_before (struct seen *s, const struct stat *st)
{
  for (size_t i = 0; i < s->n; i++)
    if (s->v[i].dev == st->st_dev && s->v[i].ino == st->st_ino)
      return true;
  if (s->n == s->cap)
    {
      s->cap = s->cap ? 2 * s->cap : 64;
      s->v = xrealloc (s->v, s->cap * sizeof *s->v);
    }
  s->v[s->n].dev = st->st_dev;
  s->v[s->n].ino = st->st_ino;
  s->n++;
  return false;
}

/* DIRFD is consumed. */
static int64_t
walk (int dirfd, dev_t dev, struct seen *s)
{
  _cleanup_closedir_ DIR *d = fdopendir (dirfd);
  if (d == NULL)
    {
      close (dirfd);
      return 0;
    }
  int64_t total = 0;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      struct stat st;
      if (fstatat (dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
        continue;
      if (S_ISDIR (st.st_mode))
        {
          int fd = openat (dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (fd >= 0)
            total += walk (fd, dev, s);
        }
      else if (st.st_nlink <= 1 || !seen_before (s, &st))
        total += st.st_size;
    }
  return total;
}

int64_t
sv_disk_usage (const char *path)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0)
    return 0;
  if (fstat (fd, &st) < 0)
    {
      close (fd);
      return 0;
    }
  struct seen s = { 0 };
  int64_t total = walk (fd, st.st_dev, &s);
  free (s.v);
  return total;
}

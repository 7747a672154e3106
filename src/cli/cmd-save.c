/* servin save [-o FILE] [--format docker-archive|oci-archive] IMAGE...:
 * images as one archive, to FILE (written atomically) or to stdout when
 * that is not a terminal. */
#include "cli/servin.h"
#include "image/archive.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum
{
  OPT_FORMAT = 256,
};

static const struct option opts[] = {
  { "output", required_argument, NULL, 'o' },
  { "format", required_argument, NULL, OPT_FORMAT },
  { 0 },
};

/* Save into a temporary file beside PATH and rename it over PATH, so a
 * failed save leaves nothing behind. */
static int
save_to_file (struct sv_store *s, char *const *names, enum sv_archive_format format,
              const char *path, struct sv_err **err)
{
  _cleanup_free_ char *dcopy = xstrdup (path);
  _cleanup_free_ char *bcopy = xstrdup (path);
  _cleanup_free_ char *tmp = xasprintf ("%s/.%s.tmp-XXXXXX", dirname (dcopy), basename (bcopy));
  _cleanup_close_ int fd = mkostemp (tmp, O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "create %s", tmp);
  mode_t mask = umask (0);
  umask (mask);
  int ret = sv_archive_save (s, names, format, fd, err);
  if (ret == 0 && fchmod (fd, 0666 & ~mask) < 0)
    ret = sv_err_errno (err, "chmod %s", tmp);
  if (ret == 0 && fsync (fd) < 0)
    ret = sv_err_errno (err, "write %s", tmp);
  if (ret == 0 && rename (tmp, path) < 0)
    ret = sv_err_errno (err, "rename %s to %s", tmp, path);
  if (ret < 0)
    (void)unlink (tmp);
  return ret;
}

int
cmd_save (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  const char *output = NULL;
  enum sv_archive_format format = SV_ARCHIVE_DOCKER;
  int c, next;
  while ((c = cli_getopt (argc, argv, "save", opts, true, &next, err)) != -1)
    switch (c)
      {
      case -2:
        return SERVIN_EXIT_ERROR;
      case 'o':
        output = optarg;
        break;
      case OPT_FORMAT:
        if (sv_archive_format_parse (optarg, &format, err) < 0)
          return sv_err_wrap (err, "save: --format"), SERVIN_EXIT_ERROR;
        break;
      }
  if (cli_operands (argc, next, 1, -1, "save", "[-o FILE] [--format FORMAT] IMAGE...", err) < 0)
    return SERVIN_EXIT_ERROR;
  if (output == NULL && isatty (STDOUT_FILENO))
    return sv_err_make (err, EINVAL,
                        "save: cowardly refusing to write to a terminal: use -o FILE or "
                        "redirect stdout"),
           SERVIN_EXIT_ERROR;
  struct sv_store *s;
  if (cli_store (cli, &s, err) < 0)
    return SERVIN_EXIT_ERROR;
  int ret = output ? save_to_file (s, argv + next, format, output, err)
                   : sv_archive_save (s, argv + next, format, STDOUT_FILENO, err);
  if (ret < 0)
    return sv_err_wrap (err, "save"), SERVIN_EXIT_ERROR;
  return 0;
}

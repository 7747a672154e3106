/* servin cp / export: files in and out of a container. */
#include "cli/run.h"
#include "engine/ctr-ops.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "CONTAINER:PATH" as docker splits it: a path starting with '/' or '.'
 * is local whatever it holds; otherwise a ':' names a container.  Returns
 * whether ARG names one (*NAME and *PATH then point into a copy). */
static bool
split_arg (const char *arg, char **name, const char **path)
{
  const char *colon = strchr (arg, ':');
  if (arg[0] == '/' || arg[0] == '.' || colon == NULL)
    return false;
  *name = xstrndup (arg, (size_t)(colon - arg));
  *path = colon + 1;
  return true;
}

static const struct option cp_opts[] = {
  { "archive", no_argument, NULL, 'a' },
  { "follow-link", no_argument, NULL, 'L' },
  { 0 },
};

static int
copy (struct sv_cli *cli, const char *src, const char *dest, const struct sv_copy_opts *o,
      struct sv_err **err)
{
  _cleanup_free_ char *sname = NULL, *dname = NULL;
  const char *spath = src, *dpath = dest;
  bool from = split_arg (src, &sname, &spath), to = split_arg (dest, &dname, &dpath);
  if (from && to)
    return sv_err_make_plain (err, EINVAL, "copying between containers is not supported");
  if (!from && !to)
    return sv_err_make_plain (err, EINVAL, "must specify at least one container source");
  struct sv_engine *e;
  struct sv_ctr *c = NULL;
  if (cli_container (cli, from ? sname : dname, &e, &c, err) < 0)
    return -1;
  int r = from ? sv_engine_copy_out (e, c, *spath ? spath : "/", dpath, STDOUT_FILENO, o, err)
               : sv_engine_copy_in (e, c, spath, *dpath ? dpath : "/", STDIN_FILENO, o, err);
  sv_ctr_free (c);
  return r;
}

int
cmd_cp (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  struct sv_copy_opts o = { 0 };
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "cp", cp_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
    else if (ch == 'a')
      o.archive = true;
    else if (ch == 'L')
      o.follow_link = true;
  if (cli_operands (argc, next, 2, 2, "cp",
                    "[-a] [-L] CONTAINER:SRC_PATH DEST_PATH|-  or  SRC_PATH|- CONTAINER:DEST_PATH",
                    err)
      < 0)
    return SERVIN_EXIT_ERROR;
  if (strcmp (argv[next + 1], "-") == 0 && isatty (STDOUT_FILENO))
    return sv_err_make_plain (err, EINVAL, "cowardly refusing to write a tar stream to a terminal"),
           SERVIN_EXIT_ERROR;
  return copy (cli, argv[next], argv[next + 1], &o, err) < 0 ? SERVIN_EXIT_ERROR : 0;
}

/* ---- export ---- */

/* Export C to FILE through a temporary file renamed into place. */
static int
export_file (struct sv_engine *e, struct sv_ctr *c, const char *file, struct sv_err **err)
{
  _cleanup_free_ char *tmp = xasprintf ("%s.tmp-XXXXXX", file);
  _cleanup_close_ int fd = mkostemp (tmp, O_CLOEXEC);
  if (fd < 0)
    return sv_err_errno (err, "create `%s`", tmp);
  mode_t mask = umask (0);
  umask (mask);
  int r = fchmod (fd, 0666 & ~mask) < 0 ? sv_err_errno (err, "chmod `%s`", tmp) : 0;
  if (r == 0)
    r = sv_engine_export (e, c, fd, err);
  if (r == 0 && fsync (fd) < 0)
    r = sv_err_errno (err, "write `%s`", tmp);
  if (r == 0 && rename (tmp, file) < 0)
    r = sv_err_errno (err, "rename `%s` to `%s`", tmp, file);
  if (r < 0)
    unlink (tmp);
  return r;
}

static const struct option export_opts[] = {
  { "output", required_argument, NULL, 'o' },
  { 0 },
};

int
cmd_export (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  const char *output = NULL;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "export", export_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
    else if (ch == 'o')
      output = optarg;
  struct sv_engine *e;
  struct sv_ctr *c = NULL;
  if (cli_operands (argc, next, 1, 1, "export", "[-o FILE] CONTAINER", err) < 0)
    return SERVIN_EXIT_ERROR;
  if (output == NULL && isatty (STDOUT_FILENO))
    return sv_err_make_plain (err, EINVAL,
                              "cowardly refusing to save to a terminal. Use the -o flag or "
                              "redirect"),
           SERVIN_EXIT_ERROR;
  if (cli_container (cli, argv[next], &e, &c, err) < 0)
    return SERVIN_EXIT_ERROR;
  int r = output ? export_file (e, c, output, err) : sv_engine_export (e, c, STDOUT_FILENO, err);
  sv_ctr_free (c);
  return r < 0 ? SERVIN_EXIT_ERROR : 0;
}

/* servin import [-c INSTRUCTION]... [-m MESSAGE] [--platform P] FILE|- [REF]:
 * a root filesystem tarball as a one-layer image; prints its id. */
#include "cli/servin.h"
#include "image/archive.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum
{
  OPT_PLATFORM = 256,
};

static const struct option opts[] = {
  { "change", required_argument, NULL, 'c' },
  { "message", required_argument, NULL, 'm' },
  { "platform", required_argument, NULL, OPT_PLATFORM },
  { 0 },
};

/* The normalised tag of REF ("busybox" -> docker.io/library/busybox:latest). */
static int
import_tag (const char *ref_s, char **out, struct sv_err **err)
{
  _cleanup_ref_ struct sv_ref *ref = NULL;
  if (sv_ref_parse (ref_s, &ref, err) < 0)
    return -1;
  if (ref->digest)
    return sv_err_make (err, EINVAL, "`%s`: an image name cannot have a digest", ref_s);
  *out = sv_ref_string (ref);
  return 0;
}

int
cmd_import (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  _cleanup_strv_ char **changes = NULL;
  struct sv_import_opts o = { 0 };
  int c, next;
  while ((c = cli_getopt (argc, argv, "import", opts, true, &next, err)) != -1)
    switch (c)
      {
      case -2:
        return SERVIN_EXIT_ERROR;
      case 'c':
        sv_strv_append (&changes, optarg);
        break;
      case 'm':
        o.message = optarg;
        break;
      case OPT_PLATFORM:
        o.platform = optarg;
        break;
      }
  if (cli_operands (argc, next, 1, 2, "import", "[OPTIONS] FILE|- [REPOSITORY[:TAG]]", err) < 0)
    return SERVIN_EXIT_ERROR;
  _cleanup_free_ char *tag = NULL;
  if (next + 1 < argc && import_tag (argv[next + 1], &tag, err) < 0)
    return sv_err_wrap (err, "import"), SERVIN_EXIT_ERROR;
  const char *src = argv[next];
  bool from_stdin = strcmp (src, "-") == 0;
  _cleanup_close_ int fd = from_stdin ? -1 : open (src, O_RDONLY | O_CLOEXEC);
  if (!from_stdin && fd < 0)
    return sv_err_errno (err, "import: open %s", src), SERVIN_EXIT_ERROR;
  o.changes = changes;
  o.source = src;
  o.tag = tag;
  struct sv_store *s;
  _cleanup_free_ char *id = NULL;
  if (cli_store (cli, &s, err) < 0
      || sv_image_import (s, from_stdin ? STDIN_FILENO : fd, &o, &id, err) < 0)
    return sv_err_wrap (err, "import"), SERVIN_EXIT_ERROR;
  printf ("%s\n", id);
  return 0;
}

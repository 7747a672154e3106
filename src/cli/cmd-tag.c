/* servin tag SOURCE TARGET: another name for an image. */
#include "cli/servin.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>

static const struct option opts[] = { { 0 } };

int
cmd_tag (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  int c, next;
  while ((c = cli_getopt (argc, argv, "tag", opts, true, &next, err)) != -1)
    if (c == -2)
      return SERVIN_EXIT_ERROR;
  struct sv_store *s;
  _cleanup_ref_ struct sv_ref *ref = NULL;
  if (cli_operands (argc, next, 2, 2, "tag", "SOURCE TARGET", err) < 0
      || sv_ref_parse (argv[next + 1], &ref, err) < 0)
    return SERVIN_EXIT_ERROR;
  if (ref->digest)
    return sv_err_make_plain (err, EINVAL, "tag: `%s`: a tag cannot name a digest", argv[next + 1]),
           SERVIN_EXIT_ERROR;
  struct sv_image *img = NULL;
  if (cli_store (cli, &s, err) < 0 || sv_store_lookup_image (s, argv[next], &img, err) < 0)
    return SERVIN_EXIT_ERROR;
  _cleanup_free_ char *name = sv_ref_string (ref);
  int r = sv_store_tag (s, img->id, name, err);
  sv_image_free (img);
  return r < 0 ? SERVIN_EXIT_ERROR : 0;
}

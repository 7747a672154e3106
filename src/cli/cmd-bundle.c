/* servin image bundle IMAGE DIR: an OCI bundle for servin-runtime (until
 * `servin run` lands, the way to run an image). */
#include "cli/servin.h"
#include "engine/bundle.h"

#include <stdio.h>

static const struct option opts[] = { { 0 } };

int
cmd_bundle (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  int c, next;
  while ((c = cli_getopt (argc, argv, "image bundle", opts, true, &next, err)) != -1)
    if (c == -2)
      return SERVIN_EXIT_ERROR;
  struct sv_store *s;
  struct sv_image *img = NULL;
  if (cli_operands (argc, next, 2, 2, "image bundle", "IMAGE DIR", err) < 0
      || cli_store (cli, &s, err) < 0 || sv_store_lookup_image (s, argv[next], &img, err) < 0)
    return SERVIN_EXIT_ERROR;
  int r = sv_image_bundle (s, img, argv[next + 1], err);
  sv_image_free (img);
  return r < 0 ? SERVIN_EXIT_ERROR : 0;
}

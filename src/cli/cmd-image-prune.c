/* servin image prune: remove dangling images (all unused with -a), then
 * collect unreferenced blobs and layers.  Images a container uses stay. */
#include "cli/prune.h"
#include "cli/run.h"
#include "engine/prune.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct option opts[] = {
  { "all", no_argument, NULL, 'a' },
  { "force", no_argument, NULL, 'f' },
  { "filter", required_argument, NULL, 'F' },
  { 0 },
};

static bool
confirm (bool all)
{
  return cli_confirm (all ? "This will remove all images without at least one container "
                            "associated to them."
                          : "This will remove all dangling images.");
}

void
cli_print_deleted_images (struct sv_image **v, size_t n)
{
  if (n > 0)
    printf ("Deleted Images:\n");
  for (size_t i = 0; i < n; i++)
    {
      for (char **t = v[i]->repo_tags; t && *t; t++)
        {
          _cleanup_free_ char *f = cli_familiar (*t);
          printf ("untagged: %s\n", f);
        }
      printf ("deleted: %s\n", v[i]->id);
    }
}

int
cmd_image_prune (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  bool all = false, force = false;
  int c, next;
  while ((c = cli_getopt (argc, argv, "image prune", opts, true, &next, err)) != -1)
    switch (c)
      {
      case -2:
        return SERVIN_EXIT_ERROR;
      case 'a':
        all = true;
        break;
      case 'f':
        force = true;
        break;
      case 'F':
        return sv_err_make_plain (err, EINVAL, "image prune: --filter is not supported"),
               SERVIN_EXIT_ERROR;
      }
  struct sv_engine *e;
  if (cli_operands (argc, next, 0, 0, "image prune", "[-a] [-f]", err) < 0
      || cli_engine (cli, &e, err) < 0)
    return SERVIN_EXIT_ERROR;
  if (!force && !confirm (all))
    return 0;
  struct sv_image **v = NULL;
  size_t n = 0;
  if (sv_prune_images (e, all, &v, &n, err) < 0)
    return SERVIN_EXIT_ERROR;
  cli_print_deleted_images (v, n);
  sv_image_list_free (v, n);
  int64_t freed = 0;
  if (sv_store_gc (e->store, &freed, err) < 0)
    return SERVIN_EXIT_ERROR;
  _cleanup_free_ char *h = cli_human_size (freed);
  printf ("%sTotal reclaimed space: %s\n", n ? "\n" : "", h);
  return 0;
}

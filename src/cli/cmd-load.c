/* servin load [-i FILE] [-q]: images from a docker-archive or oci-archive
 * (told apart by content), read from FILE or stdin. */
#include "cli/servin.h"
#include "image/archive.h"
#include "image/reference.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static const struct option opts[] = {
  { "input", required_argument, NULL, 'i' },
  { "quiet", no_argument, NULL, 'q' },
  { 0 },
};

/* docker's lines: "Loaded image: busybox:latest" per tag, or the id. */
static void
print_loaded (const struct sv_load_result *r)
{
  for (size_t i = 0; i < r->n_images; i++)
    {
      const struct sv_loaded_image *img = &r->images[i];
      if (img->tags == NULL)
        printf ("Loaded image ID: %s\n", img->id);
      for (char **t = img->tags; t && *t; t++)
        {
          _cleanup_ref_ struct sv_ref *ref = NULL;
          struct sv_err *e = NULL;
          _cleanup_free_ char *name
              = sv_ref_parse (*t, &ref, &e) == 0 ? sv_ref_familiar (ref) : NULL;
          sv_err_free (&e);
          printf ("Loaded image: %s\n", name ? name : *t);
        }
    }
}

int
cmd_load (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  const char *input = NULL;
  bool quiet = false;
  int c, next;
  while ((c = cli_getopt (argc, argv, "load", opts, true, &next, err)) != -1)
    switch (c)
      {
      case -2:
        return SERVIN_EXIT_ERROR;
      case 'i':
        input = optarg;
        break;
      case 'q':
        quiet = true;
        break;
      }
  if (cli_operands (argc, next, 0, 0, "load", "[-i FILE] [-q]", err) < 0)
    return SERVIN_EXIT_ERROR;
  if (input == NULL && isatty (STDIN_FILENO))
    return sv_err_make (err, EINVAL,
                        "load: requested load from stdin, but stdin is empty (use -i FILE)"),
           SERVIN_EXIT_ERROR;
  _cleanup_close_ int fd = input ? open (input, O_RDONLY | O_CLOEXEC) : -1;
  if (input && fd < 0)
    return sv_err_errno (err, "load: open %s", input), SERVIN_EXIT_ERROR;
  struct sv_store *s;
  struct sv_load_result *r = NULL;
  if (cli_store (cli, &s, err) < 0 || sv_archive_load (s, input ? fd : STDIN_FILENO, &r, err) < 0)
    return sv_err_wrap (err, "load"), SERVIN_EXIT_ERROR;
  if (!quiet)
    print_loaded (r);
  sv_load_result_free (r);
  return 0;
}

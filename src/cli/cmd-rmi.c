/* servin rmi: untag, and delete an image once no name is left.  Layers and
 * blobs other images share stay; the rest is collected at the end. */
#include "cli/servin.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The stored name ARG spells ("busybox" -> "docker.io/library/busybox:latest"),
 * when IMG has it; NULL when ARG named the image by id. */
static char *
stored_name (const struct sv_image *img, const char *arg)
{
  _cleanup_ref_ struct sv_ref *ref = NULL;
  if (sv_ref_parse (arg, &ref, NULL) < 0)
    return NULL;
  _cleanup_free_ char *name = sv_ref_name (ref);
  char *full = ref->digest ? xasprintf ("%s@%s", name, ref->digest) : sv_ref_string (ref);
  char **lists[] = { img->repo_tags, img->repo_digests };
  for (size_t l = 0; l < 2; l++)
    for (char **t = lists[l]; t && *t; t++)
      if (strcmp (*t, full) == 0)
        return full;
  free (full);
  return NULL;
}

static void
print_untagged (const char *name)
{
  _cleanup_free_ char *f = cli_familiar (name);
  printf ("Untagged: %s\n", f);
}

/* Delete IMG with all its names. */
static int
delete_image (struct sv_store *s, const struct sv_image *img, struct sv_err **err)
{
  if (sv_store_delete_image (s, img->id, err) < 0)
    return -1;
  char **lists[] = { img->repo_tags, img->repo_digests };
  for (size_t l = 0; l < 2; l++)
    for (char **t = lists[l]; t && *t; t++)
      print_untagged (*t);
  printf ("Deleted: %s\n", img->id);
  return 0;
}

static size_t
count (char **v)
{
  size_t n = 0;
  for (; v && *v; v++)
    n++;
  return n;
}

static int
remove_one (struct sv_store *s, const char *arg, bool force, struct sv_err **err)
{
  struct sv_image *img = NULL;
  if (sv_store_lookup_image (s, arg, &img, err) < 0)
    return -1;
  _cleanup_free_ char *name = stored_name (img, arg);
  int r;
  if (name && count (img->repo_tags) > 1 && strchr (name, '@') == NULL)
    {
      /* One of several tags: only the name goes. */
      r = sv_store_untag (s, name, err);
      if (r == 0)
        print_untagged (name);
    }
  else if (name == NULL && count (img->repo_tags) > 1 && !force)
    r = sv_err_make_plain (
        err, EBUSY,
        "conflict: unable to delete %.19s (must be forced) - image is referenced "
        "in multiple repositories",
        img->id + 7);
  else
    r = delete_image (s, img, err);
  sv_image_free (img);
  return r;
}

static const struct option opts[] = {
  { "force", no_argument, NULL, 'f' },
  { "no-prune", no_argument, NULL, 'n' },
  { 0 },
};

int
cmd_rmi (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  bool force = false;
  int c, next;
  while ((c = cli_getopt (argc, argv, "rmi", opts, true, &next, err)) != -1)
    switch (c)
      {
      case -2:
        return SERVIN_EXIT_ERROR;
      case 'f':
        force = true;
        break;
      }
  struct sv_store *s;
  if (cli_operands (argc, next, 1, -1, "rmi", "IMAGE [IMAGE...]", err) < 0
      || cli_store (cli, &s, err) < 0)
    return SERVIN_EXIT_ERROR;
  int status = 0;
  for (int i = next; i < argc; i++)
    {
      struct sv_err *e = NULL;
      if (remove_one (s, argv[i], force, &e) < 0)
        {
          char *msg = sv_err_string (e);
          fprintf (stderr, "servin: %s\n", msg);
          free (msg);
          sv_err_free (&e);
          status = 1;
        }
    }
  if (sv_store_gc (s, NULL, err) < 0)
    return SERVIN_EXIT_ERROR;
  return status;
}

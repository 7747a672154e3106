/* servin rmi: untag, and delete an image once no name is left.  Layers and
 * blobs other images share stay; the rest is collected at the end.  An
 * image a container uses is not deleted: -f only takes its names. */
#include "cli/run.h"
#include "engine/prune.h"
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

/* Remove every name of IMG, keeping the record (it becomes <none>). */
static int
untag_all (struct sv_store *s, const struct sv_image *img, struct sv_err **err)
{
  char **lists[] = { img->repo_tags, img->repo_digests };
  for (size_t l = 0; l < 2; l++)
    for (char **t = lists[l]; t && *t; t++)
      {
        if (sv_store_untag (s, *t, err) < 0)
          return -1;
        print_untagged (*t);
      }
  return 0;
}

/* IMG is used by container CID (RUNNING or not).  Without FORCE that is
 * docker's conflict (naming the reference ARG when the user named the
 * image, else its id); with it the names go and the record stays, so the
 * container keeps its layers, as docker leaves a <none> image. */
static int
remove_used (struct sv_store *s, const struct sv_image *img, const char *arg, bool by_name,
             const char *cid, bool running, bool force, struct sv_err **err)
{
  const char *state = running ? "running" : "stopped";
  if (!force && by_name)
    return sv_err_make_plain (err, EBUSY,
                              "conflict: unable to remove repository reference \"%s\" (must "
                              "force) - container %.12s is using its referenced image %.12s",
                              arg, cid, img->id + 7);
  if (!force || (img->repo_tags == NULL && img->repo_digests == NULL))
    return sv_err_make_plain (err, EBUSY,
                              "conflict: unable to delete %.12s (%s) - image is being used by %s "
                              "container %.12s",
                              img->id + 7, force ? "cannot be forced" : "must be forced", state,
                              cid);
  return untag_all (s, img, err);
}

/* Delete IMG unless a container uses it. */
static int
delete_unused (struct sv_engine *e, const struct sv_image *img, const char *arg, bool by_name,
               bool force, struct sv_err **err)
{
  _cleanup_free_ char *cid = NULL;
  bool running = false;
  int used = sv_image_user (e, img->id, &cid, &running, err);
  if (used < 0)
    return -1;
  if (used)
    return remove_used (e->store, img, arg, by_name, cid, running, force, err);
  return delete_image (e->store, img, err);
}

static int
remove_one (struct sv_engine *e, const char *arg, bool force, struct sv_err **err)
{
  struct sv_image *img = NULL;
  if (sv_store_lookup_image (e->store, arg, &img, err) < 0)
    return -1;
  _cleanup_free_ char *name = stored_name (img, arg);
  int r;
  if (name && count (img->repo_tags) > 1 && strchr (name, '@') == NULL)
    {
      /* One of several tags: only the name goes. */
      r = sv_store_untag (e->store, name, err);
      if (r == 0)
        print_untagged (name);
    }
  else if (name == NULL && count (img->repo_tags) > 1 && !force)
    r = sv_err_make_plain (
        err, EBUSY,
        "conflict: unable to delete %.12s (must be forced) - image is referenced "
        "in multiple repositories",
        img->id + 7);
  else
    r = delete_unused (e, img, arg, name != NULL, force, err);
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
  struct sv_engine *eng;
  if (cli_operands (argc, next, 1, -1, "rmi", "IMAGE [IMAGE...]", err) < 0
      || cli_engine (cli, &eng, err) < 0)
    return SERVIN_EXIT_ERROR;
  int status = 0;
  for (int i = next; i < argc; i++)
    {
      struct sv_err *e = NULL;
      if (remove_one (eng, argv[i], force, &e) < 0)
        {
          cli_report_operand (&e);
          status = 1;
        }
    }
  if (sv_store_gc (eng->store, NULL, err) < 0)
    return SERVIN_EXIT_ERROR;
  return status;
}

/* servin images: one row per tag (untagged images as <none>), newest first. */
#include "cli/servin.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

struct images_opts
{
  bool quiet;
  bool digests;
  bool no_trunc;
  bool json;
  bool dangling_only;
  const char *repo_filter; /* REPOSITORY[:TAG], glob allowed as docker does */
};

/* The digest recorded for REPO among IMG's repo digests, or NULL. */
static char *
digest_for (const struct sv_image *img, const char *repo)
{
  for (char **d = img->repo_digests; d && *d; d++)
    {
      _cleanup_free_ char *r = NULL, *t = NULL;
      char *dg = NULL;
      cli_split_name (*d, &r, &t, &dg);
      if (dg && strcmp (r, repo) == 0)
        return dg;
      free (dg);
    }
  return NULL;
}

static bool
matches_filter (const struct images_opts *o, const char *repo, const char *tag)
{
  if (o->repo_filter == NULL)
    return true;
  _cleanup_free_ char *want_repo = xstrdup (o->repo_filter);
  char *colon = strrchr (want_repo, ':');
  const char *want_tag = NULL;
  if (colon && strchr (colon, '/') == NULL)
    {
      *colon = '\0';
      want_tag = colon + 1;
    }
  _cleanup_free_ char *fam = cli_familiar (want_repo);
  if (fnmatch (want_repo, repo, 0) != 0 && strcmp (fam, repo) != 0)
    return false;
  return want_tag == NULL || (tag && fnmatch (want_tag, tag, 0) == 0);
}

static void
print_row (const struct images_opts *o, const struct sv_image *img, const char *repo,
           const char *tag)
{
  const char *hex = strchr (img->id, ':') + 1;
  _cleanup_free_ char *id = o->no_trunc ? xstrdup (img->id) : xstrndup (hex, 12);
  if (o->quiet)
    {
      printf ("%s\n", id);
      return;
    }
  _cleanup_free_ char *digest = repo ? digest_for (img, repo) : NULL;
  int64_t created = cli_parse_rfc3339 (img->created);
  _cleanup_free_ char *since = created >= 0 ? cli_human_since (created) : xstrdup ("N/A");
  _cleanup_free_ char *size = cli_human_size (img->size);
  if (o->json)
    {
      _cleanup_json_ json_t *j
          = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Repository",
                       repo ? repo : "<none>", "Tag", tag ? tag : "<none>", "ID", id, "Digest",
                       digest ? digest : "<none>", "CreatedAt", img->created ? img->created : "",
                       "CreatedSince", since, "Size", size, "VirtualSize", size);
      cli_print_json (j, false);
      return;
    }
  printf ("%-40s %-12s ", repo ? repo : "<none>", tag ? tag : "<none>");
  if (o->digests)
    printf ("%-71s ", digest ? digest : "<none>");
  printf ("%-12s %-18s %s\n", id, since, size);
}

static void
print_image (const struct images_opts *o, const struct sv_image *img, char ***seen_ids)
{
  bool printed = false;
  for (char **t = img->repo_tags; t && *t; t++)
    {
      _cleanup_free_ char *repo = NULL, *tag = NULL, *dg = NULL;
      cli_split_name (*t, &repo, &tag, &dg);
      if (o->dangling_only || !matches_filter (o, repo, tag))
        continue;
      if (o->quiet && sv_strv_contains (*seen_ids, img->id))
        continue;
      print_row (o, img, repo, tag);
      sv_strv_append (seen_ids, img->id);
      printed = true;
    }
  if (!printed && img->repo_tags == NULL && o->repo_filter == NULL)
    print_row (o, img, NULL, NULL);
}

enum
{
  OPT_FORMAT = 256,
  OPT_NO_TRUNC,
  OPT_DIGESTS,
};

static const struct option opts[] = {
  { "all", no_argument, NULL, 'a' },
  { "quiet", no_argument, NULL, 'q' },
  { "digests", no_argument, NULL, OPT_DIGESTS },
  { "no-trunc", no_argument, NULL, OPT_NO_TRUNC },
  { "format", required_argument, NULL, OPT_FORMAT },
  { "filter", required_argument, NULL, 'f' },
  { 0 },
};

static int
parse (int argc, char **argv, struct images_opts *o, struct sv_err **err)
{
  int c, next;
  while ((c = cli_getopt (argc, argv, "images", opts, true, &next, err)) != -1)
    switch (c)
      {
      case -2:
        return -1;
      case 'q':
        o->quiet = true;
        break;
      case OPT_DIGESTS:
        o->digests = true;
        break;
      case OPT_NO_TRUNC:
        o->no_trunc = true;
        break;
      case OPT_FORMAT:
        if (strcmp (optarg, "json") == 0 || strcmp (optarg, "{{json .}}") == 0)
          o->json = true;
        else if (strcmp (optarg, "table") != 0)
          return sv_err_make_plain (err, EINVAL, "images: --format: `%s` is not table or json",
                                    optarg);
        break;
      case 'f':
        if (strcmp (optarg, "dangling=true") == 0)
          o->dangling_only = true;
        else if (strncmp (optarg, "reference=", 10) == 0)
          o->repo_filter = optarg + 10;
        else if (strcmp (optarg, "dangling=false") != 0)
          return sv_err_make_plain (err, EINVAL, "images: unsupported filter `%s`", optarg);
        break;
      }
  if (cli_operands (argc, next, 0, 1, "images", "[REPOSITORY[:TAG]]", err) < 0)
    return -1;
  if (next < argc)
    o->repo_filter = argv[next];
  return 0;
}

int
cmd_images (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  struct images_opts o = { 0 };
  struct sv_store *s;
  if (parse (argc, argv, &o, err) < 0 || cli_store (cli, &s, err) < 0)
    return SERVIN_EXIT_ERROR;
  struct sv_image **v = NULL;
  size_t n = 0;
  if (sv_store_list_images (s, &v, &n, err) < 0)
    return SERVIN_EXIT_ERROR;
  if (!o.quiet && !o.json)
    {
      printf ("%-40s %-12s ", "REPOSITORY", "TAG");
      if (o.digests)
        printf ("%-71s ", "DIGEST");
      printf ("%-12s %-18s %s\n", "IMAGE ID", "CREATED", "SIZE");
    }
  _cleanup_strv_ char **seen = NULL;
  for (size_t i = 0; i < n; i++)
    if (!o.dangling_only || v[i]->repo_tags == NULL)
      print_image (&o, v[i], &seen);
  sv_image_list_free (v, n);
  return 0;
}

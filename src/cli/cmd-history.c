/* servin history IMAGE: the config's history, newest first, with the size
 * of the layer each step made. */
#include "cli/servin.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct history_opts
{
  bool quiet, no_trunc, json, human;
};

static void
print_step (const struct history_opts *o, const char *id, const struct sv_history *h, int64_t size)
{
  const char *by = h->created_by ? h->created_by : "";
  int64_t when = cli_parse_rfc3339 (h->created);
  _cleanup_free_ char *since = when >= 0 ? cli_human_since (when) : xstrdup ("N/A");
  _cleanup_free_ char *hsize
      = o->human ? cli_human_size (size) : xasprintf ("%lld", (long long)size);
  if (o->json)
    {
      _cleanup_json_ json_t *j
          = json_pack ("{s:s, s:s, s:s, s:s, s:I, s:s}", "ID", id, "CreatedAt",
                       h->created ? h->created : "", "CreatedSince", since, "CreatedBy", by, "Size",
                       (json_int_t)size, "Comment", h->comment ? h->comment : "");
      cli_print_json (j, false);
      return;
    }
  if (o->quiet)
    {
      printf ("%s\n", id);
      return;
    }
  _cleanup_free_ char *shown
      = o->no_trunc || strlen (by) <= 45 ? xstrdup (by) : xasprintf ("%.42s...", by);
  printf ("%-12s %-18s %-45s %-8s %s\n", id, since, shown, hsize, h->comment ? h->comment : "");
}

static const struct option opts[] = {
  { "quiet", no_argument, NULL, 'q' },
  { "no-trunc", no_argument, NULL, 'n' },
  { "human", required_argument, NULL, 'H' },
  { "format", required_argument, NULL, 'F' },
  { 0 },
};

static int
parse (int argc, char **argv, struct history_opts *o, int *next, struct sv_err **err)
{
  int c;
  while ((c = cli_getopt (argc, argv, "history", opts, true, next, err)) != -1)
    switch (c)
      {
      case -2:
        return -1;
      case 'q':
        o->quiet = true;
        break;
      case 'n':
        o->no_trunc = true;
        break;
      case 'H':
        o->human = strcmp (optarg, "false") != 0;
        break;
      case 'F':
        if (strcmp (optarg, "json") != 0 && strcmp (optarg, "table") != 0)
          return sv_err_make_plain (err, EINVAL, "history: --format: `%s` is not table or json",
                                    optarg);
        o->json = strcmp (optarg, "json") == 0;
        break;
      }
  return cli_operands (argc, *next, 1, 1, "history", "IMAGE", err);
}

int
cmd_history (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  struct history_opts o = { .human = true };
  int next;
  struct sv_store *s;
  struct sv_image *img = NULL;
  if (parse (argc, argv, &o, &next, err) < 0 || cli_store (cli, &s, err) < 0
      || sv_store_lookup_image (s, argv[next], &img, err) < 0)
    return SERVIN_EXIT_ERROR;
  _cleanup_image_config_ struct sv_image_config *c = NULL;
  int r = sv_store_image_docs (s, img, NULL, &c, err);
  _cleanup_free_ char *top = o.no_trunc ? xstrdup (img->id) : xstrndup (img->id + 7, 12);
  sv_image_free (img);
  if (r < 0)
    return SERVIN_EXIT_ERROR;
  if (!o.quiet && !o.json)
    printf ("%-12s %-18s %-45s %-8s %s\n", "IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT");
  /* Layer i belongs to the i-th history entry that is not empty_layer. */
  size_t layer = 0;
  for (size_t i = 0; i < c->n_history; i++)
    if (!c->history[i].empty_layer)
      layer++;
  for (size_t i = c->n_history; i-- > 0;)
    {
      int64_t size = 0;
      if (!c->history[i].empty_layer && layer > 0 && --layer < c->n_diff_ids)
        sv_store_has_layer (s, c->diff_ids[layer], &size);
      print_step (&o, i == c->n_history - 1 ? top : "<missing>", &c->history[i], size);
    }
  return 0;
}

/* servin image inspect (and `servin inspect` for images): docker's JSON. */
#include "cli/servin.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *
names_json (char **v)
{
  json_t *a = json_array ();
  for (; v && *v; v++)
    {
      char *f = cli_familiar (*v);
      json_array_append_new (a, json_string (f));
      free (f);
    }
  return a;
}

static json_t *
str_or_empty (const char *s)
{
  return json_string (s ? s : "");
}

/* The image config's "config" object as stored (docker's field names). */
static json_t *
container_config (struct sv_store *s, const char *config_digest, struct sv_err **err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len;
  _cleanup_json_ json_t *doc = NULL;
  if (sv_store_read_blob (s, config_digest, 32u << 20, &buf, &len, err) < 0
      || sv_json_load_buffer (buf, len, "image config", &doc, err) < 0)
    return NULL;
  json_t *c = json_object_get (doc, "config");
  return c ? json_incref (c) : json_object ();
}

static json_t *
image_json (struct sv_store *s, const struct sv_image *img, struct sv_err **err)
{
  _cleanup_manifest_ struct sv_manifest *m = NULL;
  _cleanup_image_config_ struct sv_image_config *c = NULL;
  if (sv_store_image_docs (s, img, &m, &c, err) < 0)
    return NULL;
  json_t *config = container_config (s, m->config.digest, err);
  if (config == NULL)
    return NULL;
  json_t *layers = json_array ();
  for (size_t i = 0; i < c->n_diff_ids; i++)
    json_array_append_new (layers, json_string (c->diff_ids[i]));
  const char *comment = c->n_history ? c->history[c->n_history - 1].comment : NULL;
  return json_pack ("{s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:s, s:I, s:I,"
                    " s:{s:s, s:o}, s:s, s:s, s:s}",
                    "Id", img->id, "RepoTags", names_json (img->repo_tags), "RepoDigests",
                    names_json (img->repo_digests), "Parent", "", "Comment", str_or_empty (comment),
                    "Created", str_or_empty (img->created), "Author", str_or_empty (c->author),
                    "Config", config, "Architecture", img->arch ? img->arch : "", "Variant",
                    str_or_empty (img->variant), "Os", img->os ? img->os : "", "Size",
                    (json_int_t)img->size, "VirtualSize", (json_int_t)img->size, "RootFS", "Type",
                    "layers", "Layers", layers, "ManifestDigest", img->manifest_digest,
                    "ManifestMediaType", img->manifest_media_type, "GraphDriver", "overlay");
}

static const struct option opts[] = {
  { "format", required_argument, NULL, 'f' },
  { "type", required_argument, NULL, 't' },
  { 0 },
};

int
cmd_image_inspect (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  const char *format = NULL;
  int c, next;
  while ((c = cli_getopt (argc, argv, "inspect", opts, true, &next, err)) != -1)
    switch (c)
      {
      case -2:
        return SERVIN_EXIT_ERROR;
      case 'f':
        format = optarg;
        break;
      case 't':
        if (strcmp (optarg, "image") != 0)
          return sv_err_make_plain (err, EINVAL, "inspect: --type %s is not supported yet", optarg),
                 SERVIN_EXIT_ERROR;
        break;
      }
  struct sv_store *s;
  if (cli_operands (argc, next, 1, -1, "inspect", "IMAGE [IMAGE...]", err) < 0
      || cli_store (cli, &s, err) < 0)
    return SERVIN_EXIT_ERROR;
  _cleanup_json_ json_t *all = json_array ();
  int status = 0;
  for (int i = next; i < argc; i++)
    {
      struct sv_image *img = NULL;
      struct sv_err *e = NULL;
      json_t *j = NULL;
      if (sv_store_lookup_image (s, argv[i], &img, &e) == 0)
        j = image_json (s, img, &e);
      sv_image_free (img);
      if (j == NULL)
        {
          /* docker prints what it found and fails for the rest. */
          cli_report_operand (&e);
          status = 1;
          continue;
        }
      if (format && cli_template_print (format, j, err) < 0)
        {
          json_decref (j);
          return SERVIN_EXIT_ERROR;
        }
      json_array_append_new (all, j);
    }
  if (format == NULL)
    cli_print_json (all, true);
  return status;
}

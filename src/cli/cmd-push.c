/* servin push [-q] [--tls-verify=false] IMAGE [DEST]
 *
 * DEST defaults to IMAGE (which must then be a name, not an id).  Prints
 * docker's last line: "TAG: digest: sha256:... size: N". */
#include "cli/servin.h"
#include "image/push.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum
{
  OPT_TLS_VERIFY = 256,
};

static const struct option opts[] = {
  { "quiet", no_argument, NULL, 'q' },
  { "tls-verify", optional_argument, NULL, OPT_TLS_VERIFY },
  { 0 },
};

static void
on_progress (void *data, const struct sv_push_event *ev)
{
  const bool *quiet = data;
  if (*quiet)
    return;
  const char *colon = strchr (ev->digest, ':');
  char id[13];
  snprintf (id, sizeof id, "%s", colon ? colon + 1 : ev->digest);
  switch (ev->kind)
    {
    case SV_PUSH_PREPARING:
      fprintf (stderr, "%s: Preparing\n", id);
      break;
    case SV_PUSH_EXISTS:
      fprintf (stderr, "%s: Layer already exists\n", id);
      break;
    case SV_PUSH_PUSHING:
      break;
    case SV_PUSH_PUSHED:
      fprintf (stderr, "%s: Pushed\n", id);
      break;
    }
}

struct push_args
{
  bool quiet;
  bool tls_verify;
};

static int
parse_flags (int argc, char **argv, struct push_args *a, int *next, struct sv_err **err)
{
  int c;
  a->tls_verify = true;
  while ((c = cli_getopt (argc, argv, "push", opts, true, next, err)) != -1)
    switch (c)
      {
      case -2:
        return -1;
      case 'q':
        a->quiet = true;
        break;
      case OPT_TLS_VERIFY:
        if (optarg && strcmp (optarg, "false") != 0 && strcmp (optarg, "true") != 0)
          return sv_err_make (err, EINVAL, "push: --tls-verify takes true or false, not `%s`",
                              optarg);
        a->tls_verify = optarg == NULL || strcmp (optarg, "true") == 0;
        break;
      }
  return cli_operands (argc, *next, 1, 2, "push", "[-q] IMAGE [DEST]", err);
}

int
cmd_push (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  struct push_args a = { 0 };
  int next;
  if (parse_flags (argc, argv, &a, &next, err) < 0)
    return SERVIN_EXIT_ERROR;
  const char *image = argv[next];
  const char *dest_name = next + 1 < argc ? argv[next + 1] : image;
  _cleanup_ref_ struct sv_ref *dest = NULL;
  struct sv_store *s;
  struct sv_image *img = NULL;
  if (sv_ref_parse (dest_name, &dest, err) < 0 || cli_store (cli, &s, err) < 0
      || sv_store_lookup_image (s, image, &img, err) < 0)
    return sv_err_wrap (err, "push"), SERVIN_EXIT_ERROR;
  if (!a.quiet)
    {
      _cleanup_free_ char *name = sv_ref_name (dest);
      fprintf (stderr, "The push refers to repository [%s]\n", name);
    }
  struct sv_push_opts o = {
    .plain_http = cli_registry_insecure (cli, sv_ref_registry_host (dest)),
    .tls_skip_verify = !a.tls_verify,
    .progress = on_progress,
    .progress_data = &a.quiet,
  };
  struct sv_push_result r = { 0 };
  int ret = sv_push (s, img, dest, &o, &r, err);
  sv_image_free (img);
  if (ret < 0)
    return sv_err_wrap (err, "push %s", dest_name), SERVIN_EXIT_ERROR;
  if (a.quiet)
    printf ("%s\n", r.digest);
  else
    printf ("%s: digest: %s size: %" PRId64 "\n", dest->digest ? dest->digest : dest->tag, r.digest,
            r.size);
  sv_push_result_clear (&r);
  return 0;
}

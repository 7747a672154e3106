/* servin commit [-m MSG] [-a AUTHOR] [-c CHANGE]... [-p] CONTAINER [REPO[:TAG]]:
 * a container's changes as a new image; prints its id. */
#include "cli/run.h"
#include "engine/ctr-ops.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum
{
  OPT_NO_PAUSE = 256,
};

static const struct option commit_opts[] = {
  { "message", required_argument, NULL, 'm' },
  { "author", required_argument, NULL, 'a' },
  { "change", required_argument, NULL, 'c' },
  { "pause", optional_argument, NULL, 'p' },
  { 0 },
};

/* The normalised tag of REF ("x" -> docker.io/library/x:latest). */
static int
commit_tag (const char *ref_s, char **out, struct sv_err **err)
{
  _cleanup_ref_ struct sv_ref *ref = NULL;
  if (sv_ref_parse (ref_s, &ref, err) < 0)
    return -1;
  if (ref->digest)
    return sv_err_make_plain (err, EINVAL, "`%s`: an image name cannot have a digest", ref_s);
  *out = sv_ref_string (ref);
  return 0;
}

static int
parse_pause (const char *v, bool *pause, struct sv_err **err)
{
  if (v && strcmp (v, "true") != 0 && strcmp (v, "false") != 0)
    return sv_err_make_plain (err, EINVAL, "--pause: expected true or false, got `%s`", v);
  *pause = v == NULL || strcmp (v, "true") == 0;
  return 0;
}

int
cmd_commit (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  _cleanup_strv_ char **changes = NULL;
  struct sv_commit_opts o = { .pause = true };
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "commit", commit_opts, true, &next, err)) != -1)
    if (ch == -2 || (ch == 'p' && parse_pause (optarg, &o.pause, err) < 0))
      return SERVIN_EXIT_ERROR;
    else if (ch == 'm')
      o.message = optarg;
    else if (ch == 'a')
      o.author = optarg;
    else if (ch == 'c')
      sv_strv_append (&changes, optarg);
  if (cli_operands (argc, next, 1, 2, "commit", "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]", err) < 0)
    return SERVIN_EXIT_ERROR;
  _cleanup_free_ char *tag = NULL;
  if (next + 1 < argc && commit_tag (argv[next + 1], &tag, err) < 0)
    return SERVIN_EXIT_ERROR;
  o.changes = changes;
  o.tag = tag;
  struct sv_engine *e;
  struct sv_ctr *c = NULL;
  _cleanup_free_ char *id = NULL;
  if (cli_container (cli, argv[next], &e, &c, err) < 0)
    return SERVIN_EXIT_ERROR;
  int r = sv_engine_commit (e, c, &o, &id, err);
  sv_ctr_free (c);
  if (r < 0)
    return SERVIN_EXIT_ERROR;
  printf ("%s\n", id);
  return 0;
}

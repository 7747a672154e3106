/* servin pull [--platform P] [-q] [--tls-verify=false] NAME[:TAG|@DIGEST]
 *
 * Progress goes to stderr: on a terminal one line per layer, rewritten in
 * place; otherwise one plain line per step.  stdout gets the normalised
 * reference, as docker prints it last. */
#include "cli/servin.h"
#include "image/platform.h"
#include "image/pull.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum
{
  OPT_PLATFORM = 256,
  OPT_TLS_VERIFY,
};

static const struct option opts[] = {
  { "platform", required_argument, NULL, OPT_PLATFORM },
  { "quiet", no_argument, NULL, 'q' },
  { "tls-verify", optional_argument, NULL, OPT_TLS_VERIFY },
  { 0 },
};

/* What the user sees of a pull. */
struct view
{
  bool quiet;
  bool tty;
  size_t lines;    /* layer lines printed (tty) */
  int64_t last_ms; /* the last download update drawn (tty) */
};

/* The 12 hex digits docker names a layer by. */
static void
short_id (const char *digest, char out[13])
{
  const char *colon = strchr (digest, ':');
  snprintf (out, 13, "%s", colon ? colon + 1 : digest);
}

/* "Downloading 1.2MB/3.4MB"; owned by the caller. */
static char *
download_text (const struct sv_pull_event *ev)
{
  _cleanup_free_ char *done = cli_human_size (ev->done);
  if (ev->total <= 0)
    return xasprintf ("Downloading %s", done);
  _cleanup_free_ char *total = cli_human_size (ev->total);
  return xasprintf ("Downloading %s/%s", done, total);
}

static const char *
step_text (enum sv_pull_event_kind kind)
{
  switch (kind)
    {
    case SV_PULL_LAYER_EXISTS:
      return "Already exists";
    case SV_PULL_LAYER_WAITING:
      return "Pulling fs layer";
    case SV_PULL_LAYER_EXTRACTING:
      return "Extracting";
    case SV_PULL_LAYER_DONE:
      return "Pull complete";
    default:
      return NULL;
    }
}

/* Rewrite layer line I in place: up to it, clear it, print, back down. */
static void
tty_draw (struct view *v, size_t i, const char *id, const char *text)
{
  if (i >= v->lines)
    {
      for (; v->lines < i; v->lines++)
        fputc ('\n', stderr);
      fprintf (stderr, "%s: %s\n", id, text);
      v->lines++;
      return;
    }
  size_t up = v->lines - i;
  fprintf (stderr, "\033[%zuA\r\033[2K%s: %s\033[%zuB\r", up, id, text, up);
}

static void
on_progress (void *data, const struct sv_pull_event *ev)
{
  struct view *v = data;
  if (v->quiet || ev->kind == SV_PULL_RESOLVED)
    return;
  char id[13];
  short_id (ev->digest, id);
  if (ev->kind == SV_PULL_LAYER_DOWNLOADING)
    {
      if (!v->tty)
        return;
      int64_t t = sv_now_ms ();
      if (t - v->last_ms < 100 && ev->done != 0 && ev->done != ev->total)
        return;
      v->last_ms = t;
      _cleanup_free_ char *text = download_text (ev);
      tty_draw (v, ev->layer, id, text);
      return;
    }
  const char *text = step_text (ev->kind);
  if (text == NULL)
    return;
  if (v->tty)
    tty_draw (v, ev->layer, id, text);
  else
    fprintf (stderr, "%s: %s\n", id, text);
  fflush (stderr);
}

struct pull_args
{
  const char *platform;
  bool quiet;
  bool tls_verify;
};

static int
parse_flags (int argc, char **argv, struct pull_args *a, int *next, struct sv_err **err)
{
  int c;
  a->tls_verify = true;
  while ((c = cli_getopt (argc, argv, "pull", opts, true, next, err)) != -1)
    switch (c)
      {
      case -2:
        return -1;
      case OPT_PLATFORM:
        a->platform = optarg;
        break;
      case 'q':
        a->quiet = true;
        break;
      case OPT_TLS_VERIFY:
        if (optarg && strcmp (optarg, "false") != 0 && strcmp (optarg, "true") != 0)
          return sv_err_make (err, EINVAL, "pull: --tls-verify takes true or false, not `%s`",
                              optarg);
        a->tls_verify = optarg == NULL || strcmp (optarg, "true") == 0;
        break;
      }
  return cli_operands (argc, *next, 1, 1, "pull", "[--platform OS/ARCH] [-q] NAME[:TAG|@DIGEST]",
                       err);
}

static void
print_header (const struct sv_ref *ref)
{
  fprintf (stderr, "%s: Pulling from %s\n", ref->digest ? ref->digest : ref->tag, ref->path);
}

static void
print_result (const struct sv_ref *ref, const struct sv_pull_result *r, bool quiet, bool print_ref)
{
  _cleanup_free_ char *full = sv_ref_string (ref);
  if (!quiet)
    {
      _cleanup_free_ char *familiar = sv_ref_familiar (ref);
      fprintf (stderr, "Digest: %s\n", r->digest);
      fprintf (stderr, "Status: %s for %s\n",
               r->up_to_date ? "Image is up to date" : "Downloaded newer image", familiar);
    }
  if (print_ref)
    printf ("%s\n", full);
}

int
cli_pull_image (struct sv_cli *cli, const char *name, const char *platform_name, bool quiet,
                bool tls_verify, bool print_ref, struct sv_err **err)
{
  _cleanup_ref_ struct sv_ref *ref = NULL;
  _cleanup_platform_ struct sv_platform *platform = NULL;
  struct sv_store *s;
  if (sv_ref_parse (name, &ref, err) < 0
      || (platform_name && sv_platform_parse (platform_name, &platform, err) < 0)
      || cli_store (cli, &s, err) < 0)
    return -1;
  struct view v = { .quiet = quiet, .tty = isatty (STDERR_FILENO) };
  struct sv_pull_opts o = {
    .platform = platform,
    .plain_http = cli_registry_insecure (cli, sv_ref_registry_host (ref)),
    .tls_skip_verify = !tls_verify,
    .progress = on_progress,
    .progress_data = &v,
  };
  if (!quiet)
    print_header (ref);
  struct sv_pull_result r = { 0 };
  if (sv_pull (s, ref, &o, &r, err) < 0)
    return sv_err_wrap (err, "pull");
  print_result (ref, &r, quiet, print_ref);
  sv_pull_result_clear (&r);
  return 0;
}

int
cmd_pull (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  struct pull_args a = { 0 };
  int next;
  if (parse_flags (argc, argv, &a, &next, err) < 0
      || cli_pull_image (cli, argv[next], a.platform, a.quiet, a.tls_verify, true, err) < 0)
    return SERVIN_EXIT_ERROR;
  return 0;
}

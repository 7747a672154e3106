/* servin logs: the container's json-file log, followed with -f until the
 * container stops (from any CLI process: the file is the source). */
#include "cli/run.h"
#include "engine/logfile.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct follow
{
  struct sv_engine *e;
  char *id;
};

static bool
still_running (void *data)
{
  struct follow *f = data;
  struct sv_ctr *c = NULL;
  if (sv_ctr_lookup (f->e->db, f->id, &c, NULL) < 0)
    return false;
  bool r = sv_engine_refresh (f->e, c) || strcmp (c->state, "restarting") == 0;
  sv_ctr_free (c);
  return r;
}

static const struct option opts[] = {
  { "follow", no_argument, NULL, 'f' },      { "tail", required_argument, NULL, 'n' },
  { "since", required_argument, NULL, 'S' }, { "until", required_argument, NULL, 'U' },
  { "timestamps", no_argument, NULL, 't' },  { 0 },
};

static int64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
parse (int argc, char **argv, struct sv_log_read_opts *o, int *next, struct sv_err **err)
{
  int ch;
  o->tail = -1;
  while ((ch = cli_getopt (argc, argv, "logs", opts, true, next, err)) != -1)
    switch (ch)
      {
      case -2:
        return -1;
      case 'f':
        o->follow = true;
        break;
      case 't':
        o->timestamps = true;
        break;
      case 'n':
        if (strcmp (optarg, "all") == 0)
          o->tail = -1;
        else
          {
            char *end;
            o->tail = strtoll (optarg, &end, 10);
            if (*optarg == '\0' || *end || o->tail < 0)
              return sv_err_make_plain (err, EINVAL, "logs: invalid --tail value `%s`", optarg);
          }
        break;
      case 'S':
      case 'U':
        if (sv_log_parse_time (optarg, now_ns (), ch == 'S' ? &o->since_ns : &o->until_ns, err) < 0)
          return -1;
        break;
      }
  return cli_operands (argc, *next, 1, 1, "logs", "[OPTIONS] CONTAINER", err);
}

int
cmd_logs (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  struct sv_log_read_opts o = { 0 };
  int next;
  struct sv_engine *e;
  struct sv_ctr *c = NULL;
  if (parse (argc, argv, &o, &next, err) < 0 || cli_container (cli, argv[next], &e, &c, err) < 0)
    return SERVIN_EXIT_ERROR;
  _cleanup_free_ char *dir = sv_engine_ctr_dir (e, c->id);
  _cleanup_free_ char *path = xasprintf ("%s/%s-json.log", dir, c->id);
  struct follow f = { .e = e, .id = c->id };
  o.still_running = still_running;
  o.data = &f;
  int r = sv_log_read (path, &o, STDOUT_FILENO, STDERR_FILENO, err);
  sv_ctr_free (c);
  if (r < 0 && *err && (*err)->code == EPIPE)
    {
      sv_err_free (err);
      return 0;
    }
  return r < 0 ? SERVIN_EXIT_ERROR : 0;
}

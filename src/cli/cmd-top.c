/* servin top / stats: a container's processes and resource usage. */
#include "cli/run.h"
#include "engine/ctr-ops.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- top ---- */

/* Run ps with ARGS on the host; *OUT is what it printed. */
static int
run_ps (char **args, char **out, struct sv_err **err)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return sv_err_errno (err, "pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, p[1], STDOUT_FILENO);
  pid_t pid;
  int r = posix_spawnp (&pid, "ps", &fa, NULL, args, environ);
  posix_spawn_file_actions_destroy (&fa);
  close (p[1]);
  if (r != 0)
    {
      close (p[0]);
      errno = r;
      return sv_err_errno (err, "run ps");
    }
  _cleanup_fclose_ FILE *f = fdopen (p[0], "r");
  size_t cap = 0, len = 0;
  char *buf = NULL, chunk[4096];
  size_t n;
  while (f && (n = fread (chunk, 1, sizeof chunk, f)) > 0)
    {
      buf = xrealloc (buf, cap = len + n + 1);
      memcpy (buf + len, chunk, n);
      len += n;
    }
  int ws;
  while (waitpid (pid, &ws, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED (ws) || WEXITSTATUS (ws) != 0)
    {
      free (buf);
      return sv_err_make_plain (err, EINVAL, "ps failed (exit status %d)", WEXITSTATUS (ws));
    }
  *out = buf ? buf : xstrdup ("");
  (*out)[len] = '\0';
  return 0;
}

/* The WANT-th (0-based) blank-separated field of LINE as a number, or -1. */
static long
field (const char *line, int want)
{
  for (int i = 0;; i++)
    {
      line += strspn (line, " \t");
      if (*line == '\0')
        return -1;
      if (i == want)
        {
          char *end;
          long v = strtol (line, &end, 10);
          return end != line && (*end == ' ' || *end == '\t' || *end == '\0') ? v : -1;
        }
      line += strcspn (line, " \t");
    }
}

/* The index of the PID column in HEADER, or -1. */
static int
pid_column (const char *header)
{
  for (int i = 0;; i++)
    {
      header += strspn (header, " \t");
      if (*header == '\0')
        return -1;
      size_t n = strcspn (header, " \t");
      if (n == 3 && strncmp (header, "PID", 3) == 0)
        return i;
      header += n;
    }
}

static bool
has_pid (const pid_t *pids, size_t n, long pid)
{
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

/* Print the header of OUT and its lines whose PID is one of PIDS. */
static int
print_filtered (char *out, const pid_t *pids, size_t n, struct sv_err **err)
{
  char *save = NULL;
  char *header = strtok_r (out, "\n", &save);
  int col = header ? pid_column (header) : -1;
  if (col < 0)
    return sv_err_make_plain (err, EINVAL, "Couldn't find PID field in ps output");
  printf ("%s\n", header);
  for (char *line = strtok_r (NULL, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    if (has_pid (pids, n, field (line, col)))
      printf ("%s\n", line);
  return 0;
}

static int
top (struct sv_engine *e, struct sv_ctr *c, char **ps_args, struct sv_err **err)
{
  if (!sv_engine_refresh (e, c))
    return sv_err_make_plain (err, EINVAL, "Container %s is not running", c->id);
  struct sv_runtime *rt;
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  _cleanup_free_ char *out = NULL;
  if (sv_engine_runtime (e, &rt, err) < 0 || sv_container_pids (rt, c->id, &pids, &n, err) < 0
      || run_ps (ps_args, &out, err) < 0)
    return -1;
  return print_filtered (out, pids, n, err);
}

static const struct option no_opts[] = { { 0 } };

int
cmd_top (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  int ch, next;
  /* Not permuted: everything after CONTAINER belongs to ps. */
  while ((ch = cli_getopt (argc, argv, "top", no_opts, false, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
  struct sv_engine *e;
  struct sv_ctr *c = NULL;
  if (cli_operands (argc, next, 1, -1, "top", "CONTAINER [ps OPTIONS]", err) < 0
      || cli_container (cli, argv[next], &e, &c, err) < 0)
    return SERVIN_EXIT_ERROR;
  _cleanup_strv_ char **args = NULL;
  sv_strv_append (&args, "ps");
  if (next + 1 == argc)
    sv_strv_append (&args, "-ef");
  for (int i = next + 1; i < argc; i++)
    sv_strv_append (&args, argv[i]);
  int r = top (e, c, args, err);
  sv_ctr_free (c);
  return r < 0 ? SERVIN_EXIT_ERROR : 0;
}

/* ---- stats ---- */

struct stat_row
{
  struct sv_ctr *c;
  bool live;
  struct sv_ctr_usage prev, cur;
  int64_t prev_ns, cur_ns; /* when they were read (CLOCK_MONOTONIC) */
};

static int64_t
mono_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Read every row's counters, keeping the last reading as the previous. */
static void
sample (struct sv_engine *e, struct stat_row *rows, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      rows[i].prev = rows[i].cur;
      rows[i].prev_ns = rows[i].cur_ns;
      rows[i].live = sv_engine_refresh (e, rows[i].c)
                     && sv_engine_usage (e, rows[i].c, &rows[i].cur, NULL) == 0;
      rows[i].cur_ns = mono_ns ();
      if (!rows[i].live)
        memset (&rows[i].cur, 0, sizeof rows[i].cur);
    }
}

/* A size as docker prints it: binary units, 4 significant digits. */
static char *
binary_size (uint64_t bytes)
{
  static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
  double v = (double)bytes;
  size_t u = 0;
  while (v >= 1024 && u + 1 < sizeof units / sizeof units[0])
    v /= 1024, u++;
  return xasprintf ("%.4g%s", v, units[u]);
}

/* The row as docker's stats JSON object. */
static json_t *
row_json (const struct stat_row *r)
{
  double cpu = 0, mem = 0;
  if (r->live && r->cur_ns > r->prev_ns && r->cur.cpu_ns >= r->prev.cpu_ns)
    cpu = (double)(r->cur.cpu_ns - r->prev.cpu_ns) * 100.0 / (double)(r->cur_ns - r->prev_ns);
  if (r->cur.mem_limit > 0)
    mem = (double)r->cur.mem_usage * 100.0 / (double)r->cur.mem_limit;
  _cleanup_free_ char *usage = binary_size (r->cur.mem_usage);
  _cleanup_free_ char *limit = binary_size (r->cur.mem_limit);
  _cleanup_free_ char *cpu_s = xasprintf ("%.2f%%", cpu);
  _cleanup_free_ char *mem_s = xasprintf ("%.2f%%", mem);
  _cleanup_free_ char *mem_usage = xasprintf ("%s / %s", usage, limit);
  _cleanup_free_ char *pids = xasprintf ("%llu", (unsigned long long)r->cur.pids);
  return json_pack ("{s:s, s:s%, s:s%, s:s, s:s, s:s, s:s}", "ID", r->c->id, "Container", r->c->id,
                    (size_t)12, "CPUPerc", cpu_s, (size_t)strlen (cpu_s), "MemUsage", mem_usage,
                    "MemPerc", mem_s, "Name", r->c->name, "PIDs", pids);
}

static const char *const table_keys[]
    = { "Container", "Name", "CPUPerc", "MemUsage", "MemPerc", "PIDs" };
static const char *const table_heads[]
    = { "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS" };
#define NCOLS (sizeof table_keys / sizeof table_keys[0])

/* Columns as wide as their widest cell plus three blanks, as docker's
 * tabwriter. */
static void
print_table (json_t **objs, size_t n)
{
  size_t w[NCOLS];
  for (size_t k = 0; k < NCOLS; k++)
    {
      w[k] = strlen (table_heads[k]);
      for (size_t i = 0; i < n; i++)
        {
          size_t l = strlen (json_string_value (json_object_get (objs[i], table_keys[k])));
          w[k] = l > w[k] ? l : w[k];
        }
    }
  for (size_t k = 0; k < NCOLS; k++)
    printf ("%-*s", k + 1 < NCOLS ? (int)w[k] + 3 : 0, table_heads[k]);
  printf ("\n");
  for (size_t i = 0; i < n; i++)
    {
      for (size_t k = 0; k < NCOLS; k++)
        printf ("%-*s", k + 1 < NCOLS ? (int)w[k] + 3 : 0,
                json_string_value (json_object_get (objs[i], table_keys[k])));
      printf ("\n");
    }
}

static int
print_stats (const struct stat_row *rows, size_t n, const char *format, struct sv_err **err)
{
  json_t **objs = xmalloc0 ((n + 1) * sizeof *objs);
  int r = 0;
  for (size_t i = 0; i < n; i++)
    objs[i] = row_json (&rows[i]);
  if (format == NULL || strcmp (format, "table") == 0)
    print_table (objs, n);
  for (size_t i = 0; format && strcmp (format, "table") != 0 && i < n && r == 0; i++)
    if (strcmp (format, "json") == 0)
      cli_print_json (objs[i], false);
    else
      r = cli_template_print (format, objs[i], err);
  for (size_t i = 0; i < n; i++)
    json_decref (objs[i]);
  free (objs);
  fflush (stdout);
  return r;
}

/* The containers named, or every running one (every one with ALL). */
static int
stat_rows (struct sv_cli *cli, int argc, char **argv, int first, bool all, struct stat_row **out,
           size_t *n, struct sv_err **err)
{
  struct sv_engine *e;
  struct sv_ctr **v = NULL;
  size_t nv = 0;
  if (first == argc && (cli_engine (cli, &e, err) < 0 || sv_ctr_list (e->db, &v, &nv, err) < 0))
    return -1;
  struct stat_row *rows = xmalloc0 ((nv + (size_t)(argc - first) + 1) * sizeof *rows);
  *n = 0;
  for (size_t i = 0; i < nv; i++)
    if (sv_engine_refresh (cli->engine, v[i]) || all)
      rows[(*n)++].c = steal_pointer (&v[i]);
  sv_ctr_list_free (v, nv);
  for (int i = first; i < argc; i++)
    if (cli_container (cli, argv[i], &e, &rows[*n].c, err) < 0)
      {
        for (size_t j = 0; j < *n; j++)
          sv_ctr_free (rows[j].c);
        free (rows);
        return -1;
      }
    else
      (*n)++;
  *out = rows;
  return 0;
}

static const struct option stats_opts[] = {
  { "no-stream", no_argument, NULL, 'S' },
  { "format", required_argument, NULL, 'f' },
  { "all", no_argument, NULL, 'a' },
  { 0 },
};

int
cmd_stats (struct sv_cli *cli, int argc, char **argv, struct sv_err **err)
{
  bool stream = true, all = false;
  const char *format = NULL;
  int ch, next;
  while ((ch = cli_getopt (argc, argv, "stats", stats_opts, true, &next, err)) != -1)
    if (ch == -2)
      return SERVIN_EXIT_ERROR;
    else if (ch == 'S')
      stream = false;
    else if (ch == 'f')
      format = optarg;
    else if (ch == 'a')
      all = true;
  if (format && strncmp (format, "table ", 6) == 0)
    return sv_err_make_plain (err, EINVAL, "--format: custom tables are not supported"),
           SERVIN_EXIT_ERROR;
  struct stat_row *rows = NULL;
  size_t n = 0;
  if (stat_rows (cli, argc, argv, next, all, &rows, &n, err) < 0)
    return SERVIN_EXIT_ERROR;
  /* CPU % is the use between two readings: the first two are 500 ms apart. */
  sample (cli->engine, rows, n);
  usleep (500000);
  int r = 0;
  for (;;)
    {
      sample (cli->engine, rows, n);
      if (stream)
        printf ("\033[2J\033[H");
      if ((r = print_stats (rows, n, format, err)) < 0 || !stream)
        break;
      sleep (1);
    }
  for (size_t i = 0; i < n; i++)
    sv_ctr_free (rows[i].c);
  free (rows);
  return r < 0 ? SERVIN_EXIT_ERROR : 0;
}

#include "cli/rt.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct option ps_opts[] = {
  { "format", required_argument, NULL, 'f' },
  { 0 },
};

static bool
has_pid (const pid_t *pids, size_t n, long pid)
{
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

/* Run ps(1) with ARGS (default -ef) and keep the header and the lines whose
 * PID column is one of the container's, as runc does. */
static int
print_table (const pid_t *pids, size_t n, char **args, int nargs, struct sv_err **err)
{
  _cleanup_free_ char *cmd = xstrdup ("ps");
  for (int i = 0; i < nargs; i++)
    {
      char *next = xasprintf ("%s '%s'", cmd, args[i]);
      free (cmd);
      cmd = next;
    }
  if (nargs == 0)
    {
      free (cmd);
      cmd = xstrdup ("ps -ef");
    }
  FILE *p = popen (cmd, "re");
  if (p == NULL)
    return sv_err_errno (err, "ps: run `%s`", cmd);
  char *line = NULL;
  size_t cap = 0;
  int pid_col = -1;
  while (getline (&line, &cap, p) > 0)
    {
      _cleanup_free_ char *copy = xstrdup (line);
      char *save = NULL;
      int col = 0;
      bool keep = false;
      for (char *t = strtok_r (copy, " \t\n", &save); t; t = strtok_r (NULL, " \t\n", &save), col++)
        {
          if (pid_col < 0 && strcmp (t, "PID") == 0)
            {
              pid_col = col;
              keep = true;
              break;
            }
          if (col == pid_col)
            {
              keep = has_pid (pids, n, strtol (t, NULL, 10));
              break;
            }
        }
      if (keep)
        fputs (line, stdout);
    }
  free (line);
  int st = pclose (p);
  if (pid_col < 0)
    return sv_err_make (err, EINVAL, "ps: no PID column in the output of `%s` (status %d)", cmd,
                        st);
  return 0;
}

int
rt_ps (struct rt_globals *g, int argc, char **argv, struct sv_err **err)
{
  const char *format = "table";
  int c, next;
  while ((c = rt_getopt (argc, argv, "ps", ps_opts, &next, err)) != -1)
    {
      if (c == -2)
        return 1;
      if (strcmp (optarg, "table") && strcmp (optarg, "json"))
        return sv_err_make (err, EINVAL, "ps: --format must be table or json"), 1;
      format = optarg;
    }
  if (argc - next < 1)
    return rt_operands (argc, argv, next, 1, "ps", "[--format table|json] ID [ps args]", err), 1;
  struct sv_runtime rt;
  if (rt_open (g, &rt, err) < 0)
    return 1;
  pid_t *pids = NULL;
  size_t n = 0;
  int ret = sv_container_pids (&rt, argv[next], &pids, &n, err);
  sv_runtime_close (&rt);
  if (ret == 0 && strcmp (format, "json") == 0)
    {
      json_t *arr = json_array ();
      for (size_t i = 0; i < n; i++)
        json_array_append_new (arr, json_integer (pids[i]));
      rt_print_json (arr, false);
      json_decref (arr);
    }
  else if (ret == 0)
    ret = print_table (pids, n, argv + next + 1, argc - next - 1, err);
  free (pids);
  return ret < 0 ? 1 : 0;
}

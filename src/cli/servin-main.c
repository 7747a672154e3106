/* servin: entry point, global flags and command dispatch. */
#include "cli/servin.h"
#include "engine/engine.h"
#include "network/dns-proc.h"
#include "runtime/cloned-binary.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

struct command
{
  const char *name;
  cli_command_fn fn;
  const char *help;
  bool spawns; /* starts container processes: runs from a sealed copy of servin */
};

static const struct command commands[] = {
  { "run", cmd_run, "Create and start a container", true },
  { "create", cmd_create, "Create a container" },
  { "start", cmd_start, "Start containers", true },
  { "stop", cmd_stop, "Stop containers" },
  { "restart", cmd_restart, "Restart containers", true },
  { "kill", cmd_kill, "Send a signal to containers" },
  { "rm", cmd_rm, "Remove containers" },
  { "ps", cmd_ps, "List containers" },
  { "ls", cmd_ps, NULL },
  { "logs", cmd_logs, "Show a container's output" },
  { "wait", cmd_wait, "Wait for containers to stop; print their exit codes" },
  { "exec", cmd_exec, "Run a command in a running container", true },
  { "rename", cmd_rename, "Rename a container" },
  { "attach", cmd_attach, "Attach to a running container's output and input" },
  { "top", cmd_top, "Show the processes of a container" },
  { "stats", cmd_stats, "Show containers' resource usage" },
  { "cp", cmd_cp, "Copy files between a container and the host" },
  { "export", cmd_export, "Export a container's filesystem as a tar archive" },
  { "commit", cmd_commit, "Make an image from a container's changes" },
  { "pause", cmd_pause, "Pause the processes of containers" },
  { "unpause", cmd_unpause, "Resume paused containers" },
  { "port", cmd_port, "List a container's published ports" },
  { "version", cmd_version, "Show version information" },
  { "info", cmd_info, "Show system-wide information" },
  { "pull", cmd_pull, "Download an image from a registry" },
  { "push", cmd_push, "Upload an image to a registry" },
  { "images", cmd_images, "List images" },
  { "history", cmd_history, "Show the history of an image" },
  { "tag", cmd_tag, "Give an image another name" },
  { "rmi", cmd_rmi, "Remove images" },
  { "load", cmd_load, "Load images from a docker-archive or oci-archive" },
  { "save", cmd_save, "Save images to a docker-archive or oci-archive" },
  { "import", cmd_import, "Make an image from a root filesystem tarball" },
  { "inspect", cmd_inspect, "Show details of containers or images" },
  { "login", cmd_login, "Store credentials for a registry" },
  { "logout", cmd_logout, "Remove stored credentials for a registry" },
};

/* `servin image SUBCOMMAND`: docker's and podman's management spellings. */
static const struct command image_commands[] = {
  { "ls", cmd_images, "List images" },
  { "list", cmd_images, NULL },
  { "pull", cmd_pull, "Download an image from a registry" },
  { "push", cmd_push, "Upload an image to a registry" },
  { "inspect", cmd_image_inspect, "Show details of images" },
  { "history", cmd_history, "Show the history of an image" },
  { "tag", cmd_tag, "Give an image another name" },
  { "rm", cmd_rmi, "Remove images" },
  { "remove", cmd_rmi, NULL },
  { "prune", cmd_image_prune, "Remove unused images" },
  { "load", cmd_load, "Load images from an archive" },
  { "save", cmd_save, "Save images to an archive" },
  { "import", cmd_import, "Make an image from a root filesystem tarball" },
  { "bundle", cmd_bundle, "Unpack an image into an OCI bundle for servin-runtime" },
};

/* `servin container SUBCOMMAND`. */
static const struct command container_commands[] = {
  { "run", cmd_run, "Create and start a container", true },
  { "create", cmd_create, "Create a container" },
  { "start", cmd_start, "Start containers", true },
  { "stop", cmd_stop, "Stop containers" },
  { "restart", cmd_restart, "Restart containers", true },
  { "kill", cmd_kill, "Send a signal to containers" },
  { "rm", cmd_rm, "Remove containers" },
  { "remove", cmd_rm, NULL },
  { "ls", cmd_ps, "List containers" },
  { "list", cmd_ps, NULL },
  { "ps", cmd_ps, NULL },
  { "logs", cmd_logs, "Show a container's output" },
  { "wait", cmd_wait, "Wait for containers to stop" },
  { "exec", cmd_exec, "Run a command in a running container", true },
  { "inspect", cmd_container_inspect, "Show details of containers" },
  { "rename", cmd_rename, "Rename a container" },
  { "prune", cmd_container_prune, "Remove stopped containers" },
  { "attach", cmd_attach, "Attach to a running container" },
  { "top", cmd_top, "Show the processes of a container" },
  { "stats", cmd_stats, "Show containers' resource usage" },
  { "cp", cmd_cp, "Copy files between a container and the host" },
  { "export", cmd_export, "Export a container's filesystem" },
  { "commit", cmd_commit, "Make an image from a container" },
  { "pause", cmd_pause, "Pause containers" },
  { "unpause", cmd_unpause, "Resume paused containers" },
  { "port", cmd_port, "List a container's published ports" },
};

/* `servin volume SUBCOMMAND`. */
static const struct command volume_commands[] = {
  { "create", cmd_volume_create, "Create a volume" },
  { "ls", cmd_volume_ls, "List volumes" },
  { "list", cmd_volume_ls, NULL },
  { "inspect", cmd_volume_inspect, "Show details of volumes" },
  { "rm", cmd_volume_rm, "Remove volumes" },
  { "remove", cmd_volume_rm, NULL },
  { "prune", cmd_volume_prune, "Remove unused volumes" },
};

/* `servin network SUBCOMMAND`. */
static const struct command network_commands[] = {
  { "create", cmd_network_create, "Create a network" },
  { "ls", cmd_network_ls, "List networks" },
  { "list", cmd_network_ls, NULL },
  { "inspect", cmd_network_inspect, "Show details of networks" },
  { "rm", cmd_network_rm, "Remove networks" },
  { "remove", cmd_network_rm, NULL },
  { "connect", cmd_network_connect, "Connect a container to a network" },
  { "disconnect", cmd_network_disconnect, "Disconnect a container from a network" },
  { "prune", cmd_network_prune, "Remove unused networks" },
};

/* `servin system SUBCOMMAND`. */
static const struct command system_commands[] = {
  { "df", cmd_system_df, "Show disk usage" },
  { "prune", cmd_system_prune, "Remove unused data" },
  { "info", cmd_info, "Show system-wide information" },
};

#define N(a) (sizeof (a) / sizeof (a)[0])

struct group
{
  const char *name;
  const struct command *table;
  size_t n;
  const char *help;
};

static const struct group groups[] = {
  { "container", container_commands, N (container_commands), "Manage containers" },
  { "image", image_commands, N (image_commands), "Manage images" },
  { "volume", volume_commands, N (volume_commands), "Manage volumes" },
  { "network", network_commands, N (network_commands), "Manage networks" },
  { "system", system_commands, N (system_commands), "Manage Servin" },
};

static void
group_usage (const struct group *g, FILE *f)
{
  fprintf (f, "Usage: servin %s COMMAND\n\n%s:\n", g->name, g->help);
  for (size_t i = 0; i < g->n; i++)
    if (g->table[i].help)
      fprintf (f, "  %-10s %s\n", g->table[i].name, g->table[i].help);
}

static void
usage (FILE *f)
{
  fprintf (f, "Usage: servin [global flags] COMMAND [flags] [ARG...]\n\n"
              "Global flags:\n"
              "  --root DIR               data root (default $SERVIN_ROOT or /var/lib/servin)\n"
              "  --runroot DIR            run root (default $SERVIN_RUNROOT or under /run)\n"
              "  --insecure-registry HOST allow plain HTTP to HOST (repeatable)\n"
              "  -v, --verbose            say more\n"
              "  --version, --help\n\nCommands:\n");
  for (size_t i = 0; i < N (commands); i++)
    if (commands[i].help)
      fprintf (f, "  %-10s %s\n", commands[i].name, commands[i].help);
  for (size_t g = 0; g < N (groups); g++)
    fprintf (f, "  %-10s %s (servin %s --help)\n", groups[g].name, groups[g].help, groups[g].name);
}

enum
{
  OPT_ROOT = 256,
  OPT_RUNROOT,
  OPT_INSECURE,
  OPT_VERSION,
};

static const struct option global_opts[] = {
  { "root", required_argument, NULL, OPT_ROOT },
  { "runroot", required_argument, NULL, OPT_RUNROOT },
  { "insecure-registry", required_argument, NULL, OPT_INSECURE },
  { "verbose", no_argument, NULL, 'v' },
  { "version", no_argument, NULL, OPT_VERSION },
  { "help", no_argument, NULL, 'h' },
  { 0 },
};

/* Returns the index of the command operand, 0 when main should exit 0
 * (help/version printed), or -1 on error. */
static int
parse_globals (int argc, char **argv, struct sv_cli *cli, struct sv_err **err)
{
  int c, next;
  while ((c = cli_getopt (argc, argv, "servin", global_opts, false, &next, err)) != -1)
    switch (c)
      {
      case -2:
        return -1;
      case OPT_ROOT:
        cli->root = optarg;
        break;
      case OPT_RUNROOT:
        cli->runroot = optarg;
        break;
      case OPT_INSECURE:
        sv_strv_append (&cli->insecure_registries, optarg);
        break;
      case 'v':
        cli->verbose = true;
        break;
      case OPT_VERSION:
        printf ("servin version %s\n", SERVIN_VERSION);
        return 0;
      case 'h':
        usage (stdout);
        return 0;
      }
  return next;
}

static int
report (struct sv_err *err)
{
  char *s = sv_err_string (err);
  sv_err_free (&err);
  fprintf (stderr, "servin: %s\n", s);
  free (s);
  return SERVIN_EXIT_ERROR;
}

static const struct command *
find (const struct command *table, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (table[i].name, name) == 0)
      return &table[i];
  return NULL;
}

/* $SERVIN_INIT: servin-init next to the servin binary, unless set. */
static void
set_init_path (void)
{
  if (getenv ("SERVIN_INIT"))
    return;
  char self[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0 || strncmp (self, "/memfd:", 7) == 0)
    return;
  self[n] = '\0';
  char *slash = strrchr (self, '/');
  if (slash == NULL)
    return;
  strcpy (slash + 1, "servin-init");
  if (access (self, X_OK) == 0)
    setenv ("SERVIN_INIT", self, 1);
}

static int
run (struct sv_cli *cli, const struct command *c, int argc, char **argv)
{
  struct sv_err *err = NULL;
  optind = 0;
  int ret = c->fn (cli, argc, argv, &err);
  if (err)
    {
      int r = report (err);
      return ret ? ret : r;
    }
  return ret;
}

int
main (int argc, char **argv)
{
  struct sv_cli cli = { 0 };
  struct sv_err *err = NULL;
  int first = parse_globals (argc, argv, &cli, &err);
  if (first < 0)
    return report (err);
  if (first == 0)
    return 0;
  if (first >= argc)
    {
      usage (stderr);
      return SERVIN_EXIT_ERROR;
    }
  if (cli.root == NULL)
    cli.root = getenv ("SERVIN_ROOT");
  if (cli.root == NULL || *cli.root == '\0')
    cli.root = "/var/lib/servin";
  if (cli.runroot == NULL)
    cli.runroot = getenv ("SERVIN_RUNROOT");
  sv_log_init (NULL, SV_LOG_TEXT, cli.verbose);

  const char *name = argv[first];
  /* Not a command: how sv_dns_proc_ensure starts a network's responder. */
  if (strcmp (name, "__dns-responder") == 0 && argc - first == 5)
    sv_dns_proc_main (argv[first + 1], argv[first + 2], argv[first + 3], atoi (argv[first + 4]));
  const struct command *c = find (commands, N (commands), name);
  const char *group = NULL;
  for (size_t g = 0; c == NULL && g < N (groups); g++)
    if (strcmp (name, groups[g].name) == 0)
      {
        group = name;
        if (first + 1 >= argc || strcmp (argv[first + 1], "--help") == 0)
          {
            group_usage (&groups[g], first + 1 >= argc ? stderr : stdout);
            return first + 1 >= argc ? SERVIN_EXIT_ERROR : 0;
          }
        first++;
        c = find (groups[g].table, groups[g].n, argv[first]);
      }
  if (c == NULL)
    {
      sv_err_make_plain (&err, EINVAL, "unknown command `%s%s%s` (see servin --help)",
                         group ? group : "", group ? " " : "", argv[first]);
      return report (err);
    }
  if (c->spawns)
    {
      /* Find servin-init beside this binary before leaving it for the
       * sealed copy (whose /proc/self/exe is a memfd). */
      set_init_path ();
      if (sv_cloned_binary_ensure (argv, &err) < 0)
        return report (err);
    }
  int ret = run (&cli, c, argc - first, argv + first);
  if (cli.engine)
    {
      sv_engine_close (cli.engine);
      free (cli.engine);
    }
  if (cli.store)
    sv_store_close (cli.store);
  sv_strv_free (cli.insecure_registries);
  return ret;
}

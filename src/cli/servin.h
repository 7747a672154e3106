/* The servin command line: docker's and podman's spellings.  Each command
 * is one file cmd-NAME.c with a function that parses its flags and calls
 * the engine / image libraries.  A command returns the process exit
 * status; on failure it fills *err and returns SERVIN_EXIT_ERROR (125, as
 * docker) and main prints the one-line error. */
#ifndef SV_SERVIN_H
#define SV_SERVIN_H

#include <jansson.h>
#include <stdbool.h>

#include "cli/getopt.h"
#include "image/store.h"
#include "util/err.h"

#define SERVIN_VERSION "0.1.0"

/* docker's exit statuses for failures of its own. */
#define SERVIN_EXIT_ERROR 125
#define SERVIN_EXIT_CANNOT_INVOKE 126
#define SERVIN_EXIT_NOT_FOUND 127

struct sv_engine;

struct sv_cli
{
  const char *root;           /* data root: --root, $SERVIN_ROOT, /var/lib/servin */
  const char *runroot;        /* run root: --runroot, $SERVIN_RUNROOT, derived */
  bool verbose;               /* -v / --verbose: progress and debug detail */
  char **insecure_registries; /* --insecure-registry and the config file's */
  struct sv_store *store;     /* opened on first use by cli_store */
  struct sv_engine *engine;   /* opened on first use by cli_engine */
};

typedef int (*cli_command_fn) (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);

/* The image store of the data root, opened on first use. */
int cli_store (struct sv_cli *cli, struct sv_store **out, struct sv_err **err);

/* Whether talking plain HTTP to registry HOST ("host:port") is allowed:
 * localhost/127.0.0.1/::1, or named insecure. */
bool cli_registry_insecure (struct sv_cli *cli, const char *host);

/* Require between MIN and MAX (-1: any) operands after the flags. */
int cli_operands (int argc, int first, int min, int max, const char *cmd, const char *usage,
                  struct sv_err **err);

/* docker's confirmation of a prune without -f: on a terminal, print
 * "WARNING! WARNING" and ask; true when answered y.  Without a terminal,
 * true (nobody can answer). */
bool cli_confirm (const char *warning);

/* Report *ERR as one failed operand of many ("servin: MSG" on stderr)
 * and free it: docker goes on with the others and exits 1. */
void cli_report_operand (struct sv_err **err);

/* Labels as sv_parse_label leaves them ("k=v") as a JSON object. */
json_t *cli_labels_json (char *const *labels);

/* Print a JSON value and a newline to stdout (indented when PRETTY). */
void cli_print_json (json_t *j, bool pretty);

/* "3 seconds ago", "2 weeks ago" from a unix time; owned by the caller. */
char *cli_human_since (int64_t when);
/* "1.2MB" as docker prints sizes (SI units); owned by the caller. */
char *cli_human_size (int64_t bytes);
/* Unix time of an RFC 3339 timestamp, or -1. */
int64_t cli_parse_rfc3339 (const char *s);

/* A stored name ("docker.io/library/busybox:latest" or "NAME@DIGEST") the
 * way docker prints it: *REPO "busybox", *TAG "latest" or NULL, *DIGEST
 * "sha256:..." or NULL; all owned by the caller.  Returns < 0 when NAME
 * does not parse (it is then copied to *REPO). */
int cli_split_name (const char *name, char **repo, char **tag, char **digest);
/* The familiar form of a stored name ("busybox:latest"); owned by the caller. */
char *cli_familiar (const char *name);

/* Print DATA through a --format template (a subset of Go's: literal text,
 * {{.A.B}}, {{json .A}}, {{lower .A}}, {{upper .A}}) and a newline. */
int cli_template_print (const char *tmpl, json_t *data, struct sv_err **err);

/* Pull NAME (progress on stderr unless QUIET; the reference on stdout
 * when PRINT_REF), as `servin pull` and `run --pull` do. */
int cli_pull_image (struct sv_cli *cli, const char *name, const char *platform, bool quiet,
                    bool tls_verify, bool print_ref, struct sv_err **err);

/* Commands. */
int cmd_pull (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_push (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_login (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_logout (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_images (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_image_inspect (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_history (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_tag (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_rmi (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_image_prune (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_load (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_save (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_import (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_bundle (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_run (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_create (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_start (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_stop (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_restart (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_kill (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_rm (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_ps (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_logs (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_wait (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_inspect (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_container_inspect (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_exec (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_rename (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_container_prune (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_attach (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_top (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_stats (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_cp (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_export (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_commit (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_pause (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_unpause (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_port (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_version (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_info (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_volume_create (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_volume_ls (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_volume_inspect (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_volume_rm (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_volume_prune (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_network_create (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_network_ls (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_network_inspect (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_network_rm (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_network_connect (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_network_disconnect (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_network_prune (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_system_df (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_system_prune (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);
int cmd_attach (struct sv_cli *cli, int argc, char **argv, struct sv_err **err);

#endif
